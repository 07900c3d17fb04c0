"""The demo's own working days and legal clock, written apart from parbook.timeline.

The generator seeds defects from what it *means*: a dossier "due on the 2nd working day after
receipt", an apology "the working day before the appointment". Computing those dates with the
product's own functions would copy any bug of theirs into the ground truth, and the backtest could
not see it. So the demo keeps its own calendar — the days off of the ``holidays`` package (and its
make-up working Saturdays), then the overrides file read here — and its own clock rule, with only
the rule parameters (the same-day cut-off of the first regime) taken from regimes.yaml.
"""

from __future__ import annotations

import csv
from bisect import bisect_left, bisect_right
from datetime import date, datetime, time, timedelta

import holidays
import numpy as np
import yaml

from parbook.store.config import REFERENCE_DIR

DAY = "datetime64[D]"


def _overrides() -> dict[date, bool]:
    """Date → is a working day, from calendar_overrides.csv (read by the demo itself)."""
    out: dict[date, bool] = {}
    with open(REFERENCE_DIR / "calendar_overrides.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            out[date.fromisoformat(row["date"].strip())] = row["kind"].strip() == "working_day"
    return out


def _cutoff() -> time:
    with open(REFERENCE_DIR / "regimes.yaml", encoding="utf-8") as fh:
        return time.fromisoformat(str(yaml.safe_load(fh)["regimes"][0]["rules"]["cutoff_time"]))


class DemoCalendar:
    """The working days of the years the demo spans, as a sorted list of dates."""

    def __init__(self, first_year: int, last_year: int) -> None:
        vn = holidays.VN(years=range(first_year, last_year + 1))
        made_up = set(getattr(vn, "weekend_workdays", ()))
        overrides = _overrides()
        day, last = date(first_year, 1, 1), date(last_year, 12, 31)
        working: list[date] = []
        while day <= last:
            is_working = (day.weekday() < 5 and day not in vn) or day in made_up
            if overrides.get(day, is_working):
                working.append(day)
            day += timedelta(days=1)
        self.days = working
        self.cutoff = _cutoff()

    def is_working(self, day: date) -> bool:
        i = bisect_left(self.days, day)
        return i < len(self.days) and self.days[i] == day

    def add(self, day: date, n: int) -> date:
        """The n-th working day after ``day`` (not counted); n = 0: the day itself if working,
        else the next working day; n < 0: backwards (-1 = the working day before)."""
        if n > 0:
            return self.days[bisect_right(self.days, day) + n - 1]
        return self.days[bisect_left(self.days, day) + n]

    def count(self, lo: date, hi: date) -> int:
        """Working days in [lo, hi]."""
        return max(0, bisect_right(self.days, hi) - bisect_left(self.days, lo))

    def due(self, start: datetime, unit: str, n: float | None) -> date | None:
        """The legal due day of a clock started at ``start`` (receipt or restart): same day —
        the effective day, or the next working day when started on a working day after the
        cut-off; N working days — the N-th working day after the effective day."""
        effective = self.add(start.date(), 0)
        if unit in ("same_day", "immediate"):
            late = self.is_working(start.date()) and start.time() > self.cutoff
            return self.add(effective, 1) if late else effective
        if unit == "working_days" and n is not None and n == n:
            return self.add(effective, int(n))
        return None


def _days(values: np.ndarray) -> list[date | None]:
    return [None if np.isnat(v) else v.astype(object) for v in np.asarray(values).astype(DAY)]


def _array(values: list[date | None]) -> np.ndarray:
    return np.array([np.datetime64("NaT", "D") if v is None else np.datetime64(v, "D")
                     for v in values], dtype=DAY)


def wd_add(cal: DemoCalendar, days: np.ndarray, n: np.ndarray | int) -> np.ndarray:
    """The n-th working day after each day (NaT stays NaT)."""
    steps = np.broadcast_to(np.asarray(n), np.asarray(days).shape)
    return _array([None if d is None else cal.add(d, int(k))
                   for d, k in zip(_days(days), steps, strict=True)])


def wd_count(cal: DemoCalendar, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Working days in [lo, hi] per pair (NaN when a day is missing)."""
    return np.array([np.nan if a is None or b is None else cal.count(a, b)
                     for a, b in zip(_days(lo), _days(hi), strict=True)], dtype="float64")


def is_working(cal: DemoCalendar, days: np.ndarray) -> np.ndarray:
    return np.array([d is not None and cal.is_working(d) for d in _days(days)], dtype=bool)


def clock_days(cal: DemoCalendar, moments: np.ndarray, unit: np.ndarray, value: np.ndarray
               ) -> np.ndarray:
    """The legal due day of a clock started at each moment (NaT where the time is unknown)."""
    starts = np.asarray(moments).astype("datetime64[s]")
    return _array([None if np.isnat(m) else cal.due(m.astype(object), str(u), v)
                   for m, u, v in zip(starts, unit, np.asarray(value, dtype="float64"), strict=True)])
