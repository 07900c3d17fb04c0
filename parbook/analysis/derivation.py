"""How each indicator is obtained: its definition, the records counted, the function counting them.

For an auditor retracing a figure: ``derivation_table`` lists, per indicator of a scope, what is
counted above and below the line (the words of indicators.yaml), the two counts, the value, and
the function of parbook.analysis.measures that holds the counting rule; ``derive`` gives the
records behind one indicator (which are in the numerator, which in the denominator) so that the
counts can be re-added by hand. The masks are the very ones indicators.csv is summed from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from parbook.analysis.definitions import definitions
from parbook.analysis.measures import (
    Masks,
    Ratio,
    dossier_masks,
    feedback_masks,
    flag,
    rating_values,
    register_masks,
    returned_masks,
    satisfaction_masks,
)
from parbook.analysis.tt01 import evaluate
from parbook.timeline.scope import ScopeFacts

Records = Callable[[ScopeFacts], pd.DataFrame]
Rule = Callable[[pd.DataFrame], Masks] | Callable[[ScopeFacts], dict[str, Masks]]


@dataclass(frozen=True)
class Source:
    """Where an indicator's masks come from: the frame of records, its key columns, the rule."""

    records: Records
    key: tuple[str, ...]
    rule: Callable[..., object]
    on_scope: bool = False  # the rule takes the whole scope (register_masks), not the frame
    rule_input: Records | None = None  # what the rule reads when not the records (surveys)

    def masks(self, frames: ScopeFacts, indicator_id: str) -> Masks:
        if self.on_scope:
            return self.rule(frames)[indicator_id]  # type: ignore[index]
        out = self.rule((self.rule_input or self.records)(frames))
        return out[indicator_id] if isinstance(out, dict) else out  # type: ignore[return-value]


def _dossiers(frames: ScopeFacts) -> pd.DataFrame:
    return frames.dossiers


DOSSIER = Source(_dossiers, ("dossier_code",), dossier_masks)
SOURCES: dict[str, Source] = {
    **{indicator_id: DOSSIER for indicator_id in (
        "ontime_rate", "ontime_rate_766", "online_rate", "postal_rate", "apology_coverage",
        "multi_supplement_count", "verification_rate", "digitized_rate", "electronic_result_rate")},
    "survey_coverage": Source(lambda fr: fr.returned, ("dossier_code",), returned_masks),
    "satisfaction_rate": Source(lambda fr: rating_values(fr.surveys), ("survey_id", "element"),
                                satisfaction_masks, rule_input=lambda fr: fr.surveys),
    "feedback_ontime_rate": Source(lambda fr: fr.feedback, ("feedback_id",), feedback_masks),
    "legal_docs_reviewed_rate": Source(lambda fr: fr.legal_documents, ("document_id",),
                                       register_masks, on_scope=True),
    "legal_docs_handled_rate": Source(lambda fr: fr.legal_documents, ("document_id",),
                                      register_masks, on_scope=True),
    "plan_task_ontime_rate": Source(lambda fr: fr.plan_tasks, ("task_id",), register_masks,
                                    on_scope=True),
}


def function_name(fn: Callable[..., object]) -> str:
    """'parbook.analysis.measures.dossier_masks'."""
    return f"{fn.__module__}.{fn.__qualname__}"


@dataclass(frozen=True)
class Derivation:
    """One indicator of one scope: the two counts, the value, the rule, the records counted."""

    indicator_id: str
    ratio: Ratio
    function: str
    records: pd.DataFrame  # key columns + in_numerator, in_denominator (rows counted anywhere)


def derive(frames: ScopeFacts, indicator_id: str) -> Derivation:
    """The records behind a mask-defined indicator (every indicator but tt01_total)."""
    if indicator_id not in SOURCES:
        raise KeyError(f"Chỉ số {indicator_id!r} không tính bằng đếm bản ghi (not a counted indicator)")
    source = SOURCES[indicator_id]
    frame = source.records(frames)
    num, den = source.masks(frames, indicator_id)
    records = frame.loc[:, list(source.key)].copy()
    records["in_numerator"] = flag(num)
    records["in_denominator"] = flag(den) if den is not None else pd.NA
    counted = records["in_numerator"] | (flag(den) if den is not None else False)
    return Derivation(indicator_id, Ratio.of((num, den)), function_name(source.rule),
                      records[counted].reset_index(drop=True))


def derivation_table(frames: ScopeFacts, indicators: pd.DataFrame) -> pd.DataFrame:
    """Per indicator of the scope: definition words, counts, value and the counting function.

    ``indicators`` is the indicators frame (indicators.csv): the counts shown are re-derived
    here from the masks and must equal it (a test holds them together).
    """
    rows = []
    scoped = indicators[indicators["scope"] == frames.scope].set_index("indicator_id")
    for indicator_id, spec in definitions().items():
        row = scoped.loc[indicator_id]
        if indicator_id in SOURCES:
            d = derive(frames, indicator_id)
            numerator, denominator, function = d.ratio.numerator, d.ratio.denominator, d.function
        else:
            numerator, denominator, function = row["numerator"], None, function_name(evaluate)
        rows.append({"indicator_id": indicator_id, "label_vi": spec.label_vi,
                     "numerator_vi": spec.numerator_vi, "numerator": numerator,
                     "denominator_vi": spec.denominator_vi, "denominator": denominator,
                     "value": row["value"], "unit": spec.unit, "function": function})
    out = pd.DataFrame(rows)
    for col in ("numerator", "denominator", "value"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    return out
