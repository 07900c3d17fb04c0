"""Indicator figures in Vietnamese: the wording of a row of the indicators frame.

The one place that names and prints indicators (labels and units come from
data/reference/indicators.yaml; numbers are formatted by parbook.vnformat). The indicators frame
is the documented contract of DESIGN.md §7 (indicator_id, scope, numerator, denominator, value,
target, met); nothing here depends on how it was computed.

>>> format_value(0.9625, "%")
'96,3%'
>>> format_value(12.45, "điểm")
'12,5 điểm'
>>> format_value(3, "hồ sơ")
'3 hồ sơ'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from parbook import vnformat
from parbook.analysis.definitions import definitions

SCOPE_LABELS_VI = {"period": "trong kỳ", "ytd": "lũy kế từ đầu năm"}
RATE_UNIT = "%"


def indicator_label(indicator_id: str) -> str:
    """The Vietnamese name of an indicator id (the id itself if unknown)."""
    spec = definitions().get(indicator_id)
    return spec.label_vi if spec else indicator_id


def indicator_unit(indicator_id: str) -> str:
    """'%' for a rate, 'hồ sơ' for a count, 'điểm' for a score."""
    spec = definitions().get(indicator_id)
    return spec.unit if spec else RATE_UNIT


def format_value(value: Any, unit: str) -> str:
    """95,3% / 12,5 điểm / 3 hồ sơ; '—' when empty."""
    if vnformat.is_missing(value):
        return vnformat.EMPTY
    if unit == RATE_UNIT:
        return vnformat.percent(value)
    if unit == "hồ sơ":
        return f"{vnformat.number(value)} hồ sơ"
    return f"{vnformat.number(value, 1)} {unit}"


@dataclass(frozen=True)
class Figure:
    """One indicator value of one scope (every number None when the row is absent)."""

    indicator_id: str
    scope: str
    numerator: float | None
    denominator: float | None
    value: float | None
    target: float | None
    met: bool | None

    @property
    def known(self) -> bool:
        return not vnformat.is_missing(self.value)

    @property
    def unit(self) -> str:
        return indicator_unit(self.indicator_id)

    @property
    def is_rate(self) -> bool:
        return self.unit == RATE_UNIT

    def value_text(self) -> str:
        """'95,3%' / '3 hồ sơ' / '12,5 điểm', or 'chưa có dữ liệu'."""
        return format_value(self.value, self.unit) if self.known else "chưa có dữ liệu"

    def target_text(self) -> str:
        """The target as printed ('95%', '0', '12,0 điểm'); '' when the plan sets none."""
        if vnformat.is_missing(self.target):
            return ""
        if self.is_rate:
            return vnformat.percent(self.target, 0 if float(self.target) * 100 % 1 == 0 else 1)
        if self.unit == "hồ sơ":
            return vnformat.number(self.target)
        return format_value(self.target, self.unit)

    def ratio_text(self) -> str:
        """'95,3% (812/852)' — or the value alone when it is not a rate."""
        text = self.value_text()
        if self.known and self.is_rate and not vnformat.is_missing(self.denominator):
            text += f" ({vnformat.number(self.numerator)}/{vnformat.number(self.denominator)})"
        return text

    def verdict(self) -> str:
        """', đạt mục tiêu 95%' / ', chưa đạt mục tiêu 95%' / ''."""
        if not self.known or self.met is None or not self.target_text():
            return ""
        return f", {'đạt' if self.met else 'chưa đạt'} mục tiêu {self.target_text()}"

    def describe(self) -> str:
        """'Tỷ lệ … (lũy kế từ đầu năm): 96,3% (154/160)' or '…: chưa có dữ liệu …'."""
        label = f"{indicator_label(self.indicator_id)} ({SCOPE_LABELS_VI.get(self.scope, self.scope)})"
        if not self.known:
            return f"{label}: chưa có dữ liệu (mẫu số bằng 0 hoặc chưa tính)"
        return f"{label}: {self.ratio_text()}"


def _number(value: Any) -> float | None:
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return None if vnformat.is_missing(number) else float(number)


def _flag(value: Any) -> bool | None:
    if vnformat.is_missing(value):
        return None
    if isinstance(value, str):
        text = value.strip().casefold()
        return {"true": True, "1": True, "có": True, "false": False, "0": False,
                "không": False}.get(text)
    return bool(value)


def indicator_value(indicators: pd.DataFrame, indicator_id: str, scope: str = "period") -> Figure:
    """The row of (indicator_id, scope) of the indicators frame, numbers coerced."""
    if indicators is None or indicators.empty:
        return Figure(indicator_id, scope, None, None, None, None, None)
    rows = indicators[(indicators["indicator_id"] == indicator_id) & (indicators["scope"] == scope)]
    if rows.empty:
        return Figure(indicator_id, scope, None, None, None, None, None)
    row = rows.iloc[0]
    return Figure(indicator_id, scope, _number(row.get("numerator")), _number(row.get("denominator")),
                  _number(row.get("value")), _number(row.get("target")), _flag(row.get("met")))
