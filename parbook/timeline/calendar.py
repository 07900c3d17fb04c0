"""Working-day calendar of the Vietnamese civil service (DESIGN.md §5).

A working day is Monday–Friday minus the days off of ``holidays.VN`` (pinned version, which
already knows the substituted days off and the make-up working Saturdays), with the overrides of
``data/reference/calendar_overrides.csv`` applied last.

The calendar covers every plausible year (parbook.store.dates) to 2040; a date outside it has no
working-day answer (NaT, NaN, False) rather than an error, so one bad record already in the
database cannot stop a unit's figures — the checks name it (HS04).

All functions are vectorised: they take a scalar date or an array-like of dates (``NaT``
allowed) and work by binary search on the sorted array of working days, so a year of dossiers
costs a few numpy calls, not a Python loop per row per day.

>>> cal = WorkCalendar.default()
>>> cal.add_working_days(date(2024, 4, 26), 3)        # the make-up Saturday counts
datetime.date(2024, 5, 4)
>>> cal.add_working_days(date(2024, 4, 29), 0)        # a day off moves to the next working day
datetime.date(2024, 5, 2)
>>> cal.add_working_days(date(2024, 5, 2), -1)        # the working day before
datetime.date(2024, 4, 26)
>>> cal.count_working_days(date(2024, 4, 26), date(2024, 5, 6))   # both ends included
5
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

import holidays
import numpy as np
import pandas as pd

from parbook.law.holidays import read_overrides
from parbook.store.dates import EARLIEST_PLAUSIBLE_YEAR

FIRST_YEAR, LAST_YEAR = EARLIEST_PLAUSIBLE_YEAR, 2040
_DAY = "datetime64[D]"
_NAT = np.datetime64("NaT", "D")


def _to_days(values: Any) -> tuple[np.ndarray, bool]:
    """Dates (scalar, list, Series, DatetimeIndex…) → datetime64[D] array, and whether scalar."""
    scalar = np.ndim(values) == 0
    if scalar:
        values = [values]
    if isinstance(values, pd.Series | pd.Index):
        arr = pd.to_datetime(values).to_numpy()
    else:
        arr = pd.to_datetime(pd.Series(list(values), dtype=object)).to_numpy()
    return arr.astype(_DAY), scalar


def _result(days: np.ndarray, scalar: bool) -> Any:
    if scalar:
        value = days[0]
        return None if np.isnat(value) else value.astype(object)
    return days


class WorkCalendar:
    """Sorted working days between FIRST_YEAR and LAST_YEAR, with vectorised look-ups."""

    def __init__(
        self,
        overrides: list[tuple[date, str, str]] | None = None,
        first_year: int = FIRST_YEAR,
        last_year: int = LAST_YEAR,
    ) -> None:
        vn = holidays.VN(years=range(first_year, last_year + 1))
        days = np.arange(
            np.datetime64(f"{first_year}-01-01"), np.datetime64(f"{last_year + 1}-01-01"), dtype=_DAY
        )
        weekday = (days.astype("int64") + 3) % 7  # 1970-01-01 was a Thursday (weekday 3)
        days_off = np.array(sorted(vn.keys()), dtype=_DAY)
        extra_working = np.array(sorted(getattr(vn, "weekend_workdays", ())), dtype=_DAY)
        working = (weekday < 5) & ~np.isin(days, days_off)
        working |= np.isin(days, extra_working)
        for day, kind, _note in overrides or []:
            hit = days == np.datetime64(day, "D")
            working[hit] = kind == "working_day"
        self.first = days[0]
        self.last = days[-1]
        self.working_days: np.ndarray = days[working]

    @classmethod
    @cache
    def default(cls) -> WorkCalendar:
        """The calendar with the project's overrides file (built once per process)."""
        return cls(read_overrides())

    def _within(self, days: np.ndarray) -> np.ndarray:
        """The days, with those outside the calendar's years as NaT: a date the calendar does not
        cover (a typo already in the database, 1900 or 2204) has no working-day answer, and the
        checks name its record (HS04) instead of the whole computation failing."""
        outside = ~np.isnat(days) & ((days < self.first) | (days > self.last))
        return np.where(outside, _NAT, days) if outside.any() else days

    def is_working_day(self, dates: Any) -> Any:
        """True where the date is a working day (False for NaT)."""
        days, scalar = _to_days(dates)
        days = self._within(days)
        idx = np.searchsorted(self.working_days, days)
        idx = np.minimum(idx, self.working_days.size - 1)
        out = (self.working_days[idx] == days) & ~np.isnat(days)
        return bool(out[0]) if scalar else out

    def add_working_days(self, dates: Any, n: Any) -> Any:
        """The n-th working day after each date (the date itself not counted).

        n = 0 gives the date if it is a working day, else the next working day; n < 0 moves
        back (the working day before is n = -1). ``n`` may be a scalar or an array of the same
        length; NaT dates, NaN steps, dates or results outside the calendar give NaT.
        """
        days, scalar = _to_days(dates)
        days = self._within(days)
        steps = np.broadcast_to(np.asarray(n, dtype="float64"), days.shape)
        bad = np.isnat(days) | np.isnan(steps)
        steps_i = np.where(bad, 0, steps).astype("int64")
        left = np.searchsorted(self.working_days, days, side="left")
        right = np.searchsorted(self.working_days, days, side="right")
        # n > 0: right + n - 1 ; n == 0: left ; n < 0: left + n
        idx = np.where(steps_i > 0, right + steps_i - 1, left + np.minimum(steps_i, 0))
        out_of_range = (idx < 0) | (idx >= self.working_days.size)
        out = self.working_days[np.clip(idx, 0, self.working_days.size - 1)].copy()
        out[bad | out_of_range] = _NAT
        return _result(out, scalar)

    def next_working_day(self, dates: Any) -> Any:
        """The date itself if a working day, else the next working day (effective receipt day)."""
        return self.add_working_days(dates, 0)

    def _count(self, start: Any, end: Any, end_side: str) -> Any:
        a, scalar = _to_days(start)
        b, _ = _to_days(end)
        a, b = self._within(a), self._within(b)
        counts = np.searchsorted(self.working_days, b, side=end_side) - np.searchsorted(
            self.working_days, a, side="left")
        counts = np.maximum(counts, 0).astype("float64")
        counts[np.isnat(a) | np.isnat(b)] = np.nan
        if scalar:
            return None if np.isnan(counts[0]) else int(counts[0])
        return counts

    def count_working_days(self, start: Any, end: Any) -> Any:
        """Working days in the closed interval [start, end] (0 when end < start; NaN for NaT)."""
        return self._count(start, end, "right")

    def count_half_open(self, start: Any, end: Any) -> Any:
        """Working days d with start <= d < end (a pause from its day to the resume day)."""
        return self._count(start, end, "left")
