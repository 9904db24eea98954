"""Pure pieces of the Thingsee facade: message decoding, window splitting, command checks."""

from __future__ import annotations

from typing import Any

import pytest

from blynkbook.errors import InputError
from blynkbook.thingsee import decode_message, family_of
from blynkbook.thingsee._commands import PARAMS, camel_case, check_command
from blynkbook.thingsee._windows import dedupe, pull_window, split_range


def decoded(message: dict[str, Any]) -> dict[str, tuple[float, str]]:
    return {d.field: (d.value, d.unit) for d in decode_message(message)}


def test_decode__known_fields_get_names_and_units() -> None:
    message = {"tsmId": 12100, "tsmEv": 10, "tsmTs": 1, "tsmTuid": "T", "temp": 21.5, "humd": 40}
    assert decoded(message) == {"temperature": (21.5, "°C"), "humidity": (40.0, "%")}


def test_decode__both_co2_spellings() -> None:
    assert decoded({"tsmId": 24100, "carbonDioxide": 612}) == {"co2": (612.0, "ppm")}
    assert decoded({"tsmId": 24100, "co2": 612}) == {"co2": (612.0, "ppm")}


def test_decode__pressure_in_pa_or_hpa_reads_hpa() -> None:
    value, unit = decoded({"tsmId": 12100, "airp": 102092.358})["pressure"]
    assert value == pytest.approx(1020.92358) and unit == "hPa"
    assert decoded({"tsmId": 12100, "airp": 1009.5})["pressure"] == (1009.5, "hPa")


def test_decode__unknown_numeric_fields_kept_in_snake_case() -> None:
    message = {"tsmId": 99999, "someValue": "7.5", "label": "text", "list": [1, 2]}
    assert decoded(message) == {"some_value": (7.5, "")}


def test_decode__same_raw_key_differs_by_message_id() -> None:
    assert decoded({"tsmId": 2100, "state": 1}) == {"occupied": (1.0, "")}
    assert decoded({"tsmId": 2101, "state": 0}) == {"jammed": (0.0, "")}


def test_family_from_tuid_prefix() -> None:
    assert family_of("TSPR04X8M50234045") == "presence"
    assert family_of("XXXX03X2Z74162459") == "environment"
    assert family_of("TSGW06X9B43352343") == "gateway"


def test_split_range__covers_every_second_once() -> None:
    windows = split_range(100, 1000, 250)
    seconds = [s for lo, hi in windows for s in range(lo, hi + 1)]
    assert seconds == list(range(100, 1001))


def test_pull_window__splits_full_windows_until_exact() -> None:
    truth = [{"tsmTuid": "T", "tsmId": 1, "tsmTs": t} for t in range(0, 5000, 3)]
    asked: list[tuple[int, int]] = []

    def fetch(lo: int, hi: int) -> list[dict[str, Any]]:
        asked.append((lo, hi))
        return [m for m in truth if lo <= m["tsmTs"] <= hi][::-1][:50]

    assert dedupe(pull_window(fetch, 0, 4999, limit=50)) == truth
    assert len(asked) > len(truth) // 50


def test_pull_window__one_full_second_is_kept_not_split_forever() -> None:
    crowd = [{"tsmTuid": "T", "tsmId": i, "tsmTs": 7} for i in range(5)]
    assert len(pull_window(lambda lo, hi: crowd[:5], 7, 7, limit=5)) == 5


def test_dedupe__by_tuid_id_and_second_oldest_first() -> None:
    a = {"tsmTuid": "T", "tsmId": 1, "tsmTs": 5, "v": 1}
    b = {"tsmTuid": "T", "tsmId": 2, "tsmTs": 5}
    c = {"tsmTuid": "T", "tsmId": 1, "tsmTs": 3}
    assert dedupe([a, b, dict(a), c]) == [c, a, b]


def test_commands__camel_case_and_checks() -> None:
    assert camel_case("passive_report_interval") == "passiveReportInterval"
    assert camel_case("transactionId") == "transactionId"
    check_command(13200, {"threshold": 60, "mode": 2})
    with pytest.raises(InputError, match="1100"):
        check_command(13200, {"threshold": 1101})
    with pytest.raises(InputError, match="field"):
        check_command(1500, {"bad key": 1})
    with pytest.raises(InputError, match="allowed"):
        check_command(True, {})  # type: ignore[arg-type]


def test_enum_params_take_labels_or_indexes() -> None:
    mode = next(p for p in PARAMS if p.label == "pir_mode")
    assert mode.encode("event") == 2 and mode.encode(1) == 1
    with pytest.raises(InputError, match="one of"):
        mode.encode("sleep")
