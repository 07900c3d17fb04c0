"""SIPAS-style satisfaction approximation: per element, distribution, pooled share."""

from __future__ import annotations

import math

from parbook.analysis.indicators import compute_indicators
from parbook.analysis.satisfaction import satisfaction_summary
from parbook.analysis.scores import tt01_scores
from parbook.store.db import SURVEY_ELEMENTS
from parbook.timeline import scope
from parbook.timeline.periods import Window
from tests.builders import dossier, unit_data


def _survey(sid, ratings, overall):
    return {"survey_id": sid, "dossier_code": "A", "surveyed_at": "2024-07-02 09:00",
            "overall": overall, **dict(zip(SURVEY_ELEMENTS, ratings, strict=True))}


def test_by_element_distribution_and_pooled_share() -> None:
    a = scope.build(unit_data([dossier("A")], surveys=[
        _survey("S1", (5, 4, 3, 2, None), 5),
        _survey("S2", (4, 2, 5, 9, None), 3),
        _survey("S3", (3, 5, 4, 4, None), 0),
    ]), Window.parse("2024-Q3"))
    s = satisfaction_summary(a)
    assert s.n_surveys == 3 and "XẤP XỈ" in s.status and s.scale[4] == "Hài lòng"
    el = s.by_element.set_index("element")
    assert el.loc["access", ["n_ratings", "n_satisfied"]].tolist() == [3, 2]
    assert el.loc["result", ["n_ratings", "n_satisfied"]].tolist() == [2, 1]     # 9 invalid
    assert el.loc["access", "rate"] == 2 / 3
    assert el.loc["access", "gap_2023"] == 2 / 3 - 0.83
    assert el.loc["feedback_handling", "n_ratings"] == 0
    assert math.isnan(el.loc["feedback_handling", "rate"])
    assert el.loc["staff", "name_vi"] == "Công chức giải quyết công việc"
    dist = s.distribution.set_index("element")
    assert dist.loc["access", [1, 2, 3, 4, 5]].tolist() == [0, 0, 1, 1, 1]
    assert dist.loc["result", "invalid"] == 1 and dist.loc["feedback_handling", "missing"] == 3
    assert dist.loc["overall", [3, 5, "invalid"]].tolist() == [1, 1, 1]
    # pooled over the five elements: (2 + 2 + 2 + 1) ÷ (3 + 3 + 3 + 2) = 7/11
    assert (s.pooled.numerator, s.pooled.denominator) == (7, 11)
    frame = compute_indicators(a, tt01_scores(a)).frame
    rate = frame[(frame.indicator_id == "satisfaction_rate") & (frame.scope == "period")].iloc[0]
    assert rate.value == s.pooled.value
