"""Reporting windows (calendar.md §5.5) and parameter validation."""

import re
from datetime import date

import pytest

from parbook.timeline.periods import PeriodError, Window

D = date.fromisoformat
CASES = [
    ("2024-Q1", "2023-12-15", "2024-03-14", "2024-01-01", "2024-03-31"),
    ("2024-Q2", "2024-03-15", "2024-06-14", "2024-04-01", "2024-06-30"),
    ("2024-Q3", "2024-06-15", "2024-09-14", "2024-07-01", "2024-09-30"),
    ("2024-Q4", "2024-09-15", "2024-12-14", "2024-10-01", "2024-12-31"),
    ("2024", "2023-12-15", "2024-12-14", "2024-01-01", "2024-12-31"),
]


@pytest.mark.parametrize("period,nd_start,nd_end,cal_start,cal_end", CASES)
def test_windows(period: str, nd_start: str, nd_end: str, cal_start: str, cal_end: str) -> None:
    nd = Window.parse(period)
    assert (nd.start, nd.end, nd.as_of) == (D(nd_start), D(nd_end), D(nd_end))
    cal = Window.parse(period, "calendar")
    assert (cal.start, cal.end) == (D(cal_start), D(cal_end))


def test_year_to_date_and_as_of() -> None:
    w = Window.parse("2024-Q3", as_of="2024-08-31")
    assert w.cut == D("2024-08-31")
    ytd = w.year_to_date()
    assert (ytd.start, ytd.end, ytd.as_of) == (D("2023-12-15"), D("2024-08-31"), D("2024-08-31"))
    assert Window.parse("2024-Q1", "calendar").year_to_date().start == D("2024-01-01")


def test_previous() -> None:
    assert Window.parse("2024-Q1").previous().period == "2023-Q4"
    assert Window.parse("2024-Q3").previous().start == D("2024-03-15")


@pytest.mark.parametrize("bad", ["2024-Q5", "24-Q1", "2024Q1", "2024-Q1; rm -rf /", "", "../x"])
def test_bad_period(bad: str) -> None:
    with pytest.raises(PeriodError):
        Window.parse(bad)


def test_bad_window_and_as_of() -> None:
    with pytest.raises(PeriodError):
        Window.parse("2024-Q1", "fiscal")
    with pytest.raises(PeriodError):
        Window.parse("2024-Q3", as_of="2024-01-01")
    with pytest.raises(PeriodError):
        Window.parse("2024-Q3", as_of="31/02/2024")
    assert Window.parse("2024-Q3", as_of="31/08/2024").as_of == D("2024-08-31")


def test_as_of_uses_the_one_date_parser() -> None:
    """--as-of is read by parbook.store.dates (date forms only): the same forms and reasons as
    the import, day first, no time of day."""
    from parbook.store import dates
    from parbook.timeline.periods import parse_date

    assert parse_date("31-08-2024") == parse_date("31.08.2024") == D("2024-08-31")
    assert parse_date(" 2024-8-31 ") == D("2024-08-31")
    for bad, reason in [("31/08/24", "có năm hai chữ số"), ("08/31/2024", "không phải ngày có thật"),
                        ("2024-08-31 10:00", "không phải ngày hợp lệ (dd/mm/yyyy, yyyy-mm-dd)")]:
        with pytest.raises(PeriodError, match=re.escape(reason)):
            parse_date(bad)
        with pytest.raises(dates.DateTextError, match=re.escape(reason)):
            dates.parse_date(bad)
