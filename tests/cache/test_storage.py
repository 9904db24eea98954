"""Storage: credential fields never stored; rows are a JSON metadata line + the body's bytes
as they came (not pickle, not base64)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import requests
from requests_cache import CachedResponse

from blynkbook.cache._storage import (
    JSON_SERIALIZER,
    holds_secret_fields,
    read_row,
    response_is_storable,
    strip_secret_fields,
)


def test_strip_secret_fields__at_any_depth() -> None:
    raw = {"content": [{"id": 1, "token": "T1", "hw": {"deviceToken": "T2"}}], "total": 1}
    stripped = json.loads(strip_secret_fields(json.dumps(raw).encode()))
    assert stripped == {"content": [{"id": 1, "hw": {}}], "total": 1}


def test_strip_secret_fields__leaves_other_bodies_alone() -> None:
    assert strip_secret_fields(b'{"tokenCount": 1}') == b'{"tokenCount": 1}'
    assert strip_secret_fields(b'"token": not json') == b'"token": not json'


def test_holds_secret_fields__tolerates_whitespace() -> None:
    assert holds_secret_fields(b'{"access_token" : "x"}')
    assert not holds_secret_fields(b'{"value": "token"}')


def test_response_is_storable__refuses_secret_bodies() -> None:
    response = requests.Response()
    response._content = b'{"refresh_token": "R"}'
    assert not response_is_storable(response)
    response._content = b'{"id": 1}'
    assert response_is_storable(response)


def test_serializer__json_metadata_then_the_body_as_it_came() -> None:
    body = b'{"content":[{"value":21.5,"createdAt":1}],\n"note":"caf\xc3\xa9"}'
    cached = CachedResponse(status_code=200, url="https://x/a")
    cached._content = body
    stored = JSON_SERIALIZER.dumps(cached)
    assert isinstance(stored, bytes) and stored.startswith(b"{")  # pickle starts with 0x80
    meta, newline, rest = stored.partition(b"\n")
    assert newline and json.loads(meta)["status_code"] == 200  # metadata: one JSON line
    assert "_content" not in json.loads(meta)
    assert rest == body  # the body as it is, not escaped, not base64
    assert JSON_SERIALIZER.loads(stored).content == body


def test_serializer__round_trips_bytes_that_are_not_utf8() -> None:
    cached = CachedResponse(status_code=200, url="https://x/a")
    cached._content = b"\x00\xff\xfe binary \n\xc3\xa9"
    stored = JSON_SERIALIZER.dumps(cached)
    assert stored.endswith(cached._content)
    assert JSON_SERIALIZER.loads(stored).content == cached._content
    assert read_row(stored).body == cached._content


def _text_rows(body: bytes) -> list[str]:
    """The two text layouts earlier versions wrote: metadata line + body text, one JSON line."""
    cached = CachedResponse(status_code=200, url="https://x/a")
    cached._content = body
    meta, _, _ = JSON_SERIALIZER.dumps(cached).partition(b"\n")
    text = body.decode("utf-8", "surrogateescape")
    one_line = json.dumps({**json.loads(meta), "_content": text}, separators=(",", ":"))
    return [meta.decode() + "\n" + text, one_line]


@pytest.mark.parametrize("body", [b'{"id":1}', b"\xff not utf-8"])
def test_serializer__reads_the_text_rows_of_earlier_versions(body: bytes) -> None:
    for row in _text_rows(body):
        assert JSON_SERIALIZER.loads(row).content == body
        assert read_row(row).body == body


def test_serializer__empty_body() -> None:
    cached = CachedResponse(status_code=200, url="https://x/a")
    cached._content = b""
    assert not JSON_SERIALIZER.loads(JSON_SERIALIZER.dumps(cached)).content


def _stored(body: bytes, *, expires: datetime | None, headers: dict[str, str]) -> bytes:
    cached = CachedResponse(status_code=200, url="https://x/a", expires=expires)
    cached._content = body
    cached.headers.update(headers)
    row: bytes = JSON_SERIALIZER.dumps(cached)
    return row


@pytest.mark.parametrize("body", [b'{"content":[],"totalElements":0}', b"\x00\xff not utf-8", b""])
@pytest.mark.parametrize("headers", [{}, {"Vary": "Accept"}, {"vary": "accept"}])
@pytest.mark.parametrize("expires", [None, datetime(2026, 11, 20, 12, 0, 0, 123456, tzinfo=UTC)])
def test_read_row__agrees_with_the_full_deserializer(
    body: bytes, headers: dict[str, str], expires: datetime | None
) -> None:
    row = _stored(body, expires=expires, headers=headers)
    full = JSON_SERIALIZER.loads(row)
    answer = read_row(row)
    assert answer.body == full.content
    assert answer.expires == full.expires
    assert answer.varies == ("Vary" in full.headers)
    for now in (expires or datetime.now(UTC)) + timedelta(microseconds=-1), expires:
        if now is not None:
            assert answer.expired(now) == (full.expires is not None and now >= full.expires)


def test_read_row__a_row_that_never_expires() -> None:
    row = _stored(b'{"id":1}', expires=None, headers={})
    assert not read_row(row).expired(datetime(2999, 1, 1, tzinfo=UTC))
