"""WritePanel: set datastream values on the selected devices, behind an explicit Confirm.

One input per writable datastream (from ``client.schema(id)``), chosen by type; with one
device selected the inputs start at its current values. Nothing is sent when a value
changes or on Preview; Preview shows exactly what Confirm will send, and
any change afterwards withdraws that preview.

>>> import blynkbook as bb                                   # doctest: +SKIP
>>> panel = WritePanel(bb.connect("demo"))                    # doctest: +SKIP
>>> panel.picker.selected = (41, 42)                          # doctest: +SKIP
>>> panel.fields["Mode"].editors[0].value = "eco"             # doctest: +SKIP
>>> panel.preview_button.click(); panel.confirm_button.click()  # doctest: +SKIP
>>> panel.report                                              # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import pandas as pd

from ._common import (
    Hooks,
    SchemaBook,
    StatusLine,
    device_label,
    frame_html,
    name_lookup,
    unit_of,
)
from ._protocol import FleetClient
from .picker import DevicePicker

__all__ = ["Field", "WritePanel", "make_field", "shown_value"]

REPORT_COLUMNS = ["device_id", "datastream", "value", "status", "reason"]
PLAN_COLUMNS = ["device_id", "name", "datastream", "value", "action"]


@dataclass(frozen=True)
class Field:
    """One writable datastream in the form: an include box and its editor widget(s)."""

    label: str
    kind: str
    include: widgets.Checkbox
    editors: tuple[widgets.Widget, ...]
    row: widgets.HBox

    def value(self) -> Any:
        """The value to send, in the form ``client.write`` takes."""
        if self.kind == "location":
            return [float(self.editors[0].value), float(self.editors[1].value)]
        if self.kind == "switch":
            return int(bool(self.editors[0].value))
        return self.editors[0].value


def _number_editor(
    kind: str, low: float | None, high: float | None, current: Any = None
) -> widgets.Widget:
    """Bounded int/float input when the schema gives both limits, else an open one; it
    starts at ``current`` when that is a number (kept within the limits), else at 0."""
    integer = kind == "int"
    start = _number(current)
    if low is not None and high is not None:
        cls = widgets.BoundedIntText if integer else widgets.BoundedFloatText
        start = min(max(0.0 if start is None else start, low), high)
        return cls(value=int(start) if integer else start, min=low, max=high)
    start = 0.0 if start is None else start
    return widgets.IntText(value=int(start)) if integer else widgets.FloatText(value=start)


def _number(value: Any) -> float | None:
    """``value`` (a current value, a schema ``min`` / ``max``) as a finite float, or None
    when it is missing or not a number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _enum_option(row: Any, options: list[str], current: Any) -> str | None:
    """The option label a current enum value stands for (a label, or one of its keys)."""
    if str(current) in options:
        return str(current)
    keys = row.get("option_keys")
    for key, option in zip(keys if isinstance(keys, list | tuple) else [], options, strict=False):
        if str(key) == str(current):
            return option
    return None


def _lon_lat(current: Any) -> tuple[float, float]:
    """A current location ``[lon, lat]`` within range, else (0, 0)."""
    if isinstance(current, list | tuple) and len(current) == 2:
        lon, lat = _number(current[0]), _number(current[1])
        if lon is not None and lat is not None and abs(lon) <= 180 and abs(lat) <= 90:
            return lon, lat
    return 0.0, 0.0


def _editors(row: pd.Series, current: Any = None) -> tuple[widgets.Widget, ...]:
    """The input widget(s) for one schema row, by its ``type``, starting at ``current``
    (the device's value now) when there is one that fits."""
    kind = str(row["type"])
    if kind == "switch":
        on = bool(_number(current))  # missing or 0: off
        return (widgets.ToggleButton(value=on, description="on / off"),)
    if kind == "enum":
        options = [str(option) for option in row["options"]]
        first = options[0] if options else None
        start = _enum_option(row, options, current) or first
        return (widgets.Dropdown(options=options, value=start),)
    if kind == "string":
        return (widgets.Text(value="" if current is None else str(current)),)
    if kind == "location":
        lon0, lat0 = _lon_lat(current)
        lon = widgets.BoundedFloatText(value=lon0, min=-180.0, max=180.0, description="lon")
        lat = widgets.BoundedFloatText(value=lat0, min=-90.0, max=90.0, description="lat")
        return (lon, lat)
    return (_number_editor(kind, _number(row.get("min")), _number(row.get("max")), current),)


def make_field(row: pd.Series, note: str = "", current: Any = None) -> Field:
    """A form row for one schema row: include box, label, editor(s), starting at the
    device's ``current`` value when given (shown as "now: …" too).

    Editing a value ticks the include box (that is all it does: nothing is sent).
    """
    label, kind = str(row["label"]), str(row["type"])
    include = widgets.Checkbox(
        value=False, description=label, indent=False, layout=widgets.Layout(width="auto")
    )
    editors = _editors(row, current)
    if current is not None:
        note = " ".join(part for part in (note, f"now: {shown_value(row, current)}") if part)
    for editor in editors:
        editor.observe(lambda _, box=include: setattr(box, "value", True), names="value")
    tail = widgets.Label(" ".join(part for part in (unit_of(row), note) if part))
    return Field(label, kind, include, editors, widgets.HBox([include, *editors, tail]))


def shown_value(row: Any, value: Any) -> Any:
    """How a value reads to a person: an enum's label instead of its key.

    >>> shown_value({"type": "enum", "options": ["eco", "boost"], "option_keys": [0, 1]}, 1)
    'boost'
    >>> shown_value({"type": "double"}, 1.5)
    1.5
    """
    if str(row.get("type")) != "enum":
        return value
    options = [str(option) for option in (row.get("options") or [])]
    return _enum_option(row, options, value) or value


class WritePanel(widgets.VBox):  # type: ignore[misc]
    """Inputs for the writable datastreams of the selected devices; Preview; Confirm.

    **Attributes:** ``picker``, ``fields`` (label → :class:`Field`), ``preview_button``,
    ``confirm_button`` (enabled only while a preview is current), ``preview`` and
    ``report_table`` (HTML), ``plan`` (frame of what Confirm will do), ``report`` (frame of
    the last send: ``device_id``, ``datastream``, ``value``, ``status``, ``reason``).
    """

    def __init__(self, client: FleetClient, picker: DevicePicker | None = None) -> None:
        self.client = client
        self.owns_picker = picker is None
        self.picker = picker if picker is not None else DevicePicker(client)
        self.fields: dict[str, Field] = {}
        self.plan = pd.DataFrame(columns=PLAN_COLUMNS)
        self.report = pd.DataFrame(columns=REPORT_COLUMNS)
        self._pending: dict[Hashable, dict[str, Any]] | None = None
        self._schemas = SchemaBook(client)
        self._submitted = Hooks()
        self._build_widgets()
        super().__init__(children=self._layout())
        self._wire()
        self._on_selection(self.picker.selected)

    # -- construction --------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.form = widgets.VBox()
        self.preview_button = widgets.Button(description="Preview", icon="eye")
        self.confirm_button = widgets.Button(
            description="Confirm & send", button_style="danger", icon="paper-plane", disabled=True
        )
        self.preview = widgets.HTML()
        self.report_table = widgets.HTML()
        self.status = StatusLine()

    def _layout(self) -> tuple[widgets.Widget, ...]:
        buttons = widgets.HBox([self.preview_button, self.confirm_button])
        body = (self.form, buttons, self.preview, self.status, self.report_table)
        return (self.picker, *body) if self.owns_picker else body

    def _wire(self) -> None:
        self.picker.on_change(self._on_selection)
        self.preview_button.on_click(lambda _: self.show_preview())
        self.confirm_button.on_click(lambda _: self.confirm())

    # -- public API ----------------------------------------------------------------------
    @property
    def last_error(self) -> Exception | None:
        """The last error the panel showed, if any."""
        return self.status.last_error

    def on_submit(self, callback: Callable[[pd.DataFrame], Any], remove: bool = False) -> None:
        """Call ``callback(report)`` after Confirm has sent the values."""
        self._submitted.register(callback, remove)

    def show_preview(self) -> pd.DataFrame:
        """Work out exactly what Confirm will send, show it, and arm Confirm."""
        with self.status.guard("Preparing preview"):
            self.plan, self._pending = self._plan()
            self.preview.value = "<b>Will send:</b>" + frame_html(self.plan)
            sends = sum(len(values) for values in self._pending.values())
            self.status.say(f"{sends} values to {len(self._pending)} devices: confirm to send")
        self.confirm_button.disabled = not self._pending
        return self.plan

    def confirm(self) -> pd.DataFrame:
        """Send the previewed values (only those), show and return the report."""
        pending, self._pending = self._pending, None
        self.confirm_button.disabled = True
        if not pending:
            self.status.say("nothing to send: preview first", "error")
            return self.report
        with self.status.guard("Sending", self.preview_button):
            reports = [self._send(device_id, values) for device_id, values in pending.items()]
            report = pd.concat([*reports, self._local_skips()], ignore_index=True)
            self.report = self._with_labels(report)
            self.report_table.value = "<b>Report:</b>" + frame_html(self.report, REPORT_COLUMNS)
            self.preview.value = ""
            self._rebuild_form(self.picker.selected)  # "now:" shows what was just written
            self._summarise()
        return self.report

    # -- internals -----------------------------------------------------------------------
    def _plan(self) -> tuple[pd.DataFrame, dict[Hashable, dict[str, Any]]]:
        chosen = {f.label: f.value() for f in self.fields.values() if f.include.value}
        if not chosen:
            raise ValueError("tick at least one datastream to write")
        names = name_lookup(self.picker.fleet)
        rows: list[tuple[Any, ...]] = []
        pending: dict[Hashable, dict[str, Any]] = {}
        for device_id in self.picker.selected:
            writable = set(self._schemas.labels(device_id, "writable"))
            label = device_label(names.get(device_id, device_id), device_id)
            for datastream, value in chosen.items():
                ok = datastream in writable
                action = "send" if ok else f"skip: no writable {datastream!r}"
                rows.append((device_id, label, datastream, value, action))
                if ok:
                    pending.setdefault(device_id, {})[datastream] = value
        return pd.DataFrame(rows, columns=PLAN_COLUMNS), pending

    def _send(self, device_id: Hashable, values: dict[str, Any]) -> pd.DataFrame:
        """One ``client.write`` call; a refusal becomes skipped rows with the reason."""
        try:
            return self.client.write(device_id, values)
        except Exception as exc:  # the report carries the reason, the panel goes on
            reason = f"{type(exc).__name__}: {exc}"
            rows = [(device_id, k, v, "skipped", reason) for k, v in values.items()]
            return pd.DataFrame(rows, columns=REPORT_COLUMNS)

    def _with_labels(self, report: pd.DataFrame) -> pd.DataFrame:
        """The report with enum keys shown as their labels ("eco", not 0)."""
        if report.empty:
            return report
        values = [
            shown_value(self._schemas.row(device_id, str(datastream)), value)
            for device_id, datastream, value in zip(
                report["device_id"], report["datastream"], report["value"], strict=True
            )
        ]
        return report.assign(value=pd.Series(values, index=report.index, dtype=object))

    def _local_skips(self) -> pd.DataFrame:
        skipped = self.plan[self.plan["action"] != "send"]
        return pd.DataFrame(
            {
                "device_id": skipped["device_id"],
                "datastream": skipped["datastream"],
                "value": skipped["value"],
                "status": "skipped",
                "reason": skipped["action"].str.removeprefix("skip: "),
            },
            columns=REPORT_COLUMNS,
        )

    def _summarise(self) -> None:
        written = int((self.report["status"] == "written").sum())
        skipped = len(self.report) - written
        kind = "ok" if skipped == 0 else "error"
        self.status.say(f"{written} written, {skipped} skipped", kind)
        errors = self._submitted.fire(self.report)
        if errors:
            self.status.fail(errors[0], "A submit callback")

    def _withdraw_preview(self, *_: Any) -> None:
        """A value changed after Preview: that preview no longer says what would be sent
        (and an error about the old values no longer applies)."""
        self.status.clear_error()
        if self._pending is not None:
            self._pending = None
            self.confirm_button.disabled = True
            self.preview.value = "<i>values changed: preview again before sending</i>"

    def _on_selection(self, selected: Sequence[Hashable]) -> None:
        self._withdraw_preview()
        with self.status.guard("Reading schemas"):
            self._rebuild_form(selected)
            self.status.say(self._form_summary(selected), "info")

    def _rebuild_form(self, selected: Sequence[Hashable]) -> None:
        self.fields = self._build_fields(selected)
        for field in self.fields.values():
            for widget in (field.include, *field.editors):
                widget.observe(self._withdraw_preview, names="value")
        self.form.children = tuple(field.row for field in self.fields.values())

    def _form_summary(self, selected: Sequence[Hashable]) -> str:
        """How many writable datastreams, and why there are none when there are none."""
        if not selected:
            return "0 writable datastreams: select a device above to see what it takes"
        if self.fields:
            return f"{len(self.fields)} writable datastreams"
        fleet = self.picker.fleet
        templates: list[str] = []
        if not fleet.empty and "template" in fleet.columns:
            chosen = fleet[fleet["device_id"].isin(list(selected))]
            templates = sorted(chosen["template"].dropna().astype(str).unique())
        kinds = f" ({', '.join(templates)})" if templates else ""
        if len(selected) > 1:
            return f"0 writable datastreams: none of the selected devices takes writes{kinds}"
        return f"0 writable datastreams: it takes no writes{kinds}, it only reports"

    def _current_values(self, device_id: Hashable) -> dict[str, Any]:
        """The device's values now, by label (the form works without them)."""
        try:
            frame = self.client.datastreams(device_id)
        except Exception:  # a form without starting values is still a form
            return {}
        return {
            str(label): value
            for label, value in zip(frame["label"], frame["value"], strict=True)
            if value is not None and not (isinstance(value, float) and math.isnan(value))
        }

    def _build_fields(self, selected: Sequence[Hashable]) -> dict[str, Field]:
        # one device: its inputs start at its values now; several: at neutral defaults
        current = self._current_values(selected[0]) if len(selected) == 1 else {}
        rows: dict[str, pd.Series] = {}
        counts: dict[str, int] = {}
        for device_id in selected:
            schema = self._schemas.schema(device_id)
            writable = set(self._schemas.labels(device_id, "writable"))
            for _, row in schema[schema["label"].astype(str).isin(writable)].iterrows():
                rows.setdefault(str(row["label"]), row)
                counts[str(row["label"])] = counts.get(str(row["label"]), 0) + 1
        total = len(selected)
        return {
            label: make_field(
                row,
                "" if counts[label] == total else f"({counts[label]}/{total})",
                current.get(label),
            )
            for label, row in rows.items()
        }
