"""An ESTIMATE of the QĐ 766/QĐ-TTg service index from the commune's own data (regulations §4).

Components, maxima, thresholds and sources are in data/reference/index766.yaml. The components
the commune's data can feed (2.1, 3.3, 4.1, 4.2, 5.2, 5.3, 5.4) are scored by threshold-capped
linear scoring, score = max × min(1, ratio ÷ threshold); every other component is listed as
missing with its reason. The official score uses national-portal data and calendar periods:
this is a self-check, labelled as an estimate everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from parbook.analysis.measures import Ratio, ScopeFrames, dossier_masks, feedback_masks, flag, scope_frames
from parbook.store.config import reference_yaml
from parbook.timeline.facts import dated_by

if TYPE_CHECKING:
    from parbook.pipeline import Analysis
    from parbook.timeline.facts import UnitData

COMPONENT_COLUMNS = ["group", "group_name_vi", "component", "name_vi", "max", "computable",
                     "numerator", "denominator", "ratio", "threshold", "score", "reliability",
                     "basis", "reason"]


def config() -> dict[str, Any]:
    """The 766 configuration (data/reference/index766.yaml)."""
    return reference_yaml("index766.yaml")


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


def _tthc_satisfaction(frames: ScopeFrames, data: UnitData, dislike_max: int) -> Ratio:
    """1 − (late share on the 2.1 base + share of those dossiers with a PAKN or a dislike).

    Returned as a Ratio whose numerator is the base minus late minus complained dossiers
    (floored at 0), so ratio = that ÷ base.
    """
    facts = frames.facts
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


def component_figures(frames: ScopeFrames, data: UnitData) -> dict[str, Ratio]:
    """The figures that feed the computable components."""
    cfg = config()
    masks = dossier_masks(frames.facts)
    online = Ratio.of(masks["online_rate"])
    sync = float(cfg.get("sync_ratio", 1.0))
    return {
        "ontime_766": Ratio.of(masks["ontime_rate_766"]),
        "online_share": Ratio(online.numerator * sync, online.denominator),
        "electronic_result": Ratio.of(masks["electronic_result_rate"]),
        "digitized": Ratio.of(masks["digitized_rate"]),
        "feedback_ontime": Ratio.of(feedback_masks(frames.feedback)),
        "feedback_satisfaction": _feedback_satisfaction(frames.feedback),
        "tthc_satisfaction": _tthc_satisfaction(frames, data, int(cfg.get("dislike_max_rating", 2))),
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


def estimate(frames: ScopeFrames, data: UnitData) -> Index766Estimate:
    """The estimate from a scope's frames."""
    cfg = config()
    figures = component_figures(frames, data)
    rows = []
    for group in cfg["groups"]:
        for comp in group["components"]:
            row: dict[str, Any] = {
                "group": group["id"], "group_name_vi": group["name_vi"], "component": comp["id"],
                "name_vi": comp["name_vi"], "max": float(comp["max"]),
                "computable": bool(comp.get("computable")), "numerator": None,
                "denominator": None, "ratio": None, "threshold": comp.get("threshold"),
                "score": None, "reliability": comp.get("reliability", group.get("reliability")),
                "basis": comp.get("basis"), "reason": comp.get("reason"),
            }
            if row["computable"]:
                figure = figures[comp["measure"]]
                row.update(numerator=figure.numerator, denominator=figure.denominator,
                           ratio=figure.value)
                row["score"] = capped_linear(figure.value, row["max"], float(comp["threshold"]))
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
        total_max=float(cfg["total_max"]), status=str(cfg["status"]),
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


def estimate_766(analysis: Analysis, scope: str = "period") -> Index766Estimate:
    """The QĐ 766 estimate of the analysis' window (``period``) or year to date (``ytd``)."""
    key = f"index766.{scope}"
    if key not in analysis.extras:
        analysis.extras[key] = estimate(scope_frames(analysis, scope), analysis.data)
    return analysis.extras[key]
