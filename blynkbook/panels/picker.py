"""DevicePicker: search and filter the fleet, page through matches, select devices.

>>> import blynkbook as bb                                  # doctest: +SKIP
>>> picker = DevicePicker(bb.connect("demo"), page_size=20)  # doctest: +SKIP
>>> picker.search.value = "weather"                          # doctest: +SKIP
>>> picker.selected = (101, 102)                             # doctest: +SKIP
>>> picker.on_change(print)                                  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import ipywidgets as widgets
import pandas as pd

from ._common import Hooks, StatusLine, device_label
from ._protocol import FleetClient

__all__ = ["ANY", "DevicePicker"]

ANY = "(any)"
"""The filter choice that lets every device through."""

ONLINE_CHOICES = (ANY, "online", "offline")
TAG_WORKERS = 8
"""Tags are asked of the client for the whole fleet at once, this many at a time."""


def _has_extra(client: object, name: str) -> bool:
    """Whether the client offers an optional per-device call such as ``tags``."""
    return callable(getattr(client, name, None))


def _as_tags(raw: object) -> frozenset[str]:
    """Tags from whatever ``client.tags(id)`` returns: a list, a Series or a frame."""
    if isinstance(raw, pd.DataFrame):
        column = "tag" if "tag" in raw.columns else ("name" if "name" in raw.columns else None)
        raw = raw[column].tolist() if column else []
    elif isinstance(raw, pd.Series):
        raw = raw.tolist()
    if isinstance(raw, str):
        return frozenset({raw})
    if isinstance(raw, Iterable):
        return frozenset(str(tag) for tag in raw)
    return frozenset()


def _as_online(raw: object) -> bool:
    """Online state from ``client.online(id)``: a bool, a mapping, a Series or a frame."""
    if isinstance(raw, pd.DataFrame):
        raw = raw["online"].iloc[0] if len(raw) and "online" in raw.columns else False
    elif isinstance(raw, pd.Series | dict):
        raw = raw.get("online", False)
    if isinstance(raw, str):
        return raw.strip().lower() in {"online", "true", "1"}
    return bool(raw)


def _choice_label(name: object, device_id: Hashable, template: object) -> str:
    """``"Roof Weather (1) · Weather Station"``: one line says which device it is."""
    label = device_label(name, device_id)
    return f"{label} · {template}" if isinstance(template, str) and template else label


class DevicePicker(widgets.VBox):  # type: ignore[misc]
    """Search box, template / tag / online filters, and one paged multi-select.

    One control to pick with (each line says name, id and template); only the current
    page of matches goes into it, and the selection survives paging and filtering.
    Tags and online state come from the optional ``client.tags(id)`` and
    ``client.online(id)``, fetched when that filter is first used, once per device; tag
    matching ignores case, and the tag box then lists every tag of the fleet.

    ``only(fleet) -> fleet`` narrows the devices on offer (the map offers the ones it
    can draw).

    **Attributes:** ``search``, ``template``, ``tag``, ``online`` (filter widgets),
    ``choice`` (SelectMultiple of ``(label, id)``), ``prev`` / ``next``, ``page``
    (0-based), ``matches`` (frame of all matches), ``selected`` (tuple of ids).
    """

    def __init__(
        self,
        client: FleetClient,
        *,
        page_size: int = 50,
        only: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    ) -> None:
        if page_size < 1:
            raise ValueError(f"page_size must be at least 1, got {page_size}")
        self.client = client
        self.only = only
        self.page_size = page_size
        self.page = 0
        self.matches = pd.DataFrame(columns=["device_id", "name", "template"])
        self._fleet = self.matches
        self._selected: dict[Hashable, None] = {}
        self._tags: dict[Hashable, frozenset[str]] = {}
        self._online: dict[Hashable, bool] = {}
        self._changed = Hooks()
        self._syncing = False
        self._build_widgets()
        super().__init__(children=self._layout())
        self._wire()
        self.reload()

    # -- construction --------------------------------------------------------------------
    def _build_widgets(self) -> None:
        wide = {"description_width": "initial"}
        self.search = widgets.Text(
            placeholder="search name or id", description="Search", style=wide
        )
        self.template = widgets.Dropdown(
            options=[ANY], value=ANY, description="Template", style=wide,
            layout=widgets.Layout(width="auto"),
        )  # fmt: skip
        self.tag = widgets.Combobox(
            placeholder="any tag (type to list them)", description="Tag", style=wide
        )
        self.online = widgets.Dropdown(
            options=ONLINE_CHOICES, value=ANY, description="State", style=wide,
            layout=widgets.Layout(width="auto"),
        )  # fmt: skip
        self.tag.disabled = not _has_extra(self.client, "tags")
        self.online.disabled = not _has_extra(self.client, "online")
        self.choice = widgets.SelectMultiple(
            options=[], rows=8, description="Devices", style=wide,
            layout=widgets.Layout(width="auto", min_width="30em", max_width="100%"),
        )  # fmt: skip
        self.prev = widgets.Button(description="◀ prev", layout=widgets.Layout(width="7em"))
        self.next = widgets.Button(description="next ▶", layout=widgets.Layout(width="7em"))
        self.clear = widgets.Button(
            description="clear selection", layout=widgets.Layout(width="auto")
        )
        self.page_info = widgets.Label()
        self.status = StatusLine()

    def _layout(self) -> tuple[widgets.Widget, ...]:
        filters = widgets.HBox(
            [self.search, self.template, self.tag, self.online],
            layout=widgets.Layout(flex_flow="row wrap"),
        )
        paging = widgets.HBox([self.prev, self.page_info, self.next, self.clear])
        return (filters, self.choice, paging, self.status)

    def _wire(self) -> None:
        for widget in (self.search, self.template, self.tag, self.online):
            widget.observe(self._on_filter, names="value")
        self.choice.observe(self._on_choice, names="value")
        self.prev.on_click(lambda _: self.show_page(self.page - 1))
        self.next.on_click(lambda _: self.show_page(self.page + 1))
        self.clear.on_click(lambda _: setattr(self, "selected", ()))

    # -- public API ----------------------------------------------------------------------
    @property
    def selected(self) -> tuple[Hashable, ...]:
        """The selected device ids, in the order they were picked."""
        return tuple(self._selected)

    @selected.setter
    def selected(self, ids: Iterable[Hashable]) -> None:
        new = dict.fromkeys(ids)
        if list(new) == list(self._selected):
            return
        self._selected = new
        self._sync_choice()
        self._announce()

    @property
    def fleet(self) -> pd.DataFrame:
        """The whole device list, as ``client.devices()`` returned it."""
        return self._fleet

    @property
    def last_error(self) -> Exception | None:
        """The last error the picker showed, if any."""
        return self.status.last_error

    def on_change(
        self, callback: Callable[[tuple[Hashable, ...]], Any], remove: bool = False
    ) -> None:
        """Call ``callback(selected)`` whenever the selection changes."""
        self._changed.register(callback, remove)

    def reload(self) -> None:
        """Fetch the device list again and re-apply the filters."""
        with self.status.guard("Loading devices"):
            fleet = self.client.devices()
            self._fleet = self.only(fleet) if self.only is not None else fleet
            if "online" in self._fleet.columns:  # some clients list the state with devices
                states = self._fleet["online"].fillna(False).astype(bool)
                self._online.update(zip(self._fleet["device_id"], states, strict=True))
                self.online.disabled = False
            templates = sorted(self._fleet["template"].dropna().astype(str).unique())
            self.template.options = [ANY, *templates]
            self.refresh()

    def refresh(self) -> None:
        """Re-apply the filters and show the first page of matches."""
        with self.status.guard("Filtering"):
            self.matches = self._filtered()
            self.tag.options = self.known_tags()
            self.show_page(0)
            self.status.say(f"{len(self.matches)} of {len(self._fleet)} devices match")

    def show_page(self, page: int) -> None:
        """Show page ``page`` (clamped) of the matches in the table and the select."""
        pages = max(-(-len(self.matches) // self.page_size), 1)
        self.page = min(max(page, 0), pages - 1)
        self.page_info.value = f"page {self.page + 1}/{pages} · {len(self.matches)} matches"
        self.prev.disabled = self.page == 0
        self.next.disabled = self.page >= pages - 1
        self._sync_choice()

    def current_page(self) -> pd.DataFrame:
        """The rows of the matches on the current page."""
        start = self.page * self.page_size
        return self.matches.iloc[start : start + self.page_size]

    def known_tags(self) -> list[str]:
        """Every tag fetched so far, sorted ignoring case."""
        return sorted(set().union(*self._tags.values()), key=str.casefold) if self._tags else []

    def fetch_all_tags(self) -> None:
        """Ask the client for the tags of every device not asked yet, a few at a time."""
        missing = [d for d in self._fleet["device_id"] if d not in self._tags]
        if not missing:
            return
        with ThreadPoolExecutor(max_workers=TAG_WORKERS) as pool:
            found = list(pool.map(lambda d: _as_tags(self.client.tags(d)), missing))  # type: ignore[attr-defined]
        self._tags.update(zip(missing, found, strict=True))

    def tags_of(self, device_id: Hashable) -> frozenset[str]:
        """The device's tags, asked of the client once."""
        if device_id not in self._tags:
            self._tags[device_id] = _as_tags(self.client.tags(device_id))  # type: ignore[attr-defined]
        return self._tags[device_id]

    def online_of(self, device_id: Hashable) -> bool:
        """Whether the device is online, asked of the client once."""
        if device_id not in self._online:
            self._online[device_id] = _as_online(self.client.online(device_id))  # type: ignore[attr-defined]
        return self._online[device_id]

    # -- filtering -----------------------------------------------------------------------
    def _filtered(self) -> pd.DataFrame:
        frame = self._fleet
        query = self.search.value.strip().lower()
        if query:
            text = frame["name"].astype(str).str.lower() + " " + frame["device_id"].astype(str)
            frame = frame[text.str.contains(query, regex=False)]
        if self.template.value != ANY:
            frame = frame[frame["template"].astype(str) == self.template.value]
        if self.tag.value.strip() and not self.tag.disabled:
            frame = self._with_tag(frame, self.tag.value.strip())
        if self.online.value != ANY and not self.online.disabled:
            frame = self._with_online(frame, self.online.value == "online")
        return frame

    def _with_tag(self, frame: pd.DataFrame, tag: str) -> pd.DataFrame:
        """Devices with a tag containing ``tag``, ignoring case ("rooftop" finds "Rooftop")."""
        self.fetch_all_tags()
        wanted = tag.casefold()
        tags = [self.tags_of(device_id) for device_id in frame["device_id"]]
        frame = frame.assign(tags=[", ".join(sorted(t)) for t in tags])
        return frame[[any(wanted in t.casefold() for t in found) for found in tags]]

    def _with_online(self, frame: pd.DataFrame, wanted: bool) -> pd.DataFrame:
        states = [bool(self.online_of(device_id)) for device_id in frame["device_id"]]
        frame = frame.assign(online=states)
        return frame[[state == wanted for state in states]]

    # -- selection -----------------------------------------------------------------------
    def _page_options(self) -> list[tuple[str, Hashable]]:
        rows = self.current_page()
        return [
            (_choice_label(name, device_id, template), device_id)
            for device_id, name, template in zip(
                rows["device_id"], rows["name"], rows["template"], strict=True
            )
        ]

    def _sync_choice(self) -> None:
        """Put the current page into the select widget, ticking the selected ids."""
        options = self._page_options()
        ids = {device_id for _, device_id in options}
        self._syncing = True
        try:
            if list(self.choice.options) != options:
                self.choice.value = ()
                self.choice.options = options
            self.choice.value = tuple(i for i in self._selected if i in ids)
        finally:
            self._syncing = False

    def _on_choice(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        on_page = {device_id for _, device_id in self.choice.options}
        picked = [i for i in change["new"] if i in on_page]
        kept = [i for i in self._selected if i not in on_page or i in picked]
        added = [i for i in picked if i not in self._selected]
        self._selected = dict.fromkeys(kept + added)
        self._announce()

    def _on_filter(self, change: dict[str, Any]) -> None:
        self.refresh()

    def _announce(self) -> None:
        errors = self._changed.fire(self.selected)
        if errors:
            self.status.fail(errors[0], "A selection callback")
        else:
            self.status.say(f"{len(self._selected)} selected")
