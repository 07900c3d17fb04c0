"""Biểu 06/VPCP/KSTT: the form's rules on hand-made data and its worksheet layout."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from parbook.analysis.forms import Forms, bieu06, build_forms
from parbook.contract import BIEU06_COLUMNS, TOTAL
from parbook.report.bieu06_sheet import IDENTITIES, column_of, write_bieu06_sheet
from parbook.report.xlsxtools import FONT_NAME, save_workbook
from parbook.timeline import scope
from parbook.timeline.periods import Window
from tests.builders import dossier, unit_data

ROWS = [
    dossier("CAR", received="2024-06-03 09:00", due="2024-06-05"),                 # carried over
    dossier("E", due="2024-07-03", finished="2024-07-02 09:00", status="done", channel="online"),
    dossier("L", due="2024-07-03", finished="2024-07-05 09:00", status="rejected"),
    dossier("H", "2.000635", due="2024-09-20", channel="postal"),                    # Hộ tịch
    dossier("W", due="2024-07-03", finished="2024-07-02 09:00", status="withdrawn"),
    dossier("Q", "9.999999", due="2024-07-03", finished="2024-07-03 09:00", status="done"),
]


WINDOW = Window.parse("2024-Q3")
META = {"unit_code": "TEST01", "unit_name": "Xã Thử", "period_label": WINDOW.label_vi(),
        "start": WINDOW.start, "end": WINDOW.end, "as_of": WINDOW.as_of}


def _analysis() -> Forms:
    return build_forms(scope.build(unit_data(ROWS), WINDOW).period)


def test_bieu06_rows_per_field_total_and_withdrawn_beside() -> None:
    a = _analysis()
    form = a.bieu06.set_index("field")
    assert list(a.bieu06.columns) == BIEU06_COLUMNS and a.bieu06["field"].iloc[-1] == TOTAL
    assert list(form.index) == ["Chứng thực", "Hộ tịch", "Không xác định", TOTAL]
    ct = form.loc["Chứng thực"]
    assert ct[["received_total", "received_online", "received_direct_postal", "carried_over"]] \
        .tolist() == [3, 1, 1, 1]
    assert ct[["settled_total", "early", "late", "pending_total", "pending_overdue"]].tolist() \
        == [2, 1, 1, 1, 1]
    assert form.loc["Hộ tịch", ["received_direct_postal", "pending_within"]].tolist() == [1, 1]
    assert form.loc["Không xác định", "on_time"] == 1
    total = form.loc[TOTAL]
    assert total["received_total"] == 5 == total["settled_total"] + total["pending_total"]
    beside = a.withdrawn
    assert beside.to_dict() == {"Chứng thực": 1, TOTAL: 1}


def test_carried_over_equals_the_previous_window_pending() -> None:
    data = unit_data(ROWS + [dossier("P2", received="2024-05-02 09:00", due="2024-05-06"),
                             dossier("S2", received="2024-05-02 09:00", due="2024-05-06",
                                     finished="2024-07-01 09:00", status="done")])
    q2 = bieu06(scope.build(data, Window.parse("2024-Q2")).period.dossiers).set_index("field")
    q3 = bieu06(scope.build(data, WINDOW).period.dossiers).set_index("field")
    assert q3.loc[TOTAL, "carried_over"] == q2.loc[TOTAL, "pending_total"] == 3


FORM_COLUMNS = BIEU06_COLUMNS[1:]          # (3)…(13), in the form's order
FIRST = 10                                  # first field row under the three header rows


def _saved(tmp_path: Path, form: pd.DataFrame, withdrawn: pd.Series, meta: dict | None = None,
           cached: bool = True) -> Path:
    """The form in a workbook of its own; ``cached`` saves with the formulas' results."""
    wb = Workbook()
    write_bieu06_sheet(wb.active, form, withdrawn, META if meta is None else meta)
    path = tmp_path / "b06.xlsx"
    if cached:
        save_workbook(wb, path)
    else:
        wb.save(path)
    return path


def _body(ws, rows: range) -> list[list]:
    return [[ws.cell(r, c).value for c in range(1, 15)] for r in rows]


def test_sheet_layout_two_header_rows_and_values(tmp_path) -> None:
    a = _analysis()
    path = _saved(tmp_path, a.bieu06, a.withdrawn)
    ws = load_workbook(path).active
    assert ws["A1"].value == "Biểu số 06/VPCP/KSTT"
    assert "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC" in ws["A2"].value
    assert "Từ ngày 15/06/2024 đến ngày 14/09/2024" in ws["A3"].value
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A7:A8", "B7:B8", "C7:F7", "G7:J7", "K7:M7", "N7:N8"} <= merged
    assert [ws.cell(7, c).value for c in (3, 7, 11)] == [
        "Số hồ sơ nhận giải quyết", "Số hồ sơ đã giải quyết", "Số hồ sơ đang giải quyết"]
    assert [ws.cell(8, c).value for c in range(3, 14)] == [
        "Tổng số", "Trực tuyến", "Trực tiếp, dịch vụ bưu chính", "Từ kỳ trước", "Tổng số",
        "Trước hạn", "Đúng hạn", "Quá hạn", "Tổng số", "Trong hạn", "Quá hạn"]
    assert [ws.cell(9, c).value for c in range(1, 15)] == [f"({c})" for c in range(1, 15)]
    values = load_workbook(path, data_only=True).active          # cached results of the formulas
    body = _body(values, range(FIRST, FIRST + 4))
    assert body[0][:3] == [1, "Chứng thực", 3] and body[0][13] == 1
    assert body[3][:2] == [None, "Tổng cộng"]
    expected = a.bieu06.set_index("field")
    for row, field in zip(body, expected.index, strict=True):
        assert row[2:13] == [int(expected.loc[field, c]) for c in FORM_COLUMNS], field
    assert body[3][13] == int(a.withdrawn[TOTAL])
    assert ws.page_setup.orientation == "landscape"


def test_form_header_names_reporter_recipient_and_period(tmp_path) -> None:
    a = _analysis()
    meta = {**META, "recipient": "Ủy ban nhân dân huyện Kiểm Tra"}
    ws = load_workbook(_saved(tmp_path, a.bieu06, a.withdrawn, meta)).active
    assert ws["A1"].value == "Biểu số 06/VPCP/KSTT"
    assert ws["A3"].value == ("Kỳ báo cáo: Quý III năm 2024 (Từ ngày 15/06/2024 đến ngày 14/09/2024; "
                              "số liệu chốt ngày 14/09/2024)")
    assert ws["A4"].value == "Đơn vị báo cáo: Xã Thử"
    assert ws["A5"].value == "Đơn vị nhận báo cáo: Ủy ban nhân dân huyện Kiểm Tra"
    ws = load_workbook(_saved(tmp_path, a.bieu06, a.withdrawn, META)).active
    assert re.fullmatch(r"Đơn vị nhận báo cáo: …+", ws["A5"].value)     # a blank to fill by hand


def test_total_row_and_identity_columns_are_formulas(tmp_path) -> None:
    a = _analysis()
    ws = load_workbook(_saved(tmp_path, a.bieu06, a.withdrawn)).active
    n_fields = len(a.bieu06) - 1
    total = FIRST + n_fields
    assert ws.cell(total, 2).value == "Tổng cộng"
    for c in range(3, 15):
        letter = get_column_letter(c)
        assert ws.cell(total, c).value == f"=SUM({letter}{FIRST}:{letter}{total - 1})"
    for r in range(FIRST, total):
        assert ws.cell(r, column_of("received_total")).value == f"=D{r}+E{r}+F{r}"
        assert ws.cell(r, column_of("settled_total")).value == f"=H{r}+I{r}+J{r}"
        assert ws.cell(r, column_of("pending_total")).value == f"=L{r}+M{r}"
        parts = [c for name in IDENTITIES.values() for c in name]
        assert all(isinstance(ws.cell(r, column_of(p)).value, int) for p in parts)
    formulas = {c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"}
    assert len(formulas) == 3 * n_fields + 12


def test_field_rows_add_up_to_the_contract_total() -> None:
    a = _analysis()
    form = a.bieu06.set_index("field")
    fields = form.drop(index=TOTAL)
    assert fields[FORM_COLUMNS].sum().tolist() == form.loc[TOTAL, FORM_COLUMNS].tolist()
    for total, parts in IDENTITIES.items():
        assert (form[total] == form[list(parts)].sum(axis=1)).all(), total


def test_a_field_with_only_withdrawn_dossiers_gets_a_zero_row(tmp_path) -> None:
    rows = [*ROWS, dossier("W2", "2.000635", due="2024-07-03", finished="2024-07-02 09:00",
                           status="withdrawn")]
    forms = build_forms(scope.build(unit_data(rows), WINDOW).period)
    assert "Hộ tịch" in forms.withdrawn.index
    ws = load_workbook(_saved(tmp_path, forms.bieu06, forms.withdrawn), data_only=True).active
    fields = [ws.cell(r, 2).value for r in range(FIRST, FIRST + 4)]
    assert fields == ["Chứng thực", "Hộ tịch", "Không xác định", "Tổng cộng"]
    assert ws.cell(FIRST + 3, 14).value == int(forms.withdrawn[TOTAL]) == 2


@pytest.mark.skipif(shutil.which("soffice") is None,
                    reason="LibreOffice (apt libreoffice-calc-nogui) not installed")
def test_libreoffice_recalculates_the_form_and_follows_an_edit(tmp_path) -> None:
    """A spreadsheet that recalculates gets the contract's numbers, and stays right after an edit."""
    a = _analysis()
    path = _saved(tmp_path, a.bieu06, a.withdrawn, cached=False)       # no cached results at all
    recalculated = _recalculate(path, tmp_path / "lo")
    ws = load_workbook(recalculated, data_only=True).active
    expected = a.bieu06.set_index("field")
    for r, field in enumerate(expected.index, start=FIRST):
        assert [ws.cell(r, column_of(c)).value for c in FORM_COLUMNS] == \
            [int(expected.loc[field, c]) for c in FORM_COLUMNS], field
    # staff correct one number: a dossier of Chứng thực was received online, not directly
    wb = load_workbook(path)
    edited = wb.active
    edited.cell(FIRST, column_of("received_online")).value += 1
    edited.cell(FIRST, column_of("received_direct_postal")).value -= 1
    edited.cell(FIRST, column_of("late")).value += 1
    wb.save(path)
    ws = load_workbook(_recalculate(path, tmp_path / "lo2"), data_only=True).active
    total = FIRST + len(expected) - 1
    assert ws.cell(total, column_of("received_online")).value == expected.loc[TOTAL, "received_online"] + 1
    assert ws.cell(total, column_of("received_total")).value == expected.loc[TOTAL, "received_total"]
    assert ws.cell(FIRST, column_of("settled_total")).value == expected.iloc[0]["settled_total"] + 1
    assert ws.cell(total, column_of("settled_total")).value == expected.loc[TOTAL, "settled_total"] + 1


def _recalculate(path: Path, out: Path) -> Path:
    """Open in LibreOffice with "always recalculate" and save again as XLSX."""
    profile = out / "profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<oor:items xmlns:oor="http://openoffice.org/2001/'
        'registry" xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        '<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" '
        'oor:op="fuse"><value>0</value></prop></item></oor:items>\n', encoding="utf-8")
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=120)
    return out / path.name


@pytest.mark.parametrize("empty_value", ["<v/>", "<v></v>", "<v />", ""])
def test_cached_value_written_whatever_empty_value_the_writer_left(tmp_path, empty_value) -> None:
    """openpyxl writes ``<v/>`` without lxml and ``<v></v>`` with it; other tools omit ``<v>``."""
    import zipfile

    from parbook.report.xlsxtools import cache_formula_values

    wb = Workbook()
    ws = wb.active
    ws["A1"], ws["A2"], ws["A3"], ws["A4"] = 2, 3, "=SUM(A1:A2)", "=A1+A2"
    saved, path = tmp_path / "saved.xlsx", tmp_path / "book.xlsx"
    wb.save(saved)
    with zipfile.ZipFile(saved) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = re.sub(r"(</f>)(<v\s*/>|<v></v>)", rf"\g<1>{empty_value}", data.decode())
                text = text.replace('<c r="A4"><f>A1+A2</f>' + empty_value,
                                    '<c r="A4"><f>A1+A2</f><v>7</v>')
                data = text.encode()
            dst.writestr(info, data)
    assert cache_formula_values(path, {ws.title: {"A3": 5, "A4": 5}}) == 1
    cached = load_workbook(path, data_only=True).active
    assert (cached["A3"].value, cached["A4"].value) == (5, 7)    # a value already there is kept


def test_libreoffice_check_really_recalculates(tmp_path) -> None:
    """The cached results are what a recalculation gives (and the LibreOffice test above is not
    fooled by a cache: a wrong cached value is replaced)."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (apt libreoffice-calc-nogui) not installed")
    wb = Workbook()
    ws = wb.active
    ws["A1"], ws["A2"], ws["A3"] = 2, 3, "=SUM(A1:A2)"
    path = tmp_path / "wrong.xlsx"
    wb.save(path)
    from parbook.report.xlsxtools import cache_formula_values

    assert cache_formula_values(path, {ws.title: {"A3": 99}}) == 1
    assert load_workbook(path, data_only=True).active["A3"].value == 99
    assert load_workbook(_recalculate(path, tmp_path / "lo"), data_only=True).active["A3"].value == 5


def test_signature_block_and_place_date(tmp_path) -> None:
    a = _analysis()
    meta = {**META, "place_date": "Thử, ngày 14 tháng 9 năm 2024"}
    ws = load_workbook(_saved(tmp_path, a.bieu06, a.withdrawn, meta)).active
    where = {c.value: (c.row, c.column) for row in ws.iter_rows() for c in row
             if isinstance(c.value, str)}
    left, right = where["NGƯỜI LẬP BIỂU"], where["THỦ TRƯỞNG ĐƠN VỊ"]
    assert left[0] == right[0] > FIRST + 3 and left[1] == 1 and right[1] > 7
    assert where["(Ký, ghi rõ họ tên)"] == (left[0] + 1, left[1])
    assert where["(Ký tên, đóng dấu)"] == (right[0] + 1, right[1])
    assert where["Thử, ngày 14 tháng 9 năm 2024"] == (right[0] - 1, right[1])
    last_printed = int(re.search(r"\$N\$(\d+)$", ws.print_area).group(1))
    assert last_printed > left[0] + 2                # room to sign is printed


def test_every_cell_of_the_form_is_times_new_roman(tmp_path) -> None:
    a = _analysis()
    ws = load_workbook(_saved(tmp_path, a.bieu06, a.withdrawn)).active
    fonts = {(c.coordinate, c.font.name) for row in ws.iter_rows() for c in row if c.value is not None}
    assert fonts and {name for _, name in fonts} == {FONT_NAME}


def test_form_without_dossiers_has_a_zero_total(tmp_path) -> None:
    forms = build_forms(scope.build(unit_data([]), WINDOW).period)
    ws = load_workbook(_saved(tmp_path, forms.bieu06, forms.withdrawn), data_only=True).active
    assert ws.cell(FIRST, 2).value == "Tổng cộng"
    assert [ws.cell(FIRST, c).value for c in range(3, 15)] == [0] * 12


def test_sheet_text_is_formula_safe() -> None:
    a = _analysis()
    form = a.bieu06.copy()
    form.loc[0, "field"] = "=HYPERLINK(\"http://x\")"
    meta = {**META, "unit_name": "+Xã Thử", "recipient": "@UBND"}
    ws = write_bieu06_sheet(Workbook().active, form, a.withdrawn, meta)
    assert ws["B10"].value == "'=HYPERLINK(\"http://x\")" and ws["B10"].data_type == "s"
    assert ws["A4"].value == "Đơn vị báo cáo: +Xã Thử"
    assert ws["A5"].value == "Đơn vị nhận báo cáo: @UBND"
    texts = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert all(c.data_type == "f" for c in texts if c.value.startswith("="))
    formulas = [c for c in texts if c.data_type == "f"]       # only the form's own, in (3)…(14)
    assert formulas and all(c.row >= FIRST and 3 <= c.column <= 14 for c in formulas)
    assert all(re.fullmatch(r"=(SUM\([C-N]\d+:[C-N]\d+\)|[D-M]\d+(\+[D-M]\d+)+)", c.value)
               for c in formulas)
