"""Indicator figures in Vietnamese: looking up a row of the indicators frame and formatting it.

The indicators frame is the documented contract of DESIGN.md §7 (columns indicator_id, scope,
numerator, denominator, value, target, met); nothing here depends on how it was computed.

>>> fmt_number(0.9625, rate=True)
'96,3%'
>>> fmt_number(13.45)
'13,45'
>>> fmt_number(3.0)
'3'
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from parbook.contract_ids import INDICATOR_LABELS_VI, NON_RATE_INDICATORS, SCOPE_LABELS_VI


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def fmt_number(value: Any, rate: bool = False) -> str:
    """A number with a decimal comma, rounded half up: rates as % (1 decimal), others ≤ 2 decimals."""
    if _missing(value):
        return "—"
    x = Decimal(repr(float(value)))
    if rate:
        return str((x * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)).replace(".", ",") + "%"
    if x == x.to_integral_value():
        return str(int(x))
    return str(x.quantize(Decimal("0.01"), ROUND_HALF_UP)).rstrip("0").replace(".", ",")


@dataclass(frozen=True)
class IndicatorValue:
    """One row of the indicators frame (absent row → every number missing)."""

    indicator_id: str
    scope: str
    numerator: float | None
    denominator: float | None
    value: float | None
    target: float | None
    met: bool | None

    @property
    def has_value(self) -> bool:
        return not _missing(self.value)

    @property
    def is_rate(self) -> bool:
        return self.indicator_id not in NON_RATE_INDICATORS

    def describe(self) -> str:
        """'Tỷ lệ … (lũy kế năm): 96,3% (154/160)' or '… : chưa có dữ liệu'."""
        label = f"{INDICATOR_LABELS_VI.get(self.indicator_id, self.indicator_id)} " \
                f"({SCOPE_LABELS_VI.get(self.scope, self.scope)})"
        if not self.has_value:
            return f"{label}: chưa có dữ liệu (mẫu số bằng 0 hoặc chưa tính)"
        text = f"{label}: {fmt_number(self.value, self.is_rate)}"
        if self.is_rate and not _missing(self.denominator):
            text += f" ({fmt_number(self.numerator)}/{fmt_number(self.denominator)})"
        return text


def _number(value: Any) -> float | None:
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return None if _missing(number) else float(number)


def _flag(value: Any) -> bool | None:
    if _missing(value):
        return None
    if isinstance(value, str):
        text = value.strip().casefold()
        return True if text in ("true", "1", "có") else False if text in ("false", "0", "không") \
            else None
    return bool(value)


def indicator_value(indicators: pd.DataFrame, indicator_id: str, scope: str) -> IndicatorValue:
    """The row of (indicator_id, scope) of the indicators frame, numbers coerced."""
    rows = indicators[(indicators["indicator_id"] == indicator_id) & (indicators["scope"] == scope)] \
        if len(indicators) else indicators
    if rows is None or rows.empty:
        return IndicatorValue(indicator_id, scope, None, None, None, None, None)
    row = rows.iloc[0]
    return IndicatorValue(indicator_id, scope, _number(row.get("numerator")),
                          _number(row.get("denominator")), _number(row.get("value")),
                          _number(row.get("target")), _flag(row.get("met")))
