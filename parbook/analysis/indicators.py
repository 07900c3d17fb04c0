"""The plan's indicators (DESIGN.md §7): contract frame, details, breakdowns, monthly on-time rate.

:func:`compute_indicators` gives the 16 indicators for the window (``period``) and the year to
date (``ytd``) with exactly the contract columns of indicators.csv, plus the details a reader
needs (labels, units, formatted values, why a rate is empty). Definitions, labels, targets and
sources live in data/reference/indicators.yaml (parbook.analysis.definitions); the counting rules
in parbook.analysis.measures; TT 01/2018 in parbook.analysis.tt01.

A rate with a zero denominator is empty (value and met NaN) and the details say why.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from parbook.analysis import figures
from parbook.analysis.definitions import definitions, indicator_file
from parbook.analysis.measures import (
    Ratio,
    all_masks,
    dossier_masks,
    flag,
    group_key,
    returned_masks,
)
from parbook.analysis.rates import ontime_by_base
from parbook.analysis.tt01 import TT01Evaluation
from parbook.contract import INDICATOR_COLUMNS
from parbook.timeline.periods import report_month
from parbook.timeline.scope import SCOPES, Facts, ScopeFacts
from parbook.vnformat import is_missing

DETAIL_COLUMNS = [*INDICATOR_COLUMNS, "scope_label", "label_vi", "unit", "comparison", "value_text",
                  "empty_reason", "basis", "source", "reliability", "class_label"]
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, ">": operator.gt, "==": operator.eq, "<=": operator.le,
}
BREAKDOWNS = ("field", "department", "handler")
EMPTY_REASONS = {
    "ontime_rate": "Không có hồ sơ được giải quyết trong kỳ",
    "ontime_rate_766": "Không có hồ sơ đã giải quyết hoặc đang giải quyết",
    "online_rate": "Không có hồ sơ tiếp nhận trong kỳ",
    "postal_rate": "Không có hồ sơ tiếp nhận trong kỳ",
    "apology_coverage": "Không có hồ sơ trễ hạn",
    "verification_rate": "Không có hồ sơ tiếp nhận trong kỳ",
    "survey_coverage": "Không có hồ sơ trả kết quả trong kỳ",
    "satisfaction_rate": "Không có phiếu đánh giá hợp lệ trong kỳ",
    "feedback_ontime_rate": "Không có PAKN thuộc thẩm quyền đã đến hạn xử lý",
    "legal_docs_reviewed_rate": "Không có văn bản QPPL ban hành đến ngày chốt",
    "legal_docs_handled_rate": "Không có văn bản rà soát cần sửa đổi, bãi bỏ",
    "digitized_rate": "Không có hồ sơ tiếp nhận trong kỳ",
    "electronic_result_rate": "Không có hồ sơ đã có kết quả trong kỳ",
    "plan_task_ontime_rate": "Không có nhiệm vụ đến hạn",
    "tt01_total": "Không chỉ số nào có dữ liệu",
}


def is_met(value: float | None, target: float | None, comparison: str | None) -> bool | None:
    """value compared with target; None when either is missing (no target, or empty value)."""
    if is_missing(value) or is_missing(target) or comparison is None:
        return None
    if comparison not in COMPARISONS:
        raise ValueError(f"Phép so sánh không hợp lệ {comparison!r} (unknown comparison)")
    return bool(COMPARISONS[comparison](value, target))


def _scope_rows(frames: ScopeFacts, tt01: TT01Evaluation) -> list[dict[str, Any]]:
    specs = definitions()
    ratios = {k: Ratio.of(m) for k, m in all_masks(frames).items()}
    ratios["tt01_total"] = Ratio(float("nan") if tt01.total is None else tt01.total, None)
    rows = []
    for indicator_id, spec in specs.items():
        r = ratios[indicator_id]
        value = r.value
        if value is not None and value != value:
            value = None
        rows.append({
            "indicator_id": indicator_id, "scope": frames.scope,
            "numerator": r.numerator, "denominator": r.denominator, "value": value,
            "target": spec.target, "met": is_met(value, spec.target, spec.comparison),
            "tt01_class": tt01.class_label if indicator_id == "tt01_total" else None,
        })
    return rows


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for col in ("numerator", "denominator", "value", "target"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    frame["met"] = frame["met"].astype("boolean")
    return frame[columns]


@dataclass(frozen=True)
class Indicators:
    """The indicators of a window and its year to date.

    ``frame``: the contract columns of indicators.csv; ``details``: the same rows with the
    label, unit, formatted value, why a rate is empty, basis, source and TT 01 class.
    """

    frame: pd.DataFrame
    details: pd.DataFrame

    def figure(self, indicator_id: str, scope: str = "period") -> figures.Figure:
        """One row as a Figure (every number None when the row is absent)."""
        return figures.indicator_value(self.frame, indicator_id, scope)


def _details(rows: list[dict[str, Any]]) -> pd.DataFrame:
    specs = definitions()
    out = []
    for row in rows:
        spec = specs[row["indicator_id"]]
        label = spec.label_vi
        if row["tt01_class"]:
            label = f"{label} — xếp loại {row['tt01_class']}"
        out.append({
            **row, "scope_label": figures.SCOPE_LABELS_VI[row["scope"]], "label_vi": label,
            "unit": spec.unit, "comparison": spec.comparison,
            "value_text": figures.format_value(row["value"], spec.unit),
            "empty_reason": EMPTY_REASONS.get(row["indicator_id"]) if is_missing(row["value"]) else None,
            "basis": spec.basis or None, "source": spec.source or None,
            "reliability": spec.reliability, "class_label": row["tt01_class"],
        })
    return _frame(out, DETAIL_COLUMNS)


def compute_indicators(facts: Facts, tt01: Mapping[str, TT01Evaluation]) -> Indicators:
    """The 16 indicators × (period, ytd); ``tt01`` holds the TT 01/2018 evaluation per scope."""
    rows = [row for scope in SCOPES for row in _scope_rows(facts.of(scope), tt01[scope])]
    return Indicators(frame=_frame(rows, INDICATOR_COLUMNS), details=_details(rows))


def indicator_breakdown(frames: ScopeFacts, by: str) -> pd.DataFrame:
    """Dossier indicators per field, department or handler (where the config says it makes sense).

    Long frame: group, indicator_id, label_vi, numerator, denominator, value — one row per group
    and indicator; groups without any dossier in the denominator are left out.
    """
    if by not in BREAKDOWNS:
        raise ValueError(f"Không chia theo {by!r}: {', '.join(BREAKDOWNS)} (unknown breakdown)")
    masks = {iid: (frames.dossiers, m) for iid, m in dossier_masks(frames.dossiers).items()}
    masks.update({iid: (frames.returned, m) for iid, m in returned_masks(frames.returned).items()})
    specs = definitions()
    parts = []
    for indicator_id, spec in specs.items():
        if indicator_id not in masks or by not in spec.breakdown:
            continue
        frame, (num, den) = masks[indicator_id]
        key = group_key(frame, by)
        grouped = pd.DataFrame({"numerator": num.groupby(key).sum()})
        if den is None:
            grouped = grouped[grouped["numerator"] > 0]
            grouped["denominator"] = float("nan")
            grouped["value"] = grouped["numerator"]
        else:
            grouped["denominator"] = den.groupby(key).sum()
            grouped = grouped[grouped["denominator"] > 0]
            grouped["value"] = grouped["numerator"] / grouped["denominator"]
        grouped.insert(0, "label_vi", spec.label_vi)
        grouped.insert(0, "indicator_id", indicator_id)
        parts.append(grouped.rename_axis("group").reset_index())
    columns = ["group", "indicator_id", "label_vi", "numerator", "denominator", "value"]
    if not parts:
        return pd.DataFrame(columns=columns)
    out = pd.concat(parts, ignore_index=True)[columns]
    for col in ("numerator", "denominator", "value"):
        out[col] = out[col].astype("float64")
    return out


def ontime_by_month(frames: ScopeFacts) -> pd.DataFrame:
    """On-time rate by reporting month of settlement (for the chart against the target).

    Columns: month (Period), label_vi ("T07/2024"), numerator, denominator, value,
    cumulative_numerator, cumulative_denominator, cumulative_value, target.
    """
    num, den = dossier_masks(frames.dossiers)["ontime_rate"]
    month = report_month(frames.dossiers.loc[den, "finished_date"], frames.window.window)
    table = pd.DataFrame({"numerator": num[den].groupby(month).sum(),
                          "denominator": den[den].groupby(month).sum()}).astype("float64")
    table = table.rename_axis("month").reset_index().sort_values("month", ignore_index=True)
    table.insert(1, "label_vi", [f"T{m.month:02d}/{m.year}" for m in table["month"]])
    table["value"] = table["numerator"] / table["denominator"]
    table["cumulative_numerator"] = table["numerator"].cumsum()
    table["cumulative_denominator"] = table["denominator"].cumsum()
    table["cumulative_value"] = table["cumulative_numerator"] / table["cumulative_denominator"]
    table["target"] = definitions()["ontime_rate"].target
    return table


def ontime_rate_bases(frames: ScopeFacts) -> pd.DataFrame:
    """The on-time share on each base of indicators.yaml ``ontime_bases`` (plan R12)."""
    return ontime_by_base(frames.dossiers, indicator_file().ontime_bases)


def late_by_handler(frames: ScopeFacts) -> pd.DataFrame:
    """Late dossiers per handler with and without apology (plan R20, R29: ≥ 2 flagged)."""
    f = frames.dossiers
    late = f[flag(f["is_late"]) & ~flag(f["withdrawn"])]
    handler = group_key(late, "handler")
    out = pd.DataFrame({
        "late": late.groupby(handler).size(),
        "without_apology": (late["apology_count"] == 0).groupby(handler).sum(),
    }).rename_axis("handler").reset_index()
    out["repeated"] = out["late"] >= 2
    return out.sort_values(["late", "handler"], ascending=[False, True], ignore_index=True)
