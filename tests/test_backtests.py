"""Backtests: the published arithmetic of regulations.md §11, reproduced with the rate function
whose denominator is a parameter (plan R12), and once through the whole facts pipeline."""

from __future__ import annotations

import pytest

from parbook.analysis.forms import bieu06
from parbook.analysis.indicators import compute_indicators, ontime_rate_bases
from parbook.analysis.rates import VolumeCounts, rate_on_base
from parbook.analysis.scores import tt01_scores
from parbook.timeline import scope
from parbook.timeline.periods import Window
from parbook.vnformat import percent as format_percent
from parbook.vnformat import round_half_up
from tests.builders import dossier, unit_data

# Vĩnh Phúc, huyện + xã, 21/7–20/8/2021 (Báo cáo 19/BC-TTPVHCC)
VP = VolumeCounts(received=19_630, early=19_255, pending_overdue=689)
VP_WITHDRAWN = 16


def test_vinh_phuc_denominator_is_dossiers_falling_due() -> None:
    assert VP.base("due") == 19_944
    ontime = rate_on_base(19_255, VP, "due")
    assert (ontime.numerator, ontime.denominator) == (19_255, 19_944)
    assert format_percent(ontime.value, 2) == "96,55%"
    assert format_percent(rate_on_base(689, VP, "due").value, 2) == "3,45%"
    # the other base would have given 98,09%: the published figure is not on received
    assert format_percent(rate_on_base(19_255, VP, "received").value, 2) == "98,09%"
    for base in ("due", "received"):
        assert format_percent(rate_on_base(VP_WITHDRAWN, VP, base).value, 2) == "0,08%"


# Thừa Thiên Huế DVC statistics (cumulative): Tổng, Đã xử lý, Chưa xử lý, Trước, Đúng, Trễ hạn
HUE = {
    "Mức 1, 2": (268_763, 257_141, 11_622, 124_907, 102_770, 19_852, ("48,6%", "40,0%", "7,7%")),
    "Mức 3": (68_544, 61_827, 6_717, 43_434, 11_795, 4_331, ("70,3%", "19,1%", "7,0%")),
    "Mức 4": (1_665, 1_611, 54, 952, 388, 268, ("59,1%", "24,1%", "16,6%")),
}


@pytest.mark.parametrize("level", list(HUE))
def test_hue_portal_shares_use_dossiers_processed(level: str) -> None:
    total, processed, pending, early, on_time, late, published = HUE[level]
    assert total == processed + pending
    counts = VolumeCounts(settled=processed, early=early, on_time=on_time, late=late)
    shares = [format_percent(rate_on_base(n, counts, "settled").value, 1)
              for n in (early, on_time, late)]
    assert shares == list(published)
    # the published "processed" exceeds early + on time + late: the base must be explicit
    assert early + on_time + late < counts.base("settled") == processed


def test_hue_headline_figure() -> None:
    counts = VolumeCounts(settled=257_141, early=124_907, on_time=102_770, late=19_852)
    r = rate_on_base(124_907, counts, "settled")
    assert round_half_up(r.value * 100, 1) == 48.6


def test_unknown_base_is_refused() -> None:
    with pytest.raises(ValueError):
        VP.base("returned")


def test_vinh_phuc_figures_through_the_facts_pipeline() -> None:
    """19.944 dossiers falling due built as real rows: 314 carried over and 18.941 new ones
    settled on time, 689 new ones overdue, and 16 withdrawn outside every rate."""
    on_time = dict(due="2024-07-10", finished="2024-07-10 09:00", status="done")
    rows = [dossier(f"C{i:05}", received="2024-06-10 09:00", **on_time) for i in range(314)]
    rows += [dossier(f"N{i:05}", received="2024-07-01 09:00", **on_time) for i in range(18_941)]
    rows += [dossier(f"O{i:05}", received="2024-07-01 09:00", due="2024-07-10")
             for i in range(689)]
    rows += [dossier(f"W{i:05}", received="2024-07-01 09:00", due="2024-07-10",
                     finished="2024-07-02 09:00", status="withdrawn") for i in range(16)]
    a = scope.build(unit_data(rows), Window.parse("2024-Q3"))
    bases = ontime_rate_bases(a.period).set_index("base")
    assert bases.loc["due", ["numerator", "denominator"]].tolist() == [19_255, 19_944]
    assert format_percent(bases.loc["due", "value"], 2) == "96,55%"
    assert bases.loc["received", "denominator"] == 19_630
    assert format_percent(bases.loc["received", "value"], 2) == "98,09%"
    frame = compute_indicators(a, tt01_scores(a)).frame
    rate = frame[(frame.indicator_id == "ontime_rate") & (frame.scope == "period")].iloc[0]
    assert (rate.numerator, rate.denominator) == (19_255, 19_255)     # settled base: 100%
    r766 = frame[(frame.indicator_id == "ontime_rate_766") & (frame.scope == "period")].iloc[0]
    assert (r766.numerator, r766.denominator) == (19_255, 19_944)     # the 766 reading agrees
    assert bieu06(a.period.dossiers).set_index("field").loc["TOTAL", "carried_over"] == 314
