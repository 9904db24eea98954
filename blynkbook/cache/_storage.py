"""How responses are written to disk: a compact JSON serializer and a secret scrubber.

* :data:`JSON_SERIALIZER` is requests-cache's cattrs pipeline with one change: a row is the
  response's metadata as one line of compact JSON, a newline, then the body's bytes as
  they came (not base64, not JSON-escaped inside the metadata, which would cost a JSON
  decode of the whole body on every hit), so the file stays readable, greppable for
  leaks, and fast to read. Text rows written by earlier versions stay readable.
* :func:`read_row` reads what a hit needs (body, expiry, ``Vary``) straight from a stored
  row, without building requests-cache's ``CachedResponse`` (the warm-read fast path).
* :func:`strip_secret_fields` removes credential fields (a device's ``token`` …) from JSON
  bodies before they are stored; :func:`holds_secret_fields` is the last check before a
  write (requests-cache's ``filter_fn``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import requests
from cattrs.preconf.json import make_converter
from requests_cache.serializers import CattrStage, SerializerPipeline, Stage

__all__ = [
    "JSON_SERIALIZER",
    "SECRET_FIELDS",
    "StoredAnswer",
    "holds_secret_fields",
    "read_row",
    "strip_secret_fields",
]

#: JSON object keys whose values are credentials; never written to disk.
SECRET_FIELDS: Final = frozenset(
    {
        "token",
        "deviceToken",
        "authToken",
        "access_token",
        "accessToken",
        "refresh_token",
        "refreshToken",
        "secret",
        "clientSecret",
        "client_secret",
        "password",
        "passwordHash",
    }
)
_SECRET_KEY = re.compile(
    rb'"(?:' + b"|".join(re.escape(f.encode()) for f in sorted(SECRET_FIELDS)) + rb')"\s*:'
)


def _bytes_to_text(value: bytes | None) -> str | None:
    return value.decode("utf-8", "surrogateescape") if value else None


def _text_to_bytes(value: str | None, _type: object) -> bytes:
    return value.encode("utf-8", "surrogateescape") if value else b""


def _make_stage() -> CattrStage:
    stage = CattrStage(make_converter)
    stage.converter.register_unstructure_hook(bytes, _bytes_to_text)
    stage.converter.register_structure_hook(bytes, _text_to_bytes)
    return stage


def _compact_json(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"))


def _dump_row(fields: dict[str, Any]) -> bytes:
    """cattrs dict → ``<metadata JSON line>\n<body bytes>`` (compact JSON has no raw newline)."""
    meta = {k: v for k, v in fields.items() if k != "_content"}
    return _compact_json(meta).encode() + b"\n" + _text_to_bytes(fields.get("_content"), bytes)


def _split_row(row: str | bytes) -> tuple[dict[str, Any], bytes]:
    """A stored row → (metadata fields, body), for every layout written so far: bytes rows,
    and the text rows of earlier versions (metadata line + body text, or one JSON line)."""
    if isinstance(row, bytes):
        meta, _, body = row.partition(b"\n")
        fields: dict[str, Any] = json.loads(meta)
        return fields, body
    meta_text, newline, text = row.partition("\n")
    fields = json.loads(meta_text)
    if not newline:
        text = fields.pop("_content", None) or ""
    return fields, _text_to_bytes(text, bytes)


def _load_row(row: str | bytes) -> dict[str, Any]:
    fields, body = _split_row(row)
    fields["_content"] = _bytes_to_text(body)
    return fields


@dataclass(frozen=True)
class StoredAnswer:
    """What serving a hit needs of a stored response."""

    body: bytes
    expires: datetime | None  # None: never
    varies: bool  # the response has a ``Vary`` header

    def expired(self, now: datetime) -> bool:
        """As requests-cache judges it: expired once ``now`` reaches ``expires``."""
        return self.expires is not None and now >= self.expires


def read_row(row: str | bytes) -> StoredAnswer:
    """A stored row (any layout) → :class:`StoredAnswer`; only the metadata line is
    JSON-decoded, and the body is not copied more than once.

    >>> answer = read_row(b'{"expires":"2026-01-01T00:00:00+00:00","headers":{}}\\n{"a":1}')
    >>> answer.body, answer.expires.year, answer.varies
    (b'{"a":1}', 2026, False)
    """
    fields, body = _split_row(row)
    expires = fields.get("expires")
    headers = fields.get("headers") or {}
    return StoredAnswer(
        body=body,
        expires=_aware(datetime.fromisoformat(expires)) if expires else None,
        varies=any(name.lower() == "vary" for name in headers),
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # requests-cache: UTC


#: requests-cache serializer: CachedResponse ⇄ cattrs dict ⇄ JSON line + body (never pickle).
JSON_SERIALIZER: Final = SerializerPipeline(
    [_make_stage(), Stage(dumps=_dump_row, loads=_load_row)],
    name="blynkbook-json",
    is_binary=True,
)


def holds_secret_fields(body: bytes) -> bool:
    """True when a body has a JSON key named like a credential.

    >>> holds_secret_fields(b'{"id": 1, "token": "abc"}'), holds_secret_fields(b'{"id": 1}')
    (True, False)
    """
    return _SECRET_KEY.search(body) is not None


def _without_secrets(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _without_secrets(v) for k, v in data.items() if k not in SECRET_FIELDS}
    if isinstance(data, list):
        return [_without_secrets(v) for v in data]
    return data


def strip_secret_fields(body: bytes) -> bytes:
    """The JSON body without credential fields, at any depth; other bodies unchanged.

    >>> strip_secret_fields(b'{"content": [{"id": 1, "token": "abc"}]}')
    b'{"content":[{"id":1}]}'
    """
    if not holds_secret_fields(body):
        return body
    try:
        data = json.loads(body)
    except ValueError:
        return body
    return _compact_json(_without_secrets(data)).encode()


def response_is_storable(response: requests.Response) -> bool:
    """requests-cache ``filter_fn``: refuse any body that still holds a credential field."""
    return not holds_secret_fields(response.content or b"")
