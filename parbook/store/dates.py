"""The one date parser of parbook (DESIGN.md §4): day first, always; never month first.

Accepted text (surrounding spaces ignored):

- ``dd/mm/yyyy`` — also with ``-`` or ``.`` between day, month and year — optionally followed by
  a time ``HH:MM[:SS[.ffffff]]`` (after spaces or ``T``);
- ``HH:MM[:SS] dd/mm/yyyy`` (a time first, as some one-stop software writes it);
- ``yyyy-mm-dd`` optionally followed by a time, as above.

A two-digit year is refused (``03/05/24`` could be 1924 or 2024), and so is a day that does not
exist (``31/02/2024``; ``05/13/2024`` is not read as 13 May). :func:`parse_date` accepts the
date forms only, without a time. How plausible a date is (a year of 1900 is a typo) is not a
question of form: :func:`plausible_years` gives the range the import enforces
(:mod:`parbook.intake.values`).

>>> parse_datetime("03/05/2024 15:01")
datetime.datetime(2024, 5, 3, 15, 1)
>>> parse_datetime("15:01:30 03.05.2024")
datetime.datetime(2024, 5, 3, 15, 1, 30)
>>> parse_date("2024-05-03"), parse_date("3/5/2024")
(datetime.date(2024, 5, 3), datetime.date(2024, 5, 3))
>>> try:
...     parse_date("05/13/2024")
... except DateTextError as exc:
...     print(exc)
không phải ngày có thật
"""

from __future__ import annotations

import re
from datetime import date, datetime

_TIME = r"(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.(?P<f>\d{1,6}))?)?"
DATE_PATTERNS = (
    # dd/mm/yyyy [HH:MM[:SS]] — also with - or . between day, month and year
    re.compile(rf"(?P<d>\d{{1,2}})(?P<sep>[/.-])(?P<m>\d{{1,2}})(?P=sep)(?P<y>\d+)(?:[ T]+{_TIME})?"),
    # HH:MM[:SS] dd/mm/yyyy
    re.compile(rf"{_TIME}\s+(?P<d>\d{{1,2}})(?P<sep>[/.-])(?P<m>\d{{1,2}})(?P=sep)(?P<y>\d+)"),
    # yyyy-mm-dd[ HH:MM[:SS]]
    re.compile(rf"(?P<y>\d{{4}})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}})(?:[ T]+{_TIME})?"),
)
DATE_FORMATS_VI = "dd/mm/yyyy, dd/mm/yyyy hh:mm[:ss], hh:mm dd/mm/yyyy, yyyy-mm-dd[ hh:mm[:ss]]"
DAY_FORMATS_VI = "dd/mm/yyyy, yyyy-mm-dd"


class DateTextError(ValueError):
    """Text that is not a date of an accepted form. Its text is a Vietnamese reason that
    completes a sentence about the value (``"31/02/2024" không phải ngày có thật``); callers
    wrap it in their own error (the import's BadValue, the period's PeriodError)."""


def _parse(text: str, with_time: bool) -> datetime:
    s = text.strip()
    formats = DATE_FORMATS_VI if with_time else DAY_FORMATS_VI
    for pattern in DATE_PATTERNS:
        m = pattern.fullmatch(s)
        if m is None:
            continue
        if m["H"] is not None and not with_time:
            break
        year = m["y"]
        if len(year) == 2:
            raise DateTextError("có năm hai chữ số: ghi đủ bốn chữ số (dd/mm/yyyy)")
        if len(year) != 4:
            break
        try:
            frac = (m["f"] or "").ljust(6, "0")
            return datetime(int(year), int(m["m"]), int(m["d"]), int(m["H"] or 0),
                            int(m["M"] or 0), int(m["S"] or 0), int(frac))
        except ValueError:
            raise DateTextError("không phải ngày có thật") from None
    raise DateTextError(f"không phải ngày hợp lệ ({formats})")


def parse_datetime(text: str) -> datetime:
    """A date and time of day (midnight when no time is written) from text; DateTextError if
    the text is not one of the accepted forms."""
    return _parse(text, with_time=True)


def parse_date(text: str) -> date:
    """A calendar date from ``dd/mm/yyyy`` or ``yyyy-mm-dd`` (no time); DateTextError if not."""
    return _parse(text, with_time=False).date()


# Plausible dates — the one place to change the range (a guard against typos, not a legal rule):
# the import quarantines a row with a date outside it, the working-day calendar covers it, and
# the checks flag a record already in the database with a date before it (HS04). A date whose
# year is before EARLIEST_PLAUSIBLE_YEAR, or after the current year plus PLAUSIBLE_YEARS_AHEAD,
# is a typo (03/07/1900: Excel's day 0 or a year left out; 2204 for 2024): at import its row is
# quarantined, the reason naming the column and the value. 1990 leaves room
# for the oldest legal documents (VBQPPL) a commune still reviews; one year ahead for
# appointments and plan deadlines set for next year.
EARLIEST_PLAUSIBLE_YEAR = 1990
PLAUSIBLE_YEARS_AHEAD = 1


def plausible_years(today: date | None = None) -> tuple[int, int]:
    """The first and last plausible year of a date, as of ``today``."""
    today = today or date.today()
    return EARLIEST_PLAUSIBLE_YEAR, today.year + PLAUSIBLE_YEARS_AHEAD
