"""Random dossiers: the indicators agree with Biểu 06 (counted by independent code in
parbook.analysis.forms) and with themselves across scopes."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parbook.analysis.forms import bieu06
from parbook.analysis.indicators import compute_indicators
from parbook.analysis.scores import tt01_scores
from parbook.analysis.tt01 import evaluate_tt01
from parbook.timeline import scope
from parbook.timeline.periods import Window
from tests.builders import dossier, event, unit_data

BASE = datetime(2024, 3, 1, 8, 0)
day = st.integers(min_value=0, max_value=220)


@st.composite
def dossier_rows(draw):
    n = draw(st.integers(min_value=0, max_value=25))
    rows, events = [], []
    for i in range(n):
        received = BASE + timedelta(days=draw(day), hours=draw(st.integers(0, 9)))
        due = received + timedelta(days=draw(st.integers(0, 12)))
        status = draw(st.sampled_from(["processing", "done", "done", "rejected", "withdrawn"]))
        finished = (received + timedelta(days=draw(st.integers(0, 20)))
                    if status != "processing" else None)
        code = f"D{i:03}"
        rows.append(dossier(
            code, received=f"{received:%Y-%m-%d %H:%M}",
            due=None if draw(st.booleans()) and draw(st.booleans()) else f"{due:%Y-%m-%d}",
            finished=finished and f"{finished:%Y-%m-%d %H:%M}", status=status,
            channel=draw(st.sampled_from(["direct", "online", "postal", None]))))
        for k in range(draw(st.integers(0, 2))):
            events.append(event(code, "supplement_request",
                                f"{received + timedelta(hours=k + 1):%Y-%m-%d %H:%M}"))
    return rows, events


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dossier_rows(), st.sampled_from(["2024-Q2", "2024-Q3"]), st.integers(0, 40))
def test_indicators_agree_with_bieu06(case, period, as_of_shift) -> None:
    rows, events = case
    w = Window.parse(period)
    window = Window.parse(period, as_of=w.end + timedelta(days=as_of_shift))
    facts = scope.build(unit_data(rows, events), window)
    frame = compute_indicators(facts, tt01_scores(facts)).frame.set_index(["indicator_id", "scope"])
    total = bieu06(facts.period.dossiers).set_index("field").loc["TOTAL"]

    def get(i, scope="period"):
        return frame.loc[(i, scope)]

    ontime = get("ontime_rate")
    assert ontime["numerator"] == total["early"] + total["on_time"]
    assert ontime["denominator"] >= total["settled_total"]
    assert get("ontime_rate_766")["denominator"] == ontime["denominator"] + total["pending_total"]
    assert get("online_rate")["numerator"] == total["received_online"]
    assert get("online_rate")["denominator"] >= total["received_total"] - total["carried_over"]
    assert get("apology_coverage")["denominator"] == total["late"] + total["pending_overdue"]
    i1 = evaluate_tt01(facts).indicators.set_index("indicator").loc[1, "n_dossiers"]
    assert (i1 or 0) == total["settled_total"]
    for (indicator_id, _scope), r in frame.iterrows():
        if indicator_id not in ("multi_supplement_count", "tt01_total") and not math.isnan(r["value"]):
            assert 0 <= r["value"] <= 1 and r["numerator"] <= r["denominator"]
    for indicator_id in ("ontime_rate", "ontime_rate_766", "online_rate", "multi_supplement_count"):
        period_row, ytd_row = get(indicator_id), get(indicator_id, "ytd")
        assert ytd_row["numerator"] >= period_row["numerator"]
        if not math.isnan(period_row["denominator"]):
            assert ytd_row["denominator"] >= period_row["denominator"]
