"""Vietnamese number and date formats for reports: 95,3% · 1.234 · ngày 05 tháng 01 năm 2024.

>>> percent(0.9534)
'95,3%'
>>> number(12345)
'12.345'
>>> number(2.25, 1)
'2,3'
>>> long_date(date(2024, 1, 5))
'ngày 05 tháng 01 năm 2024'
>>> long_date(date(2024, 9, 14))
'ngày 14 tháng 9 năm 2024'
>>> percent(float("nan"))
'—'
>>> compact(13.45), compact(3.0), compact(1234.5)
('13,45', '3', '1.234,5')
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

EMPTY = "—"


def is_missing(value: Any) -> bool:
    """None, NaN, NaT or pandas NA."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(repr(float(value)))


def _round(value: Any, digits: int) -> Decimal:
    """Round half away from zero, as people do by hand (2,25 → 2,3 is NOT banker's 2,2)."""
    quantum = Decimal(1).scaleb(-digits)
    return _decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)


def round_half_up(value: float, digits: int) -> float:
    """Round as administrative reports do (0,5 up), not banker's rounding."""
    return float(_round(value, digits))


def number(value: Any, digits: int = 0) -> str:
    """A number with '.' between thousands and ',' before decimals; missing → '—'.

    Rounding is half-up on the decimal value as written (2,25 → 2,3; 2,2 shows for 2.2499…).
    """
    if is_missing(value):
        return EMPTY
    if isinstance(value, float) and math.isinf(value):
        return EMPTY
    rounded = _round(value, digits)
    text = f"{rounded:,.{digits}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def compact(value: Any) -> str:
    """A whole number without decimals, else at most two decimals: 3 · 13,45 · 1.234,5."""
    if is_missing(value):
        return EMPTY
    rounded = _round(value, 2)
    digits = 0 if rounded == rounded.to_integral_value() else len(str(rounded.normalize()).split(".")[1])
    return number(rounded, digits)


def percent(value: Any, digits: int = 1) -> str:
    """A share 0–1 as a Vietnamese percentage: 0.9534 → '95,3%'; missing → '—'."""
    if is_missing(value):
        return EMPTY
    return number(_decimal(value) * 100, digits) + "%"


def short_date(value: Any) -> str:
    """dd/mm/yyyy; missing → '—'."""
    if is_missing(value):
        return EMPTY
    if isinstance(value, str):
        value = pd.Timestamp(value)
    return f"{value.day:02d}/{value.month:02d}/{value.year}"


def long_date(value: date | datetime) -> str:
    """NĐ 30/2020 date words: days below 10 and months 1–2 get a leading zero."""
    month = f"{value.month:02d}" if value.month <= 2 else str(value.month)
    return f"ngày {value.day:02d} tháng {month} năm {value.year}"


def doc_number(value: Any) -> str:
    """The number of 'Số: …/BC-UBND': below 10 zero-padded; empty → blank space to fill by hand."""
    if is_missing(value) or str(value).strip() == "":
        return "\u00a0" * 8
    text = str(value).strip()
    return f"{int(text):02d}" if text.isdigit() else text


def in_sentence(label: str) -> str:
    """A label placed inside a sentence: 'Quý III năm 2024' → 'quý III năm 2024'."""
    return label[:1].lower() + label[1:]
