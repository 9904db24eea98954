"""The pure range arithmetic under the catalog."""

from __future__ import annotations

from blynkbook.store._ranges import clip, merge, month_start, split_at, split_months, subtract


def test_merge__joins_overlapping_and_touching_ranges_and_drops_empty_ones() -> None:
    assert merge([(5, 9), (0, 4), (20, 30), (25, 26), (40, 39)]) == [(0, 9), (20, 30)]


def test_subtract__leaves_the_gaps_at_both_ends_and_between() -> None:
    assert subtract((0, 100), [(10, 19), (30, 39)]) == [(0, 9), (20, 29), (40, 100)]
    assert subtract((0, 100), [(-5, 200)]) == []
    assert subtract((0, 100), []) == [(0, 100)]
    assert subtract((50, 60), [(0, 10), (90, 99)]) == [(50, 60)]


def test_clip_and_split_at__keep_inclusive_ends() -> None:
    assert clip([(0, 10), (20, 30)], (5, 25)) == [(5, 10), (20, 25)]
    assert split_at((0, 9), [5, 0, 20]) == [(0, 4), (5, 9)]


def test_split_months__cuts_at_utc_month_starts() -> None:
    nov = month_start(1_795_176_000_000)
    dec = 1_796_083_200_000  # 2026-12-01T00:00Z
    jan = 1_798_761_600_000  # 2027-01-01T00:00Z
    assert split_months((nov + 5, jan + 5)) == [(nov + 5, dec - 1), (dec, jan - 1), (jan, jan + 5)]
    assert split_months((nov, nov)) == [(nov, nov)]
