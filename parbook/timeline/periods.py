"""Reporting periods and windows (DESIGN.md §5).

``nd09`` (default, NĐ 09/2019): a quarter runs from the 15th of the month before it to the 14th of
its last month, the year from 15/12 of the previous year to 14/12. ``calendar``: calendar quarters
and years, as the national portal uses.

>>> w = Window.parse("2024-Q3")
>>> (str(w.start), str(w.end), str(w.as_of), str(w.ytd_start))
('2024-06-15', '2024-09-14', '2024-09-14', '2023-12-15')
>>> Window.parse("2024-Q1", window="calendar").end
datetime.date(2024, 3, 31)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pandas as pd

from parbook.errors import ParbookError
from parbook.store import dates

WINDOWS = ("nd09", "calendar")
# NĐ 09/2019: a reporting month runs from the 15th of the month before to the 14th.
ND09_MONTH_START_DAY = 15
PERIOD_RE = re.compile(r"^(?P<year>(19|20)\d{2})(-[Qq](?P<quarter>[1-4]))?$")   # 2024-q3 too


class PeriodError(ParbookError, ValueError):
    """A period, window or as-of value that parbook cannot accept."""


def _quarter_bounds(year: int, quarter: int | None, window: str) -> tuple[date, date]:
    if window == "calendar":
        if quarter is None:
            return date(year, 1, 1), date(year, 12, 31)
        first_month = 3 * quarter - 2
        start = date(year, first_month, 1)
        nxt = date(year + 1, 1, 1) if quarter == 4 else date(year, first_month + 3, 1)
        return start, nxt - timedelta(days=1)
    first, last = ND09_MONTH_START_DAY, ND09_MONTH_START_DAY - 1
    if quarter is None:
        return date(year - 1, 12, first), date(year, 12, last)
    last_month = 3 * quarter
    first_month = last_month - 3
    start = date(year - 1, 12, first) if first_month == 0 else date(year, first_month, first)
    return start, date(year, last_month, last)


def parse_date(value: str | date) -> date:
    """A date from ``yyyy-mm-dd`` or ``dd/mm/yyyy`` text (the project's one date parser,
    :mod:`parbook.store.dates`, date forms only)."""
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return dates.parse_date(text)
    except dates.DateTextError as exc:
        raise PeriodError(f"Ngày không hợp lệ {text!r}: {exc} (invalid date, use yyyy-mm-dd or "
                          f"dd/mm/yyyy)") from None


def report_month(days: pd.Series, window_kind: str) -> pd.Series:
    """The reporting month of each day: an NĐ 09 month runs from the 15th of the month before to
    the 14th (``nd09``; 15/03 belongs to April), a calendar month otherwise."""
    days = pd.to_datetime(days)
    months = days.dt.to_period("M")
    if window_kind == "nd09":
        months = months + (days.dt.day >= ND09_MONTH_START_DAY).astype("int64")
    return months


@dataclass(frozen=True)
class Window:
    """A reporting window: its period label, kind, dates, as-of date and year-to-date start."""

    period: str
    window: str
    year: int
    quarter: int | None
    start: date
    end: date
    as_of: date
    ytd_start: date

    @classmethod
    def parse(cls, period: str, window: str = "nd09", as_of: str | date | None = None) -> Window:
        """Validate and build a window from ``2024-Q3`` / ``2024``, ``nd09``/``calendar``, as-of."""
        match = PERIOD_RE.match(str(period).strip())
        if not match:
            raise PeriodError(
                f"Kỳ báo cáo không hợp lệ {period!r}: dùng 2024-Q1…2024-Q4 hoặc 2024 "
                f"(invalid period, use 2024-Q1…Q4 or 2024)"
            )
        if window not in WINDOWS:
            raise PeriodError(
                f"Loại kỳ không hợp lệ {window!r}: nd09 hoặc calendar (window must be nd09 or calendar)"
            )
        year = int(match.group("year"))
        quarter = int(match.group("quarter")) if match.group("quarter") else None
        start, end = _quarter_bounds(year, quarter, window)
        ytd_start, _ = _quarter_bounds(year, None, window)
        as_of_date = parse_date(as_of) if as_of is not None else end
        if as_of_date < start:
            raise PeriodError(
                f"Ngày chốt số liệu {as_of_date} trước đầu kỳ {start} (as-of date before the window start)"
            )
        label = f"{year}-Q{quarter}" if quarter else str(year)
        return cls(label, window, year, quarter, start, end, as_of_date, ytd_start)

    @property
    def cut(self) -> date:
        """The last day that counts for receipts: the window end, or as-of if earlier."""
        return min(self.end, self.as_of)

    def year_to_date(self) -> Window:
        """The window from the start of the year's window to the as-of date."""
        return replace(self, start=self.ytd_start, end=self.as_of, quarter=None)

    def previous(self) -> Window:
        """The window of the previous quarter (or year), as-of its own end."""
        if self.quarter is None:
            return Window.parse(str(self.year - 1), self.window)
        if self.quarter == 1:
            return Window.parse(f"{self.year - 1}-Q4", self.window)
        return Window.parse(f"{self.year}-Q{self.quarter - 1}", self.window)

    def label_vi(self) -> str:
        """Vietnamese label: 'Quý III năm 2024' or 'Năm 2024'."""
        if self.quarter is None:
            return f"Năm {self.year}"
        return f"Quý {('I', 'II', 'III', 'IV')[self.quarter - 1]} năm {self.year}"
