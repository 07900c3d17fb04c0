"""QĐ 766 estimate: capped linear scoring, hand-computed components, configuration sanity."""

from __future__ import annotations

import math

import pytest

from parbook.analysis.index766 import capped_linear, config, estimate_766, group_totals
from parbook.timeline import scope
from parbook.timeline.periods import Window
from tests.builders import UNIT, dossier, event, unit_data


@pytest.mark.parametrize("ratio,maximum,threshold,expected", [
    (0.4, 4, 0.8, 2.0), (0.8, 4, 0.8, 4.0), (0.95, 4, 0.8, 4.0), (0.5, 20, 1.0, 10.0),
    (0.0, 6, 0.5, 0.0), (None, 6, 0.5, None),
])
def test_capped_linear(ratio, maximum, threshold, expected) -> None:
    assert capped_linear(ratio, maximum, threshold) == expected


def test_capped_linear_rejects_a_zero_threshold() -> None:
    with pytest.raises(ValueError):
        capped_linear(0.5, 6, 0)


def test_configuration_adds_up() -> None:
    cfg = config()
    assert sum(g.max for g in cfg.groups) == cfg.total_max == 100
    for group in cfg.groups:
        assert sum(c.max for c in group.components) == group.max, group.id
        for comp in group.components:
            assert comp.computable == (comp.measure is not None), comp.id
            assert comp.basis or comp.reason, comp.id
    computable = {c.id for g in cfg.groups for c in g.components if c.computable}
    assert computable == {"2.1", "3.3", "4.1", "4.2", "5.2", "5.3", "5.4"}
    assert "ƯỚC TÍNH" in cfg.status
    names = {c.id: c.name_vi for g in cfg.groups for c in g.components}
    assert names["1.2"] == "Cập nhật, công khai TTHC đúng hạn trên CSDL quốc gia"   # not cut at ","


def _case():
    done = {"due": "2024-07-03", "status": "done"}
    data = unit_data([
        dossier("A", finished="2024-07-02 09:00", channel="online", digitized=True,
                electronic_result=True, **done),
        dossier("B", finished="2024-07-03 09:00", **done),          # on time, 2 requests
        dossier("C", finished="2024-07-04 09:00", **done),          # late
        dossier("D", due="2024-09-20"),                             # pending within
    ], [event("B", "supplement_request", "2024-07-01 10:00"),
        event("B", "supplement_request", "2024-07-01 11:00")],
        feedback=[
            {"feedback_id": "P1", "unit_code": UNIT, "received_at": "2024-07-01 09:00",
             "resolved_at": "2024-07-05 09:00", "in_scope": True, "satisfied": True},
            {"feedback_id": "P2", "unit_code": UNIT, "received_at": "2024-07-01 09:00",
             "resolved_at": "2024-08-30 09:00", "in_scope": True},
            {"feedback_id": "P3", "unit_code": UNIT, "received_at": "2024-07-01 09:00",
             "resolved_at": "2024-07-05 09:00", "in_scope": True, "satisfied": False},
        ],
        surveys=[{"survey_id": "S1", "dossier_code": "A", "surveyed_at": "2024-07-03 10:00",
                  "overall": 2}])
    return scope.build(data, Window.parse("2024-Q3"))


def test_hand_computed_components() -> None:
    est = estimate_766(_case())
    t = est.components.set_index("component")
    expected = {
        "2.1": (0.5, 10.0),          # (A + pending D) ÷ (A, B, C + D); B has two requests
        "3.3": (0.25, 3.0),          # 1 online of 4 received; full marks at 50%
        "4.1": (1 / 3, 2.0),         # 1 electronic of 3 done
        "4.2": (0.25, 1.25),         # 4 × 0.25 ÷ 0.8
        "5.2": (2 / 3, 4.0),         # P1, P3 on time of 3
        "5.3": (1 / 3, 2.0),         # P2 overdue, P3 dissatisfied
        "5.4": (0.25, 6 * 0.25 / 0.9),  # 1 − (2 late + 1 disliked (A)) ÷ 4
    }
    for comp, (ratio, score) in expected.items():
        assert t.loc[comp, "ratio"] == pytest.approx(ratio), comp
        assert t.loc[comp, "score"] == pytest.approx(score), comp
    assert est.score == pytest.approx(sum(s for _, s in expected.values()))
    assert est.computed_max == 54 and est.total_max == 100
    assert set(est.missing["component"]) >= {"1.1", "3.1", "3.6", "4.4"}
    assert est.share_of_computed == pytest.approx(est.score / 54)
    groups = group_totals(est).set_index("group")
    assert groups.loc["2", "score"] == 10 and math.isnan(groups.loc["1", "score"])
    assert groups.loc["5", "computed_max"] == 18


def test_component_without_data_is_missing_with_a_reason() -> None:
    est = estimate_766(scope.build(unit_data([dossier("A", due="2024-09-20")]),
                                   Window.parse("2024-Q3")))
    t = est.components.set_index("component")
    assert math.isnan(t.loc["5.2", "score"]) and "không có dữ liệu" in t.loc["5.2", "reason"]
    assert t.loc["2.1", "score"] == 20                     # pending within only
