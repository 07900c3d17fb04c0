"""Counting rules of the indicators (DESIGN.md §7) as boolean masks over the facts frames.

Each indicator is a pair (numerator mask, denominator mask) over one frame: the dossier facts,
the PAKN, survey ratings, legal documents or plan tasks of a scope. Totals are the sums of the
masks, breakdowns are their group sums — one definition serves the CSV, the notebooks, TT 01 and
the QĐ 766 estimate. A count (multi_supplement_count) has no denominator mask.

Withdrawn dossiers are outside every rate. "Settled in the window" and "pending at the as-of
date" are the facts columns ``settled_in_window`` and ``pending_at_asof`` (parbook.timeline.facts).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from parbook.contract import ONLINE_CHANNELS
from parbook.store.db import SURVEY_ELEMENTS
from parbook.timeline.scope import ScopeFacts

GOOD_TIMELINESS = ("early", "on_time")
SATISFIED_MIN = 4
RATING_RANGE = (1, 5)

Masks = tuple[pd.Series, "pd.Series | None"]


@dataclass(frozen=True)
class Ratio:
    """A numerator over a denominator; ``value`` is None when the denominator is zero.

    A count has ``denominator`` None and ``value`` = ``numerator``.
    """

    numerator: float
    denominator: float | None

    @property
    def value(self) -> float | None:
        if self.denominator is None:
            return self.numerator
        if self.denominator == 0:
            return None
        return self.numerator / self.denominator

    @classmethod
    def of(cls, masks: Masks) -> Ratio:
        num, den = masks
        return cls(float(num.sum()), None if den is None else float(den.sum()))


UNKNOWN_GROUP = "(không xác định)"
NO_HANDLER = "(chưa ghi cán bộ xử lý)"


def group_key(facts: pd.DataFrame, by: str) -> pd.Series:
    """The column to group by, with a visible label for missing values."""
    missing = NO_HANDLER if by == "handler" else UNKNOWN_GROUP
    return facts[by].astype("object").where(facts[by].notna(), missing)


def flag(series: pd.Series) -> pd.Series:
    """A nullable boolean column as plain booleans (missing → False)."""
    return series.astype("boolean").fillna(False).astype(bool)


def dossier_masks(f: pd.DataFrame) -> dict[str, Masks]:
    """Numerator and denominator masks of every dossier indicator over a facts frame."""
    active = ~flag(f["withdrawn"])
    received = active & flag(f["received_in_window"])
    settled = active & flag(f["settled_in_window"])
    pending = active & flag(f["pending_at_asof"])
    timeliness = f["timeliness"]
    good = timeliness.isin(GOOD_TIMELINESS)
    multi = f["supplement_request_count"] > 1
    late = active & flag(f["is_late"])
    done = settled & (f["status"] == "done")
    channel, delivery = f["channel"], f["result_delivery"]
    return {
        "ontime_rate": (settled & good, settled),
        "ontime_rate_766": (
            (settled & good & ~multi) | (pending & (timeliness == "pending_within") & ~multi),
            settled | pending),
        "online_rate": (received & channel.isin(ONLINE_CHANNELS), received),
        "postal_rate": (received & ((channel == "postal") | (delivery == "postal")), received),
        "apology_coverage": (late & (f["apology_count"] > 0), late),
        "multi_supplement_count": (active & multi, None),
        "verification_rate": (received & (f["verification_transfer_count"] > 0), received),
        "digitized_rate": (received & flag(f["digitized"]), received),
        "electronic_result_rate": (done & flag(f["electronic_result"]), done),
    }


def returned_masks(returned: pd.DataFrame) -> dict[str, Masks]:
    """survey_coverage over every dossier returned in the window, whatever its status and
    whenever it was settled (withdrawn left out): with a survey dated by the as-of date."""
    base = ~flag(returned["withdrawn"]) & flag(returned["returned_in_window"])
    return {"survey_coverage": (base & flag(returned["has_survey"]), base)}


def rating_values(surveys: pd.DataFrame, elements: tuple[str, ...] = SURVEY_ELEMENTS
                  ) -> pd.DataFrame:
    """The element ratings of the surveys in long form (survey_id, element, rating), 1–5 only."""
    long = surveys.melt(id_vars=["survey_id"], value_vars=list(elements), var_name="element",
                        value_name="rating")
    long["rating"] = pd.to_numeric(long["rating"], errors="coerce")
    lo, hi = RATING_RANGE
    return long[long["rating"].between(lo, hi)].reset_index(drop=True)


def satisfaction_masks(surveys: pd.DataFrame) -> Masks:
    """Ratings ≥ 4 over every valid element rating of the surveys."""
    ratings = rating_values(surveys)["rating"]
    return ratings >= SATISFIED_MIN, ratings.notna()


def feedback_masks(fb: pd.DataFrame) -> Masks:
    """In-scope PAKN resolved within the limit, over in-scope PAKN whose limit has been reached."""
    due = flag(fb["in_scope"]) & flag(fb["limit_reached"])
    return due & flag(fb["resolved_on_time"]), due


def register_masks(frames: ScopeFacts) -> dict[str, Masks]:
    """Masks of the indicators of the other registers (PAKN, surveys, VBQPPL, plan tasks)."""
    docs, tasks = frames.legal_documents, frames.plan_tasks
    needs = flag(docs["needs_handling"])
    duty = flag(tasks["duty_scope"])
    return {
        "satisfaction_rate": satisfaction_masks(frames.surveys),
        "feedback_ontime_rate": feedback_masks(frames.feedback),
        "legal_docs_reviewed_rate": (flag(docs["reviewed"]), pd.Series(True, index=docs.index)),
        "legal_docs_handled_rate": (needs & flag(docs["handled"]), needs),
        "plan_task_ontime_rate": (duty & flag(tasks["done_on_time"]), duty),
    }


def all_masks(frames: ScopeFacts) -> dict[str, Masks]:
    """Every mask-defined indicator of a scope (all of §7 except tt01_total)."""
    return {**dossier_masks(frames.dossiers), **returned_masks(frames.returned),
            **register_masks(frames)}


