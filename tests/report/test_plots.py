"""Charts: one style, a font with every Vietnamese glyph, figures built from the documented frames."""

from __future__ import annotations

import warnings

import matplotlib
import pandas as pd
from matplotlib.font_manager import FontProperties, findfont

from parbook.report import chartdata, plots
from tests.builders import dossier, unit_data

GLYPHS = "ư ơ ạ ế Ư Ơ Ạ Ế ỹ đ Đ"


def test_font_resolves_to_liberation_serif_and_draws_vietnamese() -> None:
    with plots.styled():
        path = findfont(FontProperties(family=matplotlib.rcParams["font.serif"]), fallback_to_default=False)
    assert "LiberationSerif" in path and plots.covers_vietnamese(path)
    fig, ax = plots._figure()
    with plots.styled():
        ax.set_title(GLYPHS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # "Glyph … missing from font" would raise
        png = plots.to_png(fig)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_charts_from_frames_are_deterministic() -> None:
    monthly = pd.DataFrame({"month": pd.PeriodIndex(["2024-07", "2024-08"], freq="M"),
                            "value": [0.97, 0.91], "denominator": [120.0, 80.0]})
    fig = plots.ontime_chart(monthly, 0.95)
    assert fig.axes[0].get_title() == "", "the report numbers and captions its charts"
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["T7\n2024", "T8"]
    assert "ngày 15 tháng trước đến ngày 14" in fig.axes[0].get_xlabel()
    assert all("%" in t.get_text() and "hs" not in t.get_text() for t in fig.axes[0].texts
               if t.get_text())
    assert plots.to_png(fig) == plots.to_png(plots.ontime_chart(monthly, 0.95))
    by_element = pd.DataFrame({"name_vi": ["Tiếp cận dịch vụ", "Công chức"], "rate": [0.9, 0.8],
                               "n_ratings": [10, 0]})
    fig = plots.satisfaction_chart(by_element, 0.9)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["Tiếp cận dịch vụ"]
    empty = plots.criteria_gaps_chart(pd.DataFrame({"name": [], "gap": []}))
    assert any("Không có" in t.get_text() for t in empty.axes[0].texts)


def test_chart_data_from_facts() -> None:
    from parbook.timeline import scope
    from parbook.timeline.periods import Window

    rows = [
        dossier("A", due="2024-07-03", finished="2024-07-04 08:00", status="done"),          # late
        dossier("B", due="2024-07-03", finished="2024-07-02 08:00", status="done", channel="online"),
        dossier("C", received="2024-08-01 09:00", due="2024-08-05"),                          # overdue
        dossier("D", procedure="9.9", due="2024-07-03", finished="2024-07-05 08:00", status="done"),
    ]
    facts = scope.build(unit_data(rows), Window.parse("2024-Q3")).period.dossiers
    channels = chartdata.channel_counts(facts)
    assert dict(zip(channels["channel"], channels["count"], strict=True)) == {"Trực tiếp": 3, "Trực tuyến": 1}
    late = chartdata.late_by_field(facts).set_index("field")
    assert late.loc["Chứng thực", "settled_late"] == 1 and late.loc["Chứng thực", "pending_overdue"] == 1
    assert late.loc["Không xác định", "total"] == 1


def test_seaborn_rc_is_what_seaborn_sets() -> None:
    import seaborn as sns

    rc = dict(sns.axes_style("whitegrid"))
    rc.update(sns.plotting_context("paper", font_scale=1.15))
    assert plots.SEABORN_RC == rc


def test_the_notebooks_do_not_import_seaborn() -> None:
    import subprocess
    import sys

    code = "import sys, parbook.report.notebook; print('seaborn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
