"""Closed integer ranges ``(lo, hi)`` of epoch milliseconds: the arithmetic of coverage.

Blynk history windows are inclusive at both ends, so a range is a pair with ``lo <= hi``
and the range after ``(lo, hi)`` starts at ``hi + 1``.

>>> merge([(0, 9), (10, 19), (30, 39)])
[(0, 19), (30, 39)]
>>> subtract((0, 99), [(10, 19), (50, 200)])
[(0, 9), (20, 49)]
>>> split_months((1_795_000_000_000, 1_796_500_000_000))  # 2026-11-18 .. 2026-12-05
[(1795000000000, 1796083199999), (1796083200000, 1796500000000)]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["Range", "clip", "merge", "month_start", "split_at", "split_months", "subtract"]

Range = tuple[int, int]


def merge(ranges: Iterable[Range]) -> list[Range]:
    """Sorted, with overlapping and touching ranges joined."""
    out: list[Range] = []
    for lo, hi in sorted(r for r in ranges if r[0] <= r[1]):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def subtract(want: Range, covered: Sequence[Range]) -> list[Range]:
    """The parts of ``want`` that no range of ``covered`` holds."""
    lo, hi = want
    gaps: list[Range] = []
    for c_lo, c_hi in merge(covered):
        if c_hi < lo or c_lo > hi:
            continue
        if c_lo > lo:
            gaps.append((lo, c_lo - 1))
        lo = max(lo, c_hi + 1)
        if lo > hi:
            return gaps
    gaps.append((lo, hi))
    return gaps


def clip(ranges: Iterable[Range], bounds: Range) -> list[Range]:
    """Each range cut to ``bounds``; empty results dropped."""
    lo, hi = bounds
    return [(max(a, lo), min(b, hi)) for a, b in ranges if max(a, lo) <= min(b, hi)]


def split_at(piece: Range, cuts: Iterable[int]) -> list[Range]:
    """``piece`` cut so that every cut ``c`` inside it starts a new range."""
    lo, hi = piece
    out: list[Range] = []
    for cut in sorted(c for c in cuts if lo < c <= hi):
        out.append((lo, cut - 1))
        lo = cut
    out.append((lo, hi))
    return out


def month_start(ms: int) -> int:
    """The first millisecond (UTC) of the month holding ``ms``.

    >>> month_start(1_795_176_000_000)  # 2026-11-20T12:00Z → 2026-11-01T00:00Z
    1793491200000
    """
    month = np.datetime64(int(ms), "ms").astype("datetime64[M]")
    return int(month.astype("datetime64[ms]").astype(np.int64))


def _next_month(ms: int) -> int:
    month = np.datetime64(int(ms), "ms").astype("datetime64[M]") + np.timedelta64(1, "M")
    return int(month.astype("datetime64[ms]").astype(np.int64))


def split_months(piece: Range) -> list[Range]:
    """``piece`` cut at every month boundary (UTC) it crosses."""
    lo, hi = piece
    cuts = []
    edge = _next_month(lo)
    while edge <= hi:
        cuts.append(edge)
        edge = _next_month(edge)
    return split_at(piece, cuts)
