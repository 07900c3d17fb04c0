"""A figure is counted the same way everywhere: every count and ratio that the district report's
prose, charts and appendices print for an indicator equals that indicator's row of indicators.csv,
or the Biểu 06 cell it names — on the demo commune and on a fixture with withdrawn, carried-over
and pending dossiers evaluated at an as-of date before the window end."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

from parbook.analysis.indicators import ontime_by_month
from parbook.contract import TOTAL
from parbook.demo import write_demo
from parbook.pipeline import analyse, analyse_data
from parbook.report import chartdata, narrative
from parbook.report.tables import html_prose
from parbook.timeline.periods import Window
from parbook.vnformat import number, percent
from tests.builders import dossier, event, unit_data

# "95,3% (812/852)" or a bare "812/852"; dates (14/09/2024) are not fractions
FRACTION = re.compile(r"(?:(\d{1,3}(?:,\d)?%) )?\((\d[\d.]*)/(\d[\d.]*)\)"
                      r"|(?<![\d/,])(\d[\d.,]*)/(\d[\d.]*)(?![\d/])")
LEGAL_PREFIXES = ("TT ", "NĐ ", "QĐ ")


def _fixture_analysis():
    """2024-Q3 (15/6–14/9) as of 31/8: carried-over, withdrawn, settled early/late, pending."""
    rows = [
        dossier("CARRIED-DONE", received="2024-06-10 09:00", due="2024-06-12",
                finished="2024-06-20 09:00", status="done", returned_at="2024-06-20 10:00"),
        dossier("CARRIED-OPEN", received="2024-06-11 09:00", due="2024-06-13"),
        dossier("EARLY", received="2024-07-01 09:00", due="2024-07-03",
                finished="2024-07-02 09:00", status="done", channel="online",
                returned_at="2024-07-02 10:00"),
        dossier("ON-TIME", received="2024-07-01 09:00", due="2024-07-03",
                finished="2024-07-03 09:00", status="done", channel="postal"),
        dossier("LATE", received="2024-07-01 09:00", due="2024-07-03",
                finished="2024-07-08 09:00", status="done"),
        dossier("WITHDRAWN", received="2024-07-01 09:00", due="2024-07-03", channel="online",
                finished="2024-07-02 09:00", status="withdrawn"),
        dossier("WITHDRAWN-2", received="2024-08-01 09:00", due="2024-08-05", channel="online",
                finished="2024-08-02 09:00", status="withdrawn"),
        dossier("PENDING", received="2024-08-26 09:00", due="2024-09-10", channel="online"),
        dossier("OVERDUE", received="2024-08-01 09:00", due="2024-08-05"),
        dossier("AFTER-ASOF", received="2024-09-05 09:00", due="2024-09-09"),
        dossier("NO-DUE", received="2024-07-01 09:00", due=None,        # HS03: no timeliness
                finished="2024-07-02 09:00", status="done"),
    ]
    events = [event("LATE", "apology", "2024-07-02 09:00")]
    surveys = [{"survey_id": "S1", "dossier_code": "EARLY", "surveyed_at": "2024-07-02 11:00",
                "access": 5, "procedure": 4, "staff": 3, "result": 5, "feedback_handling": 2}]
    return analyse_data(unit_data(rows, events, surveys=surveys),
                Window.parse("2024-Q3", as_of="2024-08-31"))


@pytest.fixture(scope="module")
def demo_analysis(tmp_path_factory: pytest.TempPathFactory):
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite'}"
    result = write_demo(url)
    return analyse(result.unit_code, Window.parse("2024-Q4"), url)


@pytest.fixture(params=["fixture", "demo"])
def analysis(request: pytest.FixtureRequest):
    return _fixture_analysis() if request.param == "fixture" else request.getfixturevalue(
        "demo_analysis")


def _text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


def _int(text: str) -> int:
    return int(text.replace(".", ""))


def _report_text(a) -> str:
    sections = [narrative.direction(a), narrative.dossier_results(a), narrative.process_results(a),
                narrative.quality_results(a), narrative.satisfaction_results(a),
                narrative.feedback_results(a), narrative.check_results(a), narrative.shortcomings(a)]
    parts = [html_prose(blocks) for blocks in sections] + [narrative.indicators_html(a)]
    return _text(" ".join(parts))


def _tt01_fractions(a) -> set[tuple[str, str]]:
    """The TT 01/2018 fractions the report prints: total/maximum, the total brought to 18
    points, the target on 18 points, the indicators evaluated of 9."""
    out = set()
    for scope in ("period", "ytd"):
        e = a.scores.tt01[scope]
        if e.total is not None:
            out |= {(number(e.total, 1), str(e.max_total)), (number(e.full_scale_total, 1), "18")}
        out.add((str(e.evaluated), "9"))
    target = a.indicators.figure("tt01_total").target
    out.add((number(target), "18"))
    return out


def _pairs(ind: pd.DataFrame) -> set[tuple[int, int]]:
    known = ind.dropna(subset=["numerator", "denominator"])
    return {(int(n), int(d)) for n, d in zip(known["numerator"], known["denominator"], strict=True)}


def test_every_printed_ratio_is_an_indicator_row(analysis) -> None:
    text = _report_text(analysis)
    pairs = _pairs(analysis.indicators.frame)
    tt01 = _tt01_fractions(analysis)
    found = 0
    for m in FRACTION.finditer(text):
        if text[max(0, m.start() - 3):m.start()] in LEGAL_PREFIXES or text[m.end():].startswith(
                ("/NĐ", "/TT", "/QĐ")):
            continue                                  # "TT 01/2018": a legal text, not a ratio
        shown, a, b = (m.group(1), m.group(2), m.group(3)) if m.group(2) else (None, m.group(4),
                                                                                m.group(5))
        if text[m.end():].startswith((" điểm", " chỉ số")):
            assert (a, b) in tt01, (m.group(0), text[max(0, m.start() - 80):m.end() + 20])
            continue
        num, den = _int(a), _int(b)
        assert (num, den) in pairs, (m.group(0), text[max(0, m.start() - 80):m.end()])
        if shown:
            assert shown == percent(num / den), m.group(0)
        found += 1
    assert found >= 5


def test_every_printed_sum_adds_up(analysis) -> None:
    """'685 = 676 hồ sơ … + 10 hồ sơ … − 1 hồ sơ …': the terms a reader adds give the total."""
    text = _text(html_prose(narrative.dossier_results(analysis)))
    sums = 0
    for m in re.finditer(r"([\d.]+) = ((?:[\d.]+[^=;+−]*?[+−] )+[\d.]+)", text):
        terms = re.findall(r"([+−]?) ?([\d.]+)", m.group(2))
        value = sum((-1 if sign == "−" else 1) * _int(n) for sign, n in terms)
        assert value == _int(m.group(1)), m.group(0)
        sums += 1
    ontime = analysis.indicators.figure("ontime_rate_766")
    assert sums >= (1 if ontime.known else 0)


def test_tt01_class_is_on_the_indicators_evaluated(analysis) -> None:
    """A class on thresholds scaled to the maximum reached, or no class below the minimum."""
    e = analysis.scores.tt01["period"]
    text = _text(html_prose(narrative.quality_results(analysis)))
    if e.total is None:
        assert "Chưa đủ dữ liệu" in text
    elif e.class_label is None:
        assert "Chưa đủ căn cứ xếp loại" in text
    else:
        assert f"{number(e.total, 1)}/{e.max_total} điểm" in text and e.class_label in text
        if e.max_total < 18:
            assert f"{number(e.full_scale_total, 1)} điểm" in text


def test_a_rate_base_beyond_bieu06_is_explained(analysis) -> None:
    """Settled dossiers without a due date count in the on-time base but in no Biểu 06 column:
    the report says how many, so that its two figures reconcile."""
    total = analysis.forms.bieu06.set_index("field").loc[TOTAL]
    extra = int(analysis.indicators.figure("ontime_rate").denominator) - int(total["settled_total"])
    text = _text(html_prose(narrative.dossier_results(analysis)))
    clause = re.search(r"nhiều hơn số ở Biểu 06 ([\d.]+) hồ sơ", text)
    if extra:
        assert clause and _int(clause.group(1)) == extra, text
    else:
        assert clause is None


def test_the_dossier_sentence_equals_bieu06(analysis) -> None:
    total = analysis.forms.bieu06.set_index("field").loc[TOTAL]
    text = _text(html_prose(narrative.dossier_results(analysis)))
    m = re.search(r"Tổng số hồ sơ nhận giải quyết: ([\d.]+) hồ sơ \(tiếp nhận trực tuyến ([\d.]+); "
                  r"trực tiếp và qua dịch vụ bưu chính công ích ([\d.]+); từ kỳ trước chuyển sang "
                  r"([\d.]+)\)\. Đã giải quyết ([\d.]+) hồ sơ \(trước hạn ([\d.]+), đúng hạn ([\d.]+), "
                  r"quá hạn ([\d.]+)\); đang giải quyết ([\d.]+) hồ sơ \(trong hạn ([\d.]+), quá hạn "
                  r"([\d.]+)\)", text)
    assert m, text
    cells = ["received_total", "received_online", "received_direct_postal", "carried_over",
             "settled_total", "early", "on_time", "late", "pending_total", "pending_within",
             "pending_overdue"]
    assert [_int(g) for g in m.groups()] == [int(total[c]) for c in cells]


def _row(ind: pd.DataFrame, indicator_id: str, scope: str = "period") -> tuple[float, float]:
    r = ind[(ind["indicator_id"] == indicator_id) & (ind["scope"] == scope)].iloc[0]
    return r["numerator"], r["denominator"]


def test_charts_count_what_the_indicators_count(analysis) -> None:
    ind = analysis.indicators.frame
    dossiers = analysis.facts.period.dossiers
    channels = chartdata.channel_counts(dossiers).set_index("channel")["count"]
    online, received = _row(ind, "online_rate")
    assert channels.sum() == received and channels.get("Trực tuyến", 0) == online
    total = analysis.forms.bieu06.set_index("field").loc[TOTAL]
    known_channel = channels.drop("Không rõ", errors="ignore").sum()
    assert known_channel == total["received_online"] + total["received_direct_postal"]
    late = chartdata.late_by_field(dossiers)
    assert late["total"].sum() == _row(ind, "apology_coverage")[1]
    assert late["settled_late"].sum() == total["late"]
    assert late["pending_overdue"].sum() == total["pending_overdue"]
    months = ontime_by_month(analysis.facts.ytd)
    assert (months["numerator"].sum(), months["denominator"].sum()) == _row(ind, "ontime_rate", "ytd")
    by_element = analysis.scores.satisfaction["period"].by_element
    assert (by_element["n_satisfied"].sum(), by_element["n_ratings"].sum()) == _row(
        ind, "satisfaction_rate")


def test_the_fixture_counts_are_the_hand_counted_ones() -> None:
    """The fixture's figures, counted by hand (not by the code under test)."""
    a = _fixture_analysis()
    ind = a.indicators.frame
    # received in window by 31/8, not withdrawn: EARLY, ON-TIME, LATE, PENDING, OVERDUE, NO-DUE
    assert _row(ind, "online_rate") == (2, 6)
    # settled in window: CARRIED-DONE (late), EARLY, ON-TIME, LATE, NO-DUE (no timeliness) → 2 of
    # 5 early/on time
    assert _row(ind, "ontime_rate") == (2, 5)
    total = a.forms.bieu06.set_index("field").loc[TOTAL]
    assert (total["received_total"], total["carried_over"], total["pending_total"]) == (8, 2, 3)
    # NO-DUE is in no timeliness column of Biểu 06: settled there are the other four
    assert (total["settled_total"], total["early"], total["on_time"], total["late"]) == (4, 1, 1, 2)
