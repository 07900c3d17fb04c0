"""Vectorised day and time helpers of the generator (working days: parbook.demo.workdays).

Days are numpy ``datetime64[D]`` arrays, moments ``datetime64[s]`` arrays.
"""

from __future__ import annotations

import numpy as np

from parbook.demo.workdays import DemoCalendar, wd_add, wd_count

DAY = "datetime64[D]"
SEC = "datetime64[s]"
MINUTE = np.timedelta64(60, "s")
# office hours of the commune (seconds after midnight)
MORNING = (7 * 3600 + 30 * 60, 11 * 3600 + 30 * 60)
AFTERNOON = (13 * 3600 + 30 * 60, 17 * 3600)
CUTOFF_15 = 15 * 3600
LATE_AFTERNOON = 16 * 3600 + 30 * 60   # received after this, work starts the next working day


def days_of(moments: np.ndarray) -> np.ndarray:
    return np.asarray(moments).astype(DAY)


def seconds_of(moments: np.ndarray) -> np.ndarray:
    m = np.asarray(moments).astype(SEC)
    return (m - m.astype(DAY).astype(SEC)).astype("int64")


def at(days: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """Moments from days and seconds after midnight."""
    return np.asarray(days).astype(DAY).astype(SEC) + np.asarray(seconds).astype("timedelta64[s]")


def office_seconds(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random moments of office work (07:45–11:20, 13:40–16:50), seconds after midnight."""
    morning = rng.random(n) < 0.5
    lo = np.where(morning, 7 * 3600 + 45 * 60, 13 * 3600 + 40 * 60)
    hi = np.where(morning, 11 * 3600 + 20 * 60, 16 * 3600 + 50 * 60)
    return (lo + rng.random(n) * (hi - lo)).astype("int64")


def moment(rng: np.random.Generator, days: np.ndarray, not_before: np.ndarray | None = None,
           gap_minutes: int = 10) -> np.ndarray:
    """An office-hours moment on each day, never earlier than ``not_before`` + a short gap."""
    out = at(days, office_seconds(rng, len(days)))
    if not_before is not None:
        out = np.maximum(out, np.asarray(not_before).astype(SEC) + gap_minutes * MINUTE)
    return out


def wd_between(rng: np.random.Generator, cal: DemoCalendar, lo: np.ndarray, hi: np.ndarray
               ) -> np.ndarray:
    """A uniformly drawn working day in [lo, hi] (lo moved to a working day; hi >= lo)."""
    lo = wd_add(cal, lo, 0)
    count = wd_count(cal, lo, np.asarray(hi).astype(DAY))
    count = np.maximum(np.nan_to_num(count, nan=1.0), 1.0)
    step = np.floor(rng.random(len(lo)) * count).astype("int64")
    return wd_add(cal, lo, step)


def next_nd09_end(days: np.ndarray) -> np.ndarray:
    """The first NĐ 09 quarter end (14/3, 14/6, 14/9, 14/12) on or after each day."""
    days = np.asarray(days).astype(DAY)
    month = days.astype("datetime64[M]")
    month_of_year = month.astype("int64") % 12                     # 0 = January
    day_of_month = (days - month.astype(DAY)).astype("int64") + 1
    last = month + (2 - month_of_year % 3).astype("timedelta64[M]")
    last = np.where((month_of_year % 3 == 2) & (day_of_month > 14),
                    last + np.timedelta64(3, "M"), last)
    out = last.astype(DAY) + np.timedelta64(13, "D")
    out[np.isnat(days)] = np.datetime64("NaT", "D")
    return out


def next_calendar_quarter_end(days: np.ndarray) -> np.ndarray:
    """The last day of each day's calendar quarter (31/3, 30/6, 30/9, 31/12)."""
    days = np.asarray(days).astype(DAY)
    month = days.astype("datetime64[M]")
    after = month + (3 - month.astype("int64") % 12 % 3).astype("timedelta64[M]")
    out = after.astype(DAY) - np.timedelta64(1, "D")
    out[np.isnat(days)] = np.datetime64("NaT", "D")
    return out


def next_window_end(days: np.ndarray) -> np.ndarray:
    """The first default as-of date of any quarter window (nd09 or calendar) on or after each day.

    Keeping the events that move a legal due date (and the reviews of new documents) before it
    keeps clean records clean in every quarter's checks, whatever the window kind.
    """
    return np.minimum(next_nd09_end(days), next_calendar_quarter_end(days))
