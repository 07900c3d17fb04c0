"""forms.xlsx: every sheet in Vietnamese, formula-safe text, masked personal columns, the official
Biểu 06 with formulas, Times New Roman, and the personnel evaluation kept internal."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from parbook.analysis import tt01
from parbook.pipeline import Analysis, analyse, analyse_data
from parbook.report import workbook
from parbook.report.bieu06_sheet import column_of
from parbook.report.run import INTERNAL_DIR
from parbook.report.xlsxtools import DATE, FONT_NAME, PERCENT, SCORE
from parbook.timeline.periods import Window
from tests.builders import dossier, unit_data
from tests.report import fixture_db

UNREADABLE = re.compile(r"Ratio\(|nan|^True$|^False$")
RAW_NAME = re.compile(r"[a-z0-9_]+")          # a header like n_dossiers, i1, score, handler
HANDLERS = (fixture_db.XSS, "Nguyễn Văn Cán", "Trần Thị Bộ")


@pytest.fixture(scope="module")
def analysis(fixture_commune, window) -> Analysis:
    return analyse(fixture_db.UNIT, window, fixture_commune.url)


@pytest.fixture(scope="module")
def forms(analysis, tmp_path_factory) -> Path:
    return workbook.write_forms_xlsx(analysis, tmp_path_factory.mktemp("forms") / "forms.xlsx")


def _cells(path: Path, sheet: str | None = None) -> list:
    wb = load_workbook(path)
    sheets = [wb[sheet]] if sheet else wb.worksheets
    return [c for ws in sheets for row in ws.iter_rows() for c in row if c.value is not None]


def _headers(path: Path) -> list:
    """The header cells of every table (the styled header rows)."""
    return [c for c in _cells(path) if c.fill.fgColor.rgb == workbook.HEADER_FILL.fgColor.rgb]


def _facts(path: Path, sheet: str) -> dict[str, object]:
    """The labelled facts of the sheet's "Tóm tắt" table."""
    ws = load_workbook(path)[sheet]
    rows = list(ws.iter_rows())
    start = next(i for i, r in enumerate(rows) if r[0].value == "Tóm tắt")
    out = {}
    for row in rows[start + 2:]:
        if row[0].value is None:
            break
        out[row[0].value] = row[1]
    return out


def test_cell_values_are_safe() -> None:
    assert workbook.cell_value("=1+2") == "'=1+2"
    assert workbook.cell_value("@SUM(A1)") == "'@SUM(A1)"
    assert workbook.cell_value("a\x07b") == "ab"
    assert workbook.cell_value(float("nan")) is None and workbook.cell_value(pd.NaT) is None
    assert workbook.cell_value(pd.Timestamp("2024-07-01")).year == 2024


def test_write_table_shows_values_for_a_reader() -> None:
    ws = Workbook().active
    frame = pd.DataFrame({"department": [fixture_db.FORMULA, "Tư pháp"], "ok": [True, False],
                          "rate": [0.5, float("nan")], "due_date": pd.to_datetime(["2024-07-01", None])})
    workbook.write_table(ws, frame, formats={"rate": PERCENT})
    assert [c.value for c in ws[1]] == ["Bộ phận", "ok", "Tỷ lệ", "Hạn hoàn thành"]   # labels.py
    cell = ws.cell(row=2, column=1)
    assert cell.value == "'" + fixture_db.FORMULA and cell.data_type == "s"
    assert [ws.cell(r, 2).value for r in (2, 3)] == ["Có", "Không"]
    assert ws.cell(2, 3).value == 0.5 and ws.cell(2, 3).number_format == PERCENT
    assert ws.cell(3, 3).value is None and ws.cell(3, 4).value is None
    assert ws.cell(2, 4).number_format == DATE and isinstance(ws.cell(2, 4).value, datetime)


def test_forms_xlsx_of_the_fixture(forms, analysis, fixture_commune) -> None:
    wb = load_workbook(forms)
    assert wb.sheetnames == list(workbook.SHEETS)
    cells = _cells(forms)
    formulas = [c for c in cells if c.data_type == "f"]
    assert formulas and {c.parent.title for c in formulas} == {"Biểu 06"}, \
        "only the form's totals may be formulas"
    texts = {str(c.value) for c in cells}
    every = " ".join(texts)
    for values in fixture_commune.personal.values():
        for value in values:
            assert value not in every
    read = workbook.read_workbook_values(forms)
    assert read["Chỉ số"][0][0] == "CÁC CHỈ SỐ THEO KẾ HOẠCH CCHC, SIPAS"


def test_bieu06_of_the_fixture_is_the_official_form(forms, analysis) -> None:
    ws = load_workbook(forms)["Biểu 06"]
    assert ws["A1"].value == "Biểu số 06/VPCP/KSTT"
    assert ws["A4"].value == "Đơn vị báo cáo: Xã Thử Nghiệm"
    assert ws["A5"].value == "Đơn vị nhận báo cáo: Ủy ban nhân dân huyện Kiểm Tra"   # unit's district
    assert ws["A3"].value.startswith("Kỳ báo cáo: Quý III năm 2024 (Từ ngày 15/06/2024")
    texts = {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert {"NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)", "THỦ TRƯỞNG ĐƠN VỊ", "(Ký tên, đóng dấu)",
            "Thử Nghiệm, ngày 14 tháng 9 năm 2024"} <= texts
    form = analysis.forms.bieu06.set_index("field")
    total = 10 + len(form) - 1
    assert ws.cell(total, column_of("received_total")).value == f"=SUM(C10:C{total - 1})"
    assert ws.cell(10, column_of("received_total")).value == "=D10+E10+F10"
    cached = load_workbook(forms, data_only=True)["Biểu 06"]
    assert [cached.cell(total, column_of(c)).value for c in form.columns] == \
        [int(v) for v in form.loc["TOTAL"]]


def test_the_addressee_given_by_the_caller(analysis, tmp_path) -> None:
    path = workbook.write_forms_xlsx(analysis, tmp_path / "f.xlsx",
                                     recipient="Ủy ban nhân dân tỉnh Thừa Thiên Huế")
    ws = load_workbook(path)["Biểu 06"]
    assert ws["A5"].value == "Đơn vị nhận báo cáo: Ủy ban nhân dân tỉnh Thừa Thiên Huế"


def test_every_sheet_reads_as_vietnamese(forms) -> None:
    unreadable = [(c.parent.title, c.coordinate, c.value) for c in _cells(forms)
                  if isinstance(c.value, bool) or isinstance(c.value, str) and UNREADABLE.search(c.value)]
    assert unreadable == []
    headers = _headers(forms)
    assert len(headers) > 60
    raw = [(c.parent.title, c.value) for c in headers if RAW_NAME.fullmatch(str(c.value))]
    assert raw == []
    assert {c.parent.title for c in headers} >= set(workbook.SHEETS) - {"Biểu 06"}


def test_numbers_carry_their_formats(forms, analysis) -> None:
    ws = load_workbook(forms)["Chỉ số"]
    rows = {(r[0].value, r[1].value): r for r in ws.iter_rows(min_row=4) if r[0].value}
    ontime = rows[("Tỷ lệ hồ sơ giải quyết trước hạn, đúng hạn", "Trong kỳ")]
    assert ontime[4].value == pytest.approx(20 / 24) and ontime[4].number_format == PERCENT
    assert ontime[5].number_format == '"≥ "0.0%' and ontime[6].value == "Chưa đạt"
    tt01_row = next(r for k, r in rows.items() if k[0].startswith("Tổng điểm") and k[1] == "Trong kỳ")
    assert tt01_row[4].number_format == SCORE
    count = rows[("Số hồ sơ yêu cầu bổ sung quá một lần", "Trong kỳ")]
    assert count[4].value == 0 and count[4].number_format == "#,##0"
    sipas = _facts(forms, "SIPAS")["Tỷ lệ hài lòng chung"]
    assert sipas.value == pytest.approx(119 / 124) and sipas.number_format == PERCENT
    plan = load_workbook(forms)["Kế hoạch"]
    dates = [c for row in plan.iter_rows() for c in row if isinstance(c.value, datetime)]
    assert dates and {c.number_format for c in dates} == {DATE}


def test_summaries_list_labelled_facts(forms, analysis) -> None:
    ev = analysis.scores.tt01["period"]
    facts = _facts(forms, "TT 01-2018")
    assert facts["Tổng điểm"].value == pytest.approx(ev.total) and facts["Tổng điểm"].number_format == SCORE
    assert facts["Điểm tối đa của các chỉ số có dữ liệu"].value == ev.max_total
    assert facts["Xếp loại"].value.lower() == ev.class_label == "khá"   # 8,4 of 14 → 10,8 of 18
    assert facts["Các chỉ số không tính"].value.splitlines() == ev.excluded
    est = analysis.scores.index766["period"]
    facts = _facts(forms, "Ước tính 766")
    assert facts["Điểm ước tính"].value == pytest.approx(est.score)
    assert facts["Điểm ước tính"].number_format == SCORE
    assert "ƯỚC TÍNH" in facts["Tính chất"].value
    facts = _facts(forms, "SIPAS")
    assert facts["Số phiếu đánh giá trong kỳ"].value == analysis.scores.satisfaction["period"].n_surveys
    facts = _facts(forms, "Tự chấm điểm")
    assert {"Tổng điểm tự chấm", "Điểm tối đa", "Còn thiếu", "Bộ tiêu chí"} <= set(facts)
    assert "Kế hoạch" in _facts(forms, "Kế hoạch")


def test_every_cell_is_times_new_roman(forms) -> None:
    fonts = {c.font.name for c in _cells(forms)}
    assert fonts == {FONT_NAME}


def test_personnel_stays_out_of_forms_by_default(forms, analysis, tmp_path) -> None:
    assert tt01.unit_settings(fixture_db.UNIT)["personnel_in_reports"] is False
    assert workbook.PERSONNEL_SHEET not in load_workbook(forms).sheetnames
    texts = {str(c.value) for c in _cells(forms)}
    assert not [h for h in HANDLERS if h in texts or f"'{h}" in texts]
    assert not {"Cán bộ xử lý", "Điểm theo công chức — trong kỳ"} & texts

    assert workbook.PERSONNEL_FILE.parts[0] == INTERNAL_DIR
    path = workbook.write_personnel_xlsx(analysis, tmp_path / workbook.PERSONNEL_FILE)
    wb = load_workbook(path)
    assert wb.sheetnames == [workbook.PERSONNEL_SHEET]
    values = [c.value for row in wb.active.iter_rows() for c in row if c.value is not None]
    assert str(values[0]).startswith("TÀI LIỆU NỘI BỘ")
    assert set(HANDLERS) <= set(values)                  # the XSS name stays plain text
    staff = analysis.scores.tt01["period"].staff.set_index("handler")
    row = next(r for r in wb.active.iter_rows(values_only=True) if r[0] == "Nguyễn Văn Cán")
    assert row[1] == staff.loc["Nguyễn Văn Cán", "n_dossiers"]
    assert {"Điểm theo công chức — trong kỳ", "Hồ sơ trễ hạn theo công chức — trong kỳ",
            "Điểm theo công chức — lũy kế từ đầu năm"} <= set(values)
    assert {c.font.name for row in wb.active.iter_rows() for c in row if c.value is not None} == \
        {FONT_NAME}


def test_personnel_in_forms_when_the_unit_allows(analysis, tmp_path, monkeypatch) -> None:
    allowed = tt01.UnitSettingsFile(units={fixture_db.UNIT: tt01.UnitSettings(personnel_in_reports=True)})
    monkeypatch.setattr(tt01, "reference", lambda name, model: allowed)
    assert tt01.personnel_in_reports(fixture_db.UNIT)
    path = workbook.write_forms_xlsx(analysis, tmp_path / "forms.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == [*workbook.SHEETS, workbook.PERSONNEL_SHEET]
    values = {c.value for row in wb[workbook.PERSONNEL_SHEET].iter_rows() for c in row}
    assert set(HANDLERS) <= values
    assert not any(str(v).startswith("TÀI LIỆU NỘI BỘ") for v in values)
    assert workbook.PERSONNEL_SHEET not in load_workbook(
        workbook.write_forms_xlsx(analysis, tmp_path / "f2.xlsx", personnel=False)).sheetnames


def test_a_unit_without_district_plan_or_surveys(tmp_path) -> None:
    """Hand-made data: no district (recipient left blank), empty tables say so, no 'nan'."""
    window = Window.parse("2024-Q3")
    data = unit_data([dossier("A", due="2024-07-03", finished="2024-07-02 09:00", status="done"),
                      dossier("B", due="2024-07-03", finished="2024-07-08 09:00", status="done",
                              handler="=Cán bộ")])
    a = analyse_data(data, window)
    path = workbook.write_forms_xlsx(a, tmp_path / "forms.xlsx")
    ws = load_workbook(path)["Biểu 06"]
    assert ws["A5"].value.startswith("Đơn vị nhận báo cáo: …")
    cells = _cells(path)
    assert not [c.value for c in cells if isinstance(c.value, str) and UNREADABLE.search(c.value)]
    assert "Không có dữ liệu" in {c.value for c in cells}
    internal = workbook.write_personnel_xlsx(a, tmp_path / "p.xlsx")
    assert "'=Cán bộ" in {c.value for c in _cells(internal)}


def test_default_recipient_from_the_unit_row() -> None:
    assert workbook.default_recipient({"district": "Huyện Minh Phong (mô phỏng)"}) == \
        "Ủy ban nhân dân huyện Minh Phong"
    assert workbook.default_recipient({"district": "Quận Hải Châu"}) == "Ủy ban nhân dân quận Hải Châu"
    assert workbook.default_recipient({"district": None}) is None
