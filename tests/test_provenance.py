"""blynkbook._provenance: the ``reported`` decorator every facade read goes through."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
import pytest

from blynkbook._provenance import reported, with_meta
from blynkbook.errors import StaleDataWarning
from blynkbook.transport import Reply


class FakeSession:
    """Hands out the replies it is given and records them like ``Session.recording``."""

    def __init__(self) -> None:
        self.open: list[list[Reply]] = []

    @contextmanager
    def recording(self) -> Iterator[list[Reply]]:
        replies: list[Reply] = []
        self.open.append(replies)
        try:
            yield replies
        finally:
            self.open.remove(replies)

    def get(self, reply: Reply) -> Reply:
        for replies in self.open:
            replies.append(reply)
        return reply


FRESH = Reply(None, 200)
CACHED = Reply(None, 200, from_cache=True)
STALE = Reply(None, 200, from_cache=True, stale=True)


class Client:
    def __init__(self) -> None:
        self.session = FakeSession()

    def _source(self, what: str) -> str:
        return f"srv{what}"

    @reported("/leaf")
    def leaf(self, *replies: Reply) -> pd.DataFrame:
        for reply in replies:
            self.session.get(reply)
        return pd.DataFrame({"x": [1]})

    @reported
    def joined(self, *replies: Reply) -> pd.DataFrame:
        inner = self.leaf(*replies)
        return pd.DataFrame({"y": inner["x"]})

    @reported
    def stated(self) -> pd.DataFrame:
        self.session.get(FRESH)  # e.g. a schema look-up; the store answered the rest
        return with_meta(pd.DataFrame(), [CACHED], source="store")


def test_reported__attrs_from_the_replies_of_the_read() -> None:
    client = Client()
    assert client.leaf(CACHED, CACHED).attrs == {
        "source": "srv/leaf", "from_cache": True, "stale": False}  # fmt: skip
    assert client.leaf(CACHED, FRESH).attrs["from_cache"] is False
    assert client.leaf().attrs["from_cache"] is False  # no reply: nothing came from a cache


def test_reported__a_joining_read_counts_the_replies_of_its_inner_reads() -> None:
    frame = Client().joined(CACHED, CACHED)
    assert frame.attrs == {"source": "srvjoined", "from_cache": True, "stale": False}


def test_reported__stale_warns_once_at_the_outermost_read() -> None:
    client = Client()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = client.joined(STALE, FRESH)
    assert frame.attrs["stale"] is True
    assert [w.category for w in caught] == [StaleDataWarning]
    assert caught[0].filename == __file__  # points at the caller, not the decorator
    with pytest.warns(StaleDataWarning, match="srv/leaf"):
        client.leaf(STALE)


def test_reported__a_read_that_states_its_provenance_keeps_it() -> None:
    assert Client().stated().attrs == {"source": "store", "from_cache": True, "stale": False}


def test_with_meta__inside_a_read_only_records() -> None:
    class Inner(Client):
        @reported
        def inner(self) -> pd.DataFrame:
            return with_meta(pd.DataFrame(), [STALE], source="s")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Inner().inner()
    assert len(caught) == 1
