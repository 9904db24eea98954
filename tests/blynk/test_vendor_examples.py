"""Tolerant parsing, proven on the vendor's own examples.

``tests/data/blynk/*.json`` each hold one response example printed in the seed documents
or the reference (``source`` says where), the facade function that parses it
(``parser``) and the frame it must give (``expected``: rows, times as ISO strings, NA as
null). Unknown fields are ignored, missing optional ones become NA; error bodies that are
empty, an HTML page or in the OAuth shape still give the right exception and status.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest

from blynkbook import errors
from blynkbook.blynk import datastreams, devices, history, writes
from blynkbook.transport import Credentials, OAuth2ClientCredentials, Session
from blynkbook.transport._errors import error_from_response

DATA = Path(__file__).parents[1] / "data" / "blynk"
EXAMPLES = sorted(DATA.glob("*.json"))
SECRET_EXAMPLES = ("ZJW2kImth5rGzPUBVcSPkqS_YsoFEFJm",)  # the device token in seeds/001


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def plain(value: Any) -> Any:
    """A frame cell as JSON would write it: NA → None, times → ISO, numpy → Python."""
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, list | tuple | np.ndarray):
        return [plain(v) for v in value]
    if value is None or value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def parse(example: dict[str, Any]) -> Any:
    """Run the example's response through the facade function it names."""
    parser, body = example["parser"], example["response"]
    if parser == "devices.parse_devices":
        items = body["content"] if example.get("content") else [body]
        return devices.parse_devices(items)
    if parser == "devices.parse_device_details":
        return devices.parse_device_details(body)
    if parser == "datastreams.parse_values":
        return datastreams.parse_values(example["device_id"], body)
    if parser == "datastreams.parse_batch_values":
        return datastreams.parse_batch_values(body)
    if parser == "history.decode_history_page":
        times, values, total = history.decode_history_page(json.dumps(body).encode())
        slow = history.parse_history_page(body)
        assert slow[0].tolist() == times.tolist() and slow[2] == total
        return {"times": times.tolist(), "values": values.tolist(), "total": total}
    if parser == "writes.batch_update_row":
        return writes.batch_update_report([writes.batch_update_row(0, example["rows"], body)])
    if parser == "devices.parse_tags":
        return devices.parse_tags(example["device_id"], body)
    if parser == "devices.parse_activated":
        return devices.parse_activated(body)
    if parser == "devices.parse_metadata":
        return devices.parse_metadata(example["device_id"], body)
    if parser == "oauth.token":
        auth = OAuth2ClientCredentials(Credentials("https://fra1.blynk.cloud", "id", "secret"))
        token = auth._parse_token(body)
        assert token is not None and token.access == body["access_token"]
        return {"lifetime": token.lifetime, "has_refresh": token.refresh is not None}
    if parser == "errors.error_from_response":
        request = httpx.Request("GET", "https://fra1.blynk.cloud/api/v1/organization/device")
        response = httpx.Response(example["status"], json=body, request=request)
        exc = error_from_response(response)
        assert exc.status == example["status"] and exc.body == body
        return {"class": type(exc).__name__, "message": exc.message}
    raise AssertionError(f"{example['parser']} is not a parser this test knows")


def test_every_vendor_example_has_a_source_and_a_parser() -> None:
    assert len(EXAMPLES) >= 15
    for path in EXAMPLES:
        example = load(path)
        assert {"source", "parser", "response", "expected"} <= set(example), path.name


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_vendor_example_parses_to_its_expected_frame(path: Path) -> None:
    example = load(path)
    got = parse(example)
    if isinstance(got, pd.DataFrame):
        assert records(got) == example["expected"]
        assert not any(s in got.to_string() for s in SECRET_EXAMPLES)
    else:
        assert got == example["expected"]


@pytest.mark.parametrize(
    ("parser", "spec"),
    [
        (
            lambda: devices.parse_devices(
                load(DATA / "device-list-tolerant.json")["response"]["content"]
            ),
            devices.DEVICE_SPEC,
        ),
        (
            lambda: datastreams.parse_values(7, {"dataStreams": [{"dataStreamId": 1}]}),
            datastreams.VALUE_SPEC,
        ),
        (lambda: devices.parse_device_details({"id": 3}), devices.DETAILS_SPEC),
    ],
)
def test_unknown_fields_dropped_missing_ones_typed_na(parser: Any, spec: dict[str, str]) -> None:
    frame = parser()
    assert list(frame.columns) == list(spec)  # nothing unknown slipped in
    assert frame["activated_at" if "activated_at" in spec else "updated_at"].isna().iloc[-1]


# error bodies in other shapes ---------------------------------------------------------------
HTML_PAGE = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


@pytest.mark.parametrize(
    ("status", "content", "content_type", "cls", "message"),
    [
        (404, b"", None, errors.NotFoundError, "Not Found"),
        (403, b"", None, errors.ForbiddenError, "Forbidden"),
        (400, b"{not json", "application/json", errors.BadRequestError, "Bad Request"),
        (502, HTML_PAGE, "text/html", errors.ServerError, "Bad Gateway"),
        (503, b"   ", "text/plain", errors.ServerError, "Service Unavailable"),
        (
            401,
            json.dumps(load(DATA / "error-oauth.json")["response"]).encode(),
            "application/json",
            errors.AuthError,
            "Client ID is not found or password is wrong.",
        ),
        (
            400,
            b'{"error":"invalid_grant"}',
            "application/json",
            errors.BadRequestError,
            "invalid_grant",
        ),
        (429, b"", None, errors.RateLimitError, "Too Many Requests"),
        (418, b"[1, 2]", "application/json", errors.APIError, "I'm a Teapot"),
    ],
)
def test_error_bodies_of_any_shape_map_to_their_exception(
    status: int, content: bytes, content_type: str | None, cls: type[errors.APIError], message: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=content, headers=headers)

    session = Session(
        "https://fra1.blynk.cloud",
        auth=None,
        transport=httpx.MockTransport(answer),
        retries=0,
        sleep=lambda _s: None,
    )
    with pytest.raises(cls) as caught:
        session.get("/api/v1/organization/device", {"deviceId": 1})
    session.close()
    assert type(caught.value) is cls
    assert caught.value.status == status and caught.value.message == message
    assert "deviceId=1" in caught.value.url


def test_history_values_that_are_not_numbers_become_nan_not_errors() -> None:
    body = {
        "content": [{"createdAt": 1, "value": None}, {"createdAt": 2, "value": 1.5}],
        "totalElements": 2,
    }
    times, values, total = history.decode_history_page(json.dumps(body).encode())
    assert times.tolist() == [1, 2] and math.isnan(values[0]) and values[1] == 1.5 and total == 2
