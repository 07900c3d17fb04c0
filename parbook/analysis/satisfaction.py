"""SIPAS-style satisfaction from the commune's surveys — an approximation (regulations §7.1).

Per element of QĐ 2640/QĐ-BNV (tiếp cận dịch vụ, thủ tục hành chính, công chức, kết quả, tiếp
nhận PAKN): the share of ratings 4–5 among valid ratings 1–5, beside the national figures of
data/reference/sipas.yaml; and the distribution of ratings (overall included). The official
SIPAS formula is not verified, so every output carries the configuration's ``status`` label.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from pydantic import field_validator

from parbook.analysis.measures import SATISFIED_MIN, Ratio, rating_values, satisfaction_masks
from parbook.store.db import SURVEY_ELEMENTS
from parbook.store.settings import Strict, reference
from parbook.timeline.scope import Facts

RATINGS = (1, 2, 3, 4, 5)


class Element(Strict):
    name_vi: str
    national_2023: float | None = None
    national_2024: float | None = None


class SipasConfig(Strict):
    """sipas.yaml: the label of the approximation, the rating scale, the elements with the
    national figures, and the national index by year."""

    status: str
    scale: dict[int, str]
    elements: dict[str, Element]
    overall: Element
    national_index: dict[int, float] = {}

    @field_validator("elements")
    @classmethod
    def _the_five_elements(cls, value: dict[str, Element]) -> dict[str, Element]:
        if set(value) != set(SURVEY_ELEMENTS):
            raise ValueError(f"cần đúng 5 yếu tố (the five elements): {', '.join(SURVEY_ELEMENTS)}")
        return value


def config() -> SipasConfig:
    """The SIPAS configuration (data/reference/sipas.yaml)."""
    return reference("sipas.yaml", SipasConfig)


def _name(element: str) -> str:
    cfg = config()
    spec = cfg.elements.get(element) or (cfg.overall if element == "overall" else None)
    return spec.name_vi if spec else element


def satisfaction_by_element(surveys: pd.DataFrame) -> pd.DataFrame:
    """Per element: valid ratings, ratings ≥ 4, their share, national 2023/2024 and the gap."""
    long = rating_values(surveys)
    elements = config().elements
    rows = []
    for element in SURVEY_ELEMENTS:
        ratings = long.loc[long["element"] == element, "rating"]
        r = Ratio(float((ratings >= SATISFIED_MIN).sum()), float(len(ratings)))
        national = elements[element].national_2023
        rows.append({
            "element": element, "name_vi": _name(element), "n_ratings": int(r.denominator or 0),
            "n_satisfied": int(r.numerator), "rate": r.value,
            "national_2023": national, "national_2024": elements[element].national_2024,
            "gap_2023": None if r.value is None or national is None else r.value - national,
        })
    out = pd.DataFrame(rows)
    for col in ("rate", "national_2023", "national_2024", "gap_2023"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    return out


def rating_distribution(surveys: pd.DataFrame) -> pd.DataFrame:
    """Counts of each rating 1–5 per element (overall included), plus missing/invalid ones."""
    rows = []
    for element in (*SURVEY_ELEMENTS, "overall"):
        values = pd.to_numeric(surveys[element], errors="coerce")
        row: dict[str, Any] = {"element": element, "name_vi": _name(element)}
        for rating in RATINGS:
            row[rating] = int((values == rating).sum())
        row["invalid"] = int((values.notna() & ~values.isin(RATINGS)).sum())
        row["missing"] = int(values.isna().sum())
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass
class SatisfactionSummary:
    """Satisfaction of one scope: pooled share, per element, distribution, label."""

    scope: str
    n_surveys: int
    pooled: Ratio
    by_element: pd.DataFrame
    distribution: pd.DataFrame
    status: str
    scale: dict[int, str]


def summarise(surveys: pd.DataFrame, scope: str = "period") -> SatisfactionSummary:
    """The summary of a frame of surveys."""
    cfg = config()
    return SatisfactionSummary(
        scope=scope, n_surveys=len(surveys), pooled=Ratio.of(satisfaction_masks(surveys)),
        by_element=satisfaction_by_element(surveys), distribution=rating_distribution(surveys),
        status=cfg.status, scale=dict(cfg.scale),
    )


def satisfaction_summary(facts: Facts, scope: str = "period") -> SatisfactionSummary:
    """The summary of the surveys dated in the window (``period``) or the year to date."""
    return summarise(facts.of(scope).surveys, scope)
