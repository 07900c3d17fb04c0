"""PAR self-assessment: criteria validation, score bands at their boundaries, scoring, gaps."""

from __future__ import annotations

import doctest
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import parbook.plan.assessment
from parbook.contract import INDICATOR_COLUMNS, INDICATOR_IDS
from parbook.plan.assessment import (
    Band,
    CriteriaError,
    largest_gaps,
    load_criteria,
    par_assessment,
    par_totals,
    score_bands,
)
from parbook.timeline.periods import Window
from tests.builders import UNIT, dossier, unit_data

CRITERIA = """
code: thu
title: "Bộ tiêu chí thử"
template: false
total_max: 10
nodes:
  - id: "1"
    name: "Cải cách TTHC"
    max: 6
    section: BPMC
    children:
      - id: "1.1"
        name: "Đúng hạn"
        max: 4
        requirements: [R12]
        auto:
          indicator: ontime_rate
          scope: ytd
          bands:
            - {above: 0.95, points: 4}
            - {at_least: 0.95, points: 3}
            - {at_least: 0.80, points: 1}
      - id: "1.2"
        name: "Công khai TTHC"
        max: 2
        children:
          - id: "1.2.1"
            name: "Niêm yết"
            max: 1
          - id: "1.2.2"
            name: "Điện tử"
            max: 1
            section: VP-TK
  - id: "2"
    name: "Công vụ"
    max: 4
    section: VP-TK
    children:
      - id: "2.1"
        name: "Bổ sung nhiều lần"
        max: 2
        auto:
          indicator: multi_supplement_count
          scope: period
          bands:
            - {at_most: 0, points: 2}
            - {below: 3, points: 1}
      - id: "2.2"
        name: "Kỷ luật"
        max: 2
"""


def write(tmp_path: Path, text: str, name: str = "c.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def indicators(rows: list[tuple[str, str, float | None, float | None, float | None]]) -> pd.DataFrame:
    """(indicator_id, scope, numerator, denominator, value) rows in the §7 frame."""
    return pd.DataFrame([{"indicator_id": i, "scope": s, "numerator": n, "denominator": d,
                          "value": v, "target": None, "met": None} for i, s, n, d, v in rows],
                        columns=INDICATOR_COLUMNS)


def analysis(ind: pd.DataFrame, scores: list[dict] | None = None, period: str = "2024-Q3"
             ) -> tuple[pd.DataFrame, int, pd.DataFrame]:
    """The inputs of par_assessment: the unit's self_scores, the window's year, the indicators."""
    data = unit_data([dossier("A")], self_scores=scores)
    return data.self_scores, Window.parse(period).year, ind


def score(criterion: str, value: float | None, evidence: str | None = "QĐ 1/QĐ-UBND",
          year: int = 2024) -> dict:
    return {"unit_code": UNIT, "year": year, "criterion_id": criterion, "score": value,
            "evidence": evidence}


# ── bands ────────────────────────────────────────────────────────────────────────────────────────
HIGHER = (Band("above", 0.95, 4), Band("at_least", 0.95, 3), Band("at_least", 0.8, 1))
LOWER = (Band("at_most", 0, 2), Band("below", 3, 1))


@pytest.mark.parametrize("value,points", [
    (1.0, 4), (0.9501, 4), (0.95, 3), (0.9499, 1), (0.8, 1), (0.7999, 0), (0.0, 0),
])
def test_higher_bands_at_their_boundaries(value: float, points: float) -> None:
    assert score_bands(HIGHER, value) == points


@pytest.mark.parametrize("value,points", [(0, 2), (1, 1), (2.999, 1), (3, 0), (7, 0)])
def test_lower_bands_at_their_boundaries(value: float, points: float) -> None:
    assert score_bands(LOWER, value) == points


def test_template_file_is_valid_labelled_and_binds_only_contract_indicators() -> None:
    tree = load_criteria(parbook.plan.assessment.TEMPLATE_CRITERIA)
    assert tree.template and "mẫu" in tree.label.lower()
    assert sum(n.max for n in tree.roots) == 100
    levels = {n.level for n in tree.walk()}
    assert levels == {1, 2, 3}
    autos = [n for n in tree.walk() if n.is_auto]
    assert autos and {n.indicator for n in autos} <= set(INDICATOR_IDS)
    assert all(n.section for n in tree.walk() if n.is_leaf), "every leaf has a section"
    assert load_criteria().path.name in ("par-xa.yaml", "par-xa-mau.yaml")


# ── malformed files ─────────────────────────────────────────────────────────────────────────────
@pytest.mark.parametrize("old,new,expected", [
    ('max: 2\n        children:\n          - id: "1.2.1"',
     'max: 3\n        children:\n          - id: "1.2.1"',
     "Tiêu chí '1.2' (Công khai TTHC): tổng điểm tối đa các tiêu chí con là 2, khác điểm tối đa 3"),
    ('id: "2.2"', 'id: "1.1"', "Tiêu chí '1.1' (Kỷ luật): mã tiêu chí bị trùng"),
    ("indicator: ontime_rate\n", "indicator: ontime_ratio\n",
     "Tiêu chí '1.1' (Đúng hạn): chỉ số 'ontime_ratio' không có trong danh mục chỉ số"),
    ("{above: 0.95, points: 4}", "{above: 0.95, points: 5}",
     "Tiêu chí '1.1' (Đúng hạn): khoảng điểm thứ 1 cho 5 điểm, ngoài 0–4"),
    ("{at_least: 0.80, points: 1}", "{at_least: 0.97, points: 1}",
     "Tiêu chí '1.1' (Đúng hạn): ngưỡng khoảng 3 (≥ 0,97 → 1 điểm) phải lỏng hơn khoảng 2"),
    ("{below: 3, points: 1}", "{at_least: 3, points: 1}",
     "Tiêu chí '2.1' (Bổ sung nhiều lần): các khoảng điểm trộn chiều"),
    ("{at_most: 0, points: 2}", "{at_most: 0, points: 1}",
     "Tiêu chí '2.1' (Bổ sung nhiều lần): khoảng điểm đầu tiên phải cho điểm tối đa 2"),
    ("{below: 3, points: 1}", "{below: 3, at_most: 2, points: 1}",
     "Tiêu chí '2.1' (Bổ sung nhiều lần): khoảng điểm thứ 2 phải có đúng một ngưỡng số"),
    # structural mistakes are named by their place in the file (pydantic)
    ("{below: 3, points: 1}", "{below: 3, pts: 1}",
     "nodes[2].children[1].auto.bands[2].pts: khóa không hợp lệ (unknown key)"),
    ('section: VP-TK\n    children', 'section: PHONG-X\n    children',
     "Tiêu chí '2' (Công vụ): mã bộ phận 'PHONG-X' không có trong sections.yaml"),
    ('id: "1.2.2"\n            name: "Điện tử"\n            max: 1',
     'id: "1.2.2"\n            name: "Điện tử"\n            max: 1\n            children:\n'
     '              - {id: "1.2.2.1", name: "Cổng", max: 1}',
     "Tiêu chí '1.2.2.1' (Cổng): cây tiêu chí chỉ có 3 cấp"),
    ('id: "2.2"\n        name: "Kỷ luật"', 'id: 2.2\n        name: "Kỷ luật"',
     "Tiêu chí '2.2' (Kỷ luật): mã tiêu chí (id) phải là chuỗi"),
    ("total_max: 10", "total_max: 12", "Tổng điểm tối đa các lĩnh vực là 10, khác total_max 12"),
    ('name: "Kỷ luật"\n        max: 2', 'name: "Kỷ luật"\n        max: 2\n        childs: []',
     "nodes[2].children[2].childs: khóa không hợp lệ (unknown key)"),
])
def test_malformed_criteria_file_names_the_node(tmp_path: Path, old: str, new: str,
                                                expected: str) -> None:
    assert old in CRITERIA
    path = write(tmp_path, CRITERIA.replace(old, new, 1))
    with pytest.raises(CriteriaError) as err:
        load_criteria(path)
    assert expected in str(err.value)
    assert "c.yaml" in str(err.value)


def test_several_errors_are_reported_together(tmp_path: Path) -> None:
    text = CRITERIA.replace("indicator: ontime_rate\n", "indicator: nope\n").replace(
        'id: "2.2"', 'id: "2.1"')
    with pytest.raises(CriteriaError) as err:
        load_criteria(write(tmp_path, text))
    assert "'nope'" in str(err.value) and "mã tiêu chí bị trùng" in str(err.value)


@pytest.mark.parametrize("old,new,where,expected", [
    ('id: "1.2.1"\n            name: "Niêm yết"\n            max: 1',
     'id: "1.2.1"\n            name: "Niêm yết"\n            max: "many"',
     "nodes[1].children[2].children[1].max", "cần một số (expected a number), gặp 'many'"),
    ("scope: period", "scope: year", "nodes[2].children[1].auto.scope",
     "giá trị không được phép (not an allowed value): 'period' or 'ytd', gặp 'year'"),
    ("{at_most: 0, points: 2}", "{at_most: 0, points: hai}",
     "nodes[2].children[1].auto.bands[1].points", "cần một số (expected a number), gặp 'hai'"),
    ('id: "2.2"\n        name: "Kỷ luật"\n', 'id: "2.2"\n', "nodes[2].children[2].name",
     "thiếu mục bắt buộc (required, missing)"),
    ("requirements: [R12]", "requirements: R12", "nodes[1].children[1].requirements",
     "cần một danh sách (expected a list), gặp 'R12'"),
])
def test_criteria_structural_errors_name_file_place_and_expectation(
        tmp_path: Path, old: str, new: str, where: str, expected: str) -> None:
    assert old in CRITERIA
    with pytest.raises(CriteriaError) as err:
        load_criteria(write(tmp_path, CRITERIA.replace(old, new, 1), "tieu-chi.yaml"))
    message = str(err.value)
    assert message.startswith("tieu-chi.yaml có lỗi (configuration errors):")
    assert f"- {where}: {expected}" in message


def test_structural_and_node_problems_are_reported_together_once(tmp_path: Path) -> None:
    """A node whose structure is wrong is named by its place (its parents' sums are not checked);
    the other nodes are, each problem listed once (pydantic ran a top-level node's validators
    twice)."""
    text = CRITERIA.replace("{at_most: 0, points: 2}", "{at_most: 0, points: hai}").replace(
        "section: BPMC", "section: PHONG-X").replace("indicator: ontime_rate\n", "indicator: nope\n")
    with pytest.raises(CriteriaError) as err:
        load_criteria(write(tmp_path, text))
    assert str(err.value).split("\n")[1:] == [
        "- nodes[2].children[1].auto.bands[1].points: cần một số (expected a number), gặp 'hai'",
        "- Tiêu chí '1.1' (Đúng hạn): chỉ số 'nope' không có trong danh mục chỉ số (DESIGN.md §7) "
        "(unknown indicator id)",
        "- Tiêu chí '1' (Cải cách TTHC): mã bộ phận 'PHONG-X' không có trong sections.yaml "
        "(unknown section)",
    ]


def test_unreadable_criteria_file(tmp_path: Path) -> None:
    with pytest.raises(CriteriaError, match="không đọc được"):
        load_criteria(write(tmp_path, "nodes: [\n"))
    with pytest.raises(CriteriaError, match="Không có tệp bộ tiêu chí"):
        load_criteria(tmp_path / "absent.yaml")


# ── scoring ─────────────────────────────────────────────────────────────────────────────────────
def test_par_assessment_scores_auto_and_manual_criteria(tmp_path: Path) -> None:
    path = write(tmp_path, CRITERIA)
    a = analysis(
        indicators([("ontime_rate", "ytd", 95, 100, 0.95), ("ontime_rate", "period", 30, 30, 1.0),
                    ("multi_supplement_count", "period", 2, None, 2)]),
        [score("1.2.1", 1), score("1.2.2", 1, evidence="  "), score("2.2", 5),
         score("1.1", 4), score("9.9", 1), score("2.2", 0, year=2023)])
    out = par_assessment(*a, path).set_index("criterion_id")
    assert list(out.index) == ["1", "1.1", "1.2", "1.2.1", "1.2.2", "2", "2.1", "2.2"]
    assert (out.loc["1.1", "score"], out.loc["1.1", "source"]) == (3, "tự động")  # = 0.95 → 3
    assert out.loc["1.1", "value"] == 0.95 and "bỏ qua điểm tự chấm 4" in out.loc["1.1", "note"]
    assert (out.loc["2.1", "score"], out.loc["2.1", "status"]) == (1, "đã chấm (tự động)")
    assert (out.loc["1.2.1", "score"], out.loc["1.2.1", "flagged"]) == (1, False)
    assert out.loc["1.2.2", "flagged"] and out.loc["1.2.2", "status"] == "thiếu tài liệu kiểm chứng"
    assert out.loc["1.2.2", "score"] == 1 and out.loc["1.2.2", "section"] == "Văn phòng – Thống kê"
    assert out.loc["1.2.1", "section"] == "Bộ phận Tiếp nhận và Trả kết quả"   # inherited
    assert out.loc["2.2", "score"] == 2 and out.loc["2.2", "flagged"]        # 5 > max 2: clipped
    assert "ngoài khoảng" in out.loc["2.2", "status"]
    assert (out.loc["1.2", "score"], out.loc["1", "score"], out.loc["2", "score"]) == (2, 5, 3)
    assert out.loc["1", "flagged"] and out.loc["1", "status"] == "3/3 tiêu chí đã chấm"
    assert out.loc["1", "gap"] == 1 and out["gap"].ge(0).all()
    totals = par_totals(par_assessment(*a, path))
    assert (totals["score"], totals["max"], totals["gap"]) == (8, 10, 2)
    assert (totals["auto_score"], totals["manual_score"], totals["flagged"]) == (4, 4, 2)
    assert totals["unknown_scores"] == ["9.9"] and not totals["template"]


def test_unscored_and_no_data_show_zero(tmp_path: Path) -> None:
    out = par_assessment(*analysis(indicators([("ontime_rate", "ytd", 0, 0, None)])),
                         write(tmp_path, CRITERIA)).set_index("criterion_id")
    assert (out.loc["1.1", "score"], out.loc["1.1", "status"]) == (0, "chưa có dữ liệu")
    assert (out.loc["2.1", "score"], out.loc["2.1", "status"]) == (0, "chưa có dữ liệu")
    assert (out.loc["2.2", "score"], out.loc["2.2", "status"]) == (0, "chưa chấm")
    assert not out["flagged"].any() and out.loc["1", "gap"] == 6
    totals = par_totals(par_assessment(*analysis(indicators([])), write(tmp_path, CRITERIA)))
    assert (totals["score"], totals["unscored"], totals["no_data"]) == (0, 3, 2)


def test_manual_scores_of_the_window_year_only(tmp_path: Path) -> None:
    a = analysis(indicators([]), [score("2.2", 2, year=2023)])
    out = par_assessment(*a, write(tmp_path, CRITERIA)).set_index("criterion_id")
    assert out.loc["2.2", "status"] == "chưa chấm"


def test_largest_gaps_first_with_sections(tmp_path: Path) -> None:
    a = analysis(indicators([("ontime_rate", "ytd", 90, 100, 0.90),
                             ("multi_supplement_count", "period", 0, None, 0)]),
                 [score("1.2.1", 1), score("2.2", 1)])
    gaps = largest_gaps(par_assessment(*a, write(tmp_path, CRITERIA)), 3)
    # 1.1: 4 − 1 = 3; then 1.2.2 (gap 1, max 1) and 2.2 (gap 1, max 2): larger max first
    assert list(gaps["criterion_id"]) == ["1.1", "2.2", "1.2.2"]
    assert list(gaps["gap"]) == [3, 1, 1]
    assert gaps.loc[0, "section"] == "Bộ phận Tiếp nhận và Trả kết quả"
    assert "2.1" not in set(gaps["criterion_id"])                 # full marks: no gap


def test_template_assessment_is_labelled() -> None:
    totals = par_totals(par_assessment(*analysis(indicators([]))))
    if totals["criteria_code"] == "par-xa-mau-2024":
        assert totals["template"] and "tham khảo" in totals["label"]
    assert totals["max"] == 100 or not totals["template"]


def test_doctests() -> None:
    result = doctest.testmod(parbook.plan.assessment)
    assert result.failed == 0 and result.attempted > 0
