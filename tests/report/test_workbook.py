"""forms.xlsx: every sheet, formula-safe text, masked personal columns, result objects as tables."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from openpyxl import Workbook, load_workbook

from parbook.pipeline import analyse
from parbook.report import workbook
from tests.report import fixture_db


def test_cell_values_are_safe() -> None:
    assert workbook.cell_value("=1+2") == "'=1+2"
    assert workbook.cell_value("@SUM(A1)") == "'@SUM(A1)"
    assert workbook.cell_value("a\x07b") == "ab"
    assert workbook.cell_value(float("nan")) is None and workbook.cell_value(pd.NaT) is None
    assert workbook.cell_value(pd.Timestamp("2024-07-01")).year == 2024


@dataclass
class _Result:
    total: float
    excluded: list[str]
    staff: pd.DataFrame


def test_tables_of_result_objects() -> None:
    tables = workbook.tables_of(_Result(12.5, ["Chỉ số 2"], pd.DataFrame({"handler": ["=cmd"]})))
    assert list(tables) == ["Tóm tắt", "Điểm theo công chức"]
    assert tables["Tóm tắt"]["Giá trị"].tolist() == [12.5, "Chỉ số 2"]
    wb = Workbook()
    workbook.write_frames_sheet(wb.active, "TT 01", _Result(1.0, [], pd.DataFrame({"handler": ["=cmd"]})),
                                {"unit_name": "X", "period_label": "Quý III năm 2024",
                                 "start": pd.Timestamp("2024-06-15"), "end": pd.Timestamp("2024-09-14"),
                                 "as_of": pd.Timestamp("2024-09-14")})
    values = [c.value for row in wb.active.iter_rows() for c in row]
    assert "'=cmd" in values
    ws = Workbook().active
    workbook.write_table(ws, pd.DataFrame({"department": [fixture_db.FORMULA], "n": [1]}))
    cell = ws.cell(row=2, column=1)
    assert cell.value == "'" + fixture_db.FORMULA and cell.data_type == "s"


def test_forms_xlsx_of_the_fixture(fixture_commune, window, tmp_path) -> None:
    analysis = analyse(fixture_db.UNIT, window, fixture_commune.url)
    path = workbook.write_forms_xlsx(analysis, tmp_path / "forms.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames[:3] == ["Chỉ số", "Biểu 06", "Phát hiện"]
    assert set(workbook.result_sheets(analysis)) <= set(wb.sheetnames)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "no cell may be a formula"
    texts = {str(c.value) for c in cells}
    assert fixture_db.XSS in texts                    # handler name kept as plain text (TT 01 staff)
    every = " ".join(texts)
    for values in fixture_commune.personal.values():
        for value in values:
            assert value not in every
    read = workbook.read_workbook_values(path)
    assert read["Chỉ số"][0][0] == "CÁC CHỈ SỐ THEO KẾ HOẠCH CCHC, SIPAS"
