"""The dtype coercion both facades share (blynkbook._frames)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from blynkbook._frames import TIME_DTYPE, coerce, empty_frame, frame_from_records, to_time

SPEC = {"id": "int64", "name": "str", "seen": "time", "ok": "bool", "level": "float64"}


def test_coerce__exact_columns_dtypes_and_a_fresh_index() -> None:
    raw = pd.DataFrame(
        {"extra": [1, 2], "id": [2, 1], "seen": [0, 1_700_000_000_000], "ok": [None, True]},
        index=[7, 3],
    )
    frame = coerce(raw, SPEC)
    assert list(frame.columns) == list(SPEC)
    assert frame.dtypes.astype(str).tolist() == [
        "int64", "str", "datetime64[ms, UTC]", "bool", "float64",
    ]  # fmt: skip
    assert frame.index.equals(pd.RangeIndex(2))
    assert pd.isna(frame["seen"][0])  # epoch 0: never
    assert frame["ok"].tolist() == [False, True]  # missing is False
    assert frame["name"].isna().all() and frame["level"].isna().all()


def test_coerce__epoch_seconds_and_datetimes() -> None:
    seconds = coerce(pd.DataFrame({"seen": [1_700_000_000, None]}), {"seen": "time"}, epoch="s")
    assert str(seconds["seen"][0]) == "2023-11-14 22:13:20+00:00" and pd.isna(seconds["seen"][1])
    stamps = pd.Series(pd.to_datetime(["2026-11-20T12:00:00Z"]))
    assert to_time(stamps, "s").dtype == TIME_DTYPE
    assert to_time(stamps, "s")[0] == pd.Timestamp("2026-11-20T12:00:00Z")


def test_coerce__lenient_numbers_and_empty_frames() -> None:
    frame = coerce(pd.DataFrame({"level": ["1.5", "n/a", np.nan]}), {"level": "float64"})
    assert frame["level"].tolist()[0] == 1.5 and frame["level"].isna().tolist()[1:] == [True, True]
    empty = empty_frame(SPEC)
    assert len(empty) == 0 and empty.dtypes.astype(str).tolist()[2] == "datetime64[ms, UTC]"


def test_frame_from_records__renames_types_and_never_keeps_a_secret() -> None:
    records = [{"id": 3, "seen": 1_700_000_000, "token": "SECRET", "extra": 1}]
    names = {"id": "device_id", "seen": "seen", "token": "token"}
    spec = {"device_id": "int64", "seen": "time", "token": "str"}
    frame = frame_from_records(records, spec, names, epoch="s")
    assert frame["device_id"].tolist() == [3] and "SECRET" not in frame.to_string()
    assert str(frame["seen"][0]) == "2023-11-14 22:13:20+00:00"
    same_names = frame_from_records([{"device_id": 4, "other": 0}], {"device_id": "int64"})
    assert same_names.columns.tolist() == ["device_id"] and same_names["device_id"][0] == 4
    assert frame_from_records([], spec).dtypes.astype(str).tolist() == [
        "int64", "datetime64[ms, UTC]", "str"]  # fmt: skip
