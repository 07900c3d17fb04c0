"""An ESTIMATE of the QĐ 766/QĐ-TTg service index from the commune's own data (regulations §4).

Components, maxima, thresholds and sources are in data/reference/index766.yaml. The components
the commune's data can feed (2.1, 3.3, 4.1, 4.2, 5.2, 5.3, 5.4) are scored by threshold-capped
linear scoring, score = max × min(1, ratio ÷ threshold); every other component is listed as
missing with its reason. The official score uses national-portal data and calendar periods:
this is a self-check, labelled as an estimate everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
from pydantic import model_validator

from parbook.analysis.measures import Ratio, dossier_masks, feedback_masks, flag
from parbook.store.settings import Strict, reference
from parbook.store.unitdata import UnitData
from parbook.timeline.facts import dated_by
from parbook.timeline.scope import Facts, ScopeFacts

COMPONENT_COLUMNS = ["group", "group_name_vi", "component", "name_vi", "max", "computable",
                     "numerator", "denominator", "ratio", "threshold", "score", "reliability",
                     "basis", "reason"]


Measure = Literal["ontime_766", "online_share", "electronic_result", "digitized", "feedback_ontime",
                  "feedback_satisfaction", "tthc_satisfaction"]


class Component(Strict):
    """A component of the 766 index: computable ones name the figure (measure) and threshold."""

    id: str
    name_vi: str
    max: float
    computable: bool = False
    measure: Measure | None = None
    threshold: float | None = None
    reliability: Literal["V", "S", "U"] | None = None
    basis: str | None = None
    reason: str | None = None

    @model_validator(mode="after")
    def _computable_has_measure(self) -> Component:
        if self.computable and (self.measure is None or not self.threshold):
            raise ValueError("thành phần tính được cần measure và threshold dương "
                             "(a computable component needs a measure and a positive threshold)")
        return self


class Group(Strict):
    id: str
    name_vi: str
    max: float
    reliability: Literal["V", "S", "U"] | None = None
    components: tuple[Component, ...]


class Index766Config(Strict):
    """index766.yaml."""

    status: str
    total_max: float
    sync_ratio: float = 1.0
    dislike_max_rating: int = 2
    groups: tuple[Group, ...]


def config() -> Index766Config:
    """The 766 configuration (data/reference/index766.yaml)."""
    return reference("index766.yaml", Index766Config)


def capped_linear(ratio: float | None, maximum: float, threshold: float) -> float | None:
    """max × min(1, ratio ÷ threshold); None without a ratio."""
    if ratio is None:
        return None
    if threshold <= 0:
        raise ValueError("Ngưỡng phải dương (threshold must be positive)")
    return maximum * min(1.0, max(0.0, ratio) / threshold)


def _feedback_satisfaction(fb: pd.DataFrame) -> Ratio:
    """(in-scope PAKN − dissatisfied or overdue) ÷ in-scope PAKN of the window."""
    in_scope = flag(fb["in_scope"])
    unhappy = fb["satisfied"].astype("boolean").eq(False).fillna(False).astype(bool)
    bad = unhappy | flag(fb["overdue"])
    return Ratio(float((in_scope & ~bad).sum()), float(in_scope.sum()))


def _tthc_satisfaction(frames: ScopeFacts, data: UnitData, dislike_max: int) -> Ratio:
    """1 − (late share on the 2.1 base + share of those dossiers with a PAKN or a dislike).

    Returned as a Ratio whose numerator is the base minus late minus complained dossiers
    (floored at 0), so ratio = that ÷ base.
    """
    facts = frames.dossiers
    num, den = dossier_masks(facts)["ontime_rate_766"]
    base = int(den.sum())
    late = base - int(num.sum())
    as_of = pd.Timestamp(frames.window.as_of)
    fb = data.feedback[dated_by(data.feedback["received_at"], as_of)]
    sv = data.surveys[dated_by(data.surveys["surveyed_at"], as_of)]
    overall = pd.to_numeric(sv["overall"], errors="coerce")
    disliked = sv.loc[overall.between(1, dislike_max), "dossier_code"]
    complained = den & facts.index.isin(pd.concat([fb["dossier_code"], disliked]).dropna())
    return Ratio(float(max(0, base - late - int(complained.sum()))), float(base))


def component_figures(frames: ScopeFacts, data: UnitData) -> dict[str, Ratio]:
    """The figures that feed the computable components."""
    cfg = config()
    masks = dossier_masks(frames.dossiers)
    online = Ratio.of(masks["online_rate"])
    sync = cfg.sync_ratio
    return {
        "ontime_766": Ratio.of(masks["ontime_rate_766"]),
        "online_share": Ratio(online.numerator * sync, online.denominator),
        "electronic_result": Ratio.of(masks["electronic_result_rate"]),
        "digitized": Ratio.of(masks["digitized_rate"]),
        "feedback_ontime": Ratio.of(feedback_masks(frames.feedback)),
        "feedback_satisfaction": _feedback_satisfaction(frames.feedback),
        "tthc_satisfaction": _tthc_satisfaction(frames, data, cfg.dislike_max_rating),
    }


@dataclass
class Index766Estimate:
    """The estimate of one scope: component table and totals."""

    scope: str
    window_kind: str
    components: pd.DataFrame
    score: float
    computed_max: float
    total_max: float
    status: str

    @property
    def missing(self) -> pd.DataFrame:
        """Components without a score (not computable here, or no data in the scope)."""
        return self.components[self.components["score"].isna()]

    @property
    def share_of_computed(self) -> float | None:
        """The score as a share of the maxima of the components that were scored."""
        return self.score / self.computed_max if self.computed_max else None


def estimate(frames: ScopeFacts, data: UnitData) -> Index766Estimate:
    """The estimate from a scope's frames."""
    cfg = config()
    figures = component_figures(frames, data)
    rows = []
    for group in cfg.groups:
        for comp in group.components:
            row: dict[str, Any] = {
                "group": group.id, "group_name_vi": group.name_vi, "component": comp.id,
                "name_vi": comp.name_vi, "max": float(comp.max),
                "computable": comp.computable, "numerator": None,
                "denominator": None, "ratio": None, "threshold": comp.threshold,
                "score": None, "reliability": comp.reliability or group.reliability,
                "basis": comp.basis, "reason": comp.reason,
            }
            if comp.computable and comp.measure is not None and comp.threshold is not None:
                figure = figures[comp.measure]
                row.update(numerator=figure.numerator, denominator=figure.denominator,
                           ratio=figure.value)
                row["score"] = capped_linear(figure.value, row["max"], comp.threshold)
                if figure.value is None:
                    row["reason"] = "không có dữ liệu trong kỳ (mẫu số bằng 0)"
            rows.append(row)
    table = pd.DataFrame(rows, columns=COMPONENT_COLUMNS)
    for col in ("numerator", "denominator", "ratio", "threshold", "score"):
        table[col] = pd.to_numeric(table[col], errors="coerce").astype("float64")
    scored = table[table["score"].notna()]
    return Index766Estimate(
        scope=frames.scope, window_kind=frames.window.window, components=table,
        score=float(scored["score"].sum()), computed_max=float(scored["max"].sum()),
        total_max=cfg.total_max, status=cfg.status,
    )


def group_totals(est: Index766Estimate) -> pd.DataFrame:
    """Per group: maximum, maximum of the scored components, score."""
    t = est.components
    scored_max = t["max"].where(t["score"].notna(), 0.0)
    out = pd.DataFrame({
        "group_name_vi": t.groupby("group", sort=False)["group_name_vi"].first(),
        "max": t.groupby("group", sort=False)["max"].sum(),
        "computed_max": scored_max.groupby(t["group"], sort=False).sum(),
        "score": t.groupby("group", sort=False)["score"].sum(min_count=1),
    })
    return out.reset_index()


def estimate_766(facts: Facts, scope: str = "period") -> Index766Estimate:
    """The QĐ 766 estimate of the window (``period``) or the year to date (``ytd``)."""
    return estimate(facts.of(scope), facts.data)
