"""decode_history_page (msgspec into typed points) agrees with json.loads + parse_history_page."""

from __future__ import annotations

import json
import random
from typing import Any

import msgspec
import numpy as np
import pytest

from blynkbook.blynk import history
from blynkbook.blynk.history import decode_history_page, parse_history_page


def _reference(body: bytes) -> tuple[Any, Any, int]:
    return parse_history_page(json.loads(body))


def _fast(body: bytes) -> bool:
    """Whether the typed msgspec decoder takes the body (else the json.loads path does)."""
    try:
        history._PAGE_DECODER.decode(body)
    except msgspec.DecodeError:
        return False
    return True


def _assert_same(body: bytes) -> None:
    times, values, total = decode_history_page(body)
    want_t, want_v, want_total = _reference(body)
    assert total == want_total
    assert times.dtype == np.int64 and values.dtype == np.float64
    np.testing.assert_array_equal(times, want_t)
    np.testing.assert_array_equal(values, want_v)  # NaN == NaN here


def _value(rng: random.Random) -> Any:
    kind = rng.randrange(6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.randint(-1000, 1000)
    if kind == 2:
        return round(rng.uniform(-100, 100), rng.randint(0, 4))
    if kind == 3:
        return rng.uniform(-1e-9, 1e-9)  # repr uses exponent notation: 1.5e-10
    if kind == 4:
        return rng.choice([0, -0.0, 1e300, -2.5e-300, 123456789012345, 0.1])
    return rng.uniform(-1e6, 1e6)


def _page(rng: random.Random, n: int, *, value_first: bool = True) -> bytes:
    start = rng.randint(0, 2**41)
    points = []
    for i in range(n):
        value, ts = _value(rng), start + i * rng.randint(1, 600_000)
        points.append({"value": value, "createdAt": ts})
        if not value_first:
            points[-1] = {"createdAt": ts, "value": value}
    total = n + rng.randint(0, 5000)
    return json.dumps({"content": points, "totalElements": total}, separators=(",", ":")).encode()


@pytest.mark.parametrize("seed", range(40))
def test_random_compact_pages__fast_path_matches_json(seed: int) -> None:
    rng = random.Random(seed)
    body = _page(rng, rng.choice([0, 1, 2, 7, 1000]), value_first=seed % 2 == 0)
    assert _fast(body)
    _assert_same(body)


_TYPED = [
    b'{"content":[],"totalElements":0}',
    b'{"content":[{"value":null,"createdAt":5}],"totalElements":1}',
    b'{"content":[{"value":1E+3,"createdAt":5},{"value":-2.5e-3,"createdAt":6}],"totalElements":2}',
    b'{"content":[{"createdAt":5,"value":null},{"createdAt":6,"value":7}],"totalElements":9}',
    b'{"content":[{"value":1,"createdAt":5}],"totalElements":1}\n',
    # whitespace, other key orders, extra and repeated keys (the last one wins)
    b'{"content": [{"value": 1, "createdAt": 5}], "totalElements": 1}',
    b'{"totalElements":1,"content":[{"value":1,"createdAt":5}]}',
    b'{"content":[{"value":1,"createdAt":5}],"totalElements":1,"page":0}',
    b'{"content":[{"value":1,"createdAt":5,"pin":"v1"}],"totalElements":1}',
    b'{"content":[{"value":1,"createdAt":5},{"createdAt":6,"value":2}],"totalElements":2}',
    b'{"content":[{"value":1,"createdAt":5,"createdAt":6},{"value":2,"createdAt":7,"value":3}],'
    b'"totalElements":2}',
    # a missing value, a timestamp above 2**53, a huge integer value, no content
    b'{"content":[{"value":1,"createdAt":5},{"createdAt":6}],"totalElements":2}',
    b'{"content":[{"value":1,"createdAt":9007199254740993}],"totalElements":1}',
    b'{"content":[{"value":100000000000000000000000000000,"createdAt":5}],"totalElements":1}',
    b'{"totalElements":0}',
]


@pytest.mark.parametrize("body", _TYPED)
def test_edge_cases_and_other_valid_shapes__typed_path_matches_json(body: bytes) -> None:
    assert _fast(body)
    _assert_same(body)


@pytest.mark.parametrize(
    "body",
    [
        # NaN, a string, a bool, an overflowing number
        b'{"content":[{"value":NaN,"createdAt":5}],"totalElements":1}',
        b'{"content":[{"value":"1.5","createdAt":5}],"totalElements":1}',
        b'{"content":[{"value":true,"createdAt":5}],"totalElements":1}',
        b'{"content":[{"value":1e400,"createdAt":5}],"totalElements":1}',
        # a fractional timestamp, null content and total
        b'{"content":[{"value":1,"createdAt":5.5}],"totalElements":1}',
        b'{"content":null,"totalElements":null}',
        # an empty body
        b"",
    ],
)
def test_anything_else__falls_back_to_json(body: bytes) -> None:
    assert not _fast(body)
    if body.strip():
        _assert_same(body)
    else:
        assert decode_history_page(body)[2] == 0


@pytest.mark.parametrize(
    "body",
    [
        b'{"content":[{"value":nul,"createdAt":5}],"totalElements":1}',
        b'{"content":[{"value":1-2,"createdAt":5}],"totalElements":1}',
        b'{"content":[{"value":1,2,"createdAt":5}],"totalElements":1}',
        b'{"content":[{"value":,"createdAt":5}],"totalElements":1}',
        b'{"content":[{"value":1,"createdAt":5}],"totalElements":1',
    ],
)
def test_broken_json__raises_like_json(body: bytes) -> None:
    assert not _fast(body)
    with pytest.raises(ValueError):
        decode_history_page(body)


def test_point_without_time__raises_like_the_json_path() -> None:
    # a repeated key in one point, none in the next: the counts add up, the layout does not
    body = b'{"content":[{"value":1,"createdAt":5,"createdAt":6},{"value":2}],"totalElements":2}'
    assert not _fast(body)
    with pytest.raises(KeyError):
        decode_history_page(body)
