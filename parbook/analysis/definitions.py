"""The indicator definitions (data/reference/indicators.yaml): labels, units, targets, sources.

The ids are the contract of DESIGN.md §7 and must all be there, in order. Labels may name a rule
parameter in braces (``{feedback_limit_working_days}``): it is filled from rules.yaml, so the
report prints the limit the indicator counts with. ``target_from_rules`` takes the target and
its comparison from rules.yaml (the plan's on-time target, one place for the whole project).

>>> d = definitions()
>>> d["ontime_rate"].target, d["ontime_rate"].comparison
(0.95, '>=')
>>> d["feedback_ontime_rate"].label_vi
'Tỷ lệ PAKN thuộc thẩm quyền được xử lý đúng hạn (15 ngày làm việc)'
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic import field_validator, model_validator

from parbook.contract import INDICATOR_IDS
from parbook.law.rules import rules
from parbook.store.settings import Strict, reference

Unit = Literal["%", "hồ sơ", "điểm"]
Comparison = Literal[">=", ">", "==", "<="]
Breakdown = Literal["field", "department", "handler"]
Base = Literal["settled", "received", "due"]


class Indicator(Strict):
    """One indicator of indicators.yaml."""

    label_vi: str
    numerator_vi: str
    denominator_vi: str = ""
    to_as_of: bool = False
    unit: Unit
    target: float | None = None
    comparison: Comparison | None = None
    target_from_rules: bool = False
    basis: str = ""
    source: str = ""
    reliability: Literal["V", "S", "U"]
    bands: dict[str, float] | None = None
    breakdown: tuple[Breakdown, ...] = ()

    @model_validator(mode="after")
    def _target_and_comparison(self) -> Indicator:
        if self.target_from_rules and (self.target is not None or self.comparison is not None):
            raise ValueError("target_from_rules không đi cùng target/comparison "
                             "(target_from_rules excludes target and comparison)")
        return self


class IndicatorFile(Strict):
    """indicators.yaml."""

    indicators: dict[str, Indicator]
    ontime_bases: tuple[Base, ...] = ("settled",)

    @field_validator("indicators")
    @classmethod
    def _contract_ids(cls, value: dict[str, Indicator]) -> dict[str, Indicator]:
        if tuple(value) != INDICATOR_IDS:
            raise ValueError(f"các chỉ số phải đúng danh sách và thứ tự của DESIGN.md §7 (the ids "
                             f"must be exactly {', '.join(INDICATOR_IDS)})")
        return value


def indicator_file() -> IndicatorFile:
    """indicators.yaml, validated."""
    return reference("indicators.yaml", IndicatorFile)


@cache
def definitions() -> dict[str, Indicator]:
    """Indicator definitions in contract order: targets and rule parameters resolved."""
    r = rules()
    out = {}
    for indicator_id, spec in indicator_file().indicators.items():
        values = r.model_dump()
        changes: dict[str, object] = {
            "label_vi": spec.label_vi.format(**values),
            "numerator_vi": spec.numerator_vi.format(**values),
            "denominator_vi": spec.denominator_vi.format(**values)}
        if spec.target_from_rules:
            changes.update(target=r.ontime_target, comparison=r.ontime_target_comparison)
        elif spec.target is not None and spec.comparison is None:
            changes["comparison"] = ">="
        out[indicator_id] = spec.model_copy(update=changes)
    return out
