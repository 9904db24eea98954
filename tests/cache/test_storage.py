"""Storage: credential fields never stored; rows are JSON metadata + the body as readable
text (not pickle)."""

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


def test_serializer__json_metadata_then_the_body_as_readable_text() -> None:
    body = b'{"content":[{"value":21.5,"createdAt":1}],\n"note":"caf\xc3\xa9"}'
    cached = CachedResponse(status_code=200, url="https://x/a")
    cached._content = body
    stored = JSON_SERIALIZER.dumps(cached)
    assert isinstance(stored, str)  # text, not pickle (pickle would be bytes)
    meta, newline, text = stored.partition("\n")
    assert newline and json.loads(meta)["status_code"] == 200  # metadata: one JSON line
    assert "_content" not in json.loads(meta)
    assert text.encode() == body  # the body as it is, not escaped
    assert JSON_SERIALIZER.loads(stored).content == body


def test_serializer__round_trips_bytes_that_are_not_utf8() -> None:
    cached = CachedResponse(status_code=200, url="https://x/a")
    cached._content = b"\x00\xff\xfe binary \xc3\xa9"
    stored = JSON_SERIALIZER.dumps(cached)
    assert isinstance(stored, str)
    stored.encode("utf-8")  # SQLite can store it
    assert "_content" in json.loads(stored)  # such a body stays inside the JSON line
    assert JSON_SERIALIZER.loads(stored).content == cached._content


def test_serializer__reads_rows_with_the_body_inside_the_json() -> None:
    cached = CachedResponse(status_code=200, url="https://x/a")
    cached._content = b'{"id":1}'
    stored = JSON_SERIALIZER.dumps(cached)
    meta, _, text = stored.partition("\n")
    one_line = json.dumps({**json.loads(meta), "_content": text}, separators=(",", ":"))
    assert JSON_SERIALIZER.loads(one_line).content == b'{"id":1}'


def test_serializer__empty_body() -> None:
    cached = CachedResponse(status_code=200, url="https://x/a")
    cached._content = b""
    assert not JSON_SERIALIZER.loads(JSON_SERIALIZER.dumps(cached)).content


def _stored(body: bytes, *, expires: datetime | None, headers: dict[str, str]) -> str:
    cached = CachedResponse(status_code=200, url="https://x/a", expires=expires)
    cached._content = body
    cached.headers.update(headers)
    row: str = JSON_SERIALIZER.dumps(cached)
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


def test_read_row__older_one_line_rows_and_bytes() -> None:
    row = _stored(b'{"id":1}', expires=None, headers={})
    meta, _, text = row.partition("\n")
    one_line = json.dumps({**json.loads(meta), "_content": text}, separators=(",", ":"))
    assert read_row(one_line).body == b'{"id":1}'
    assert read_row(row.encode()).body == b'{"id":1}'
    assert not read_row(row).expired(datetime(2999, 1, 1, tzinfo=UTC))  # never expires
