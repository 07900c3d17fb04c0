"""Biểu 06/VPCP/KSTT: the form's rules on hand-made data and its worksheet layout."""

from __future__ import annotations

from openpyxl import Workbook, load_workbook

from parbook.analysis.forms import Forms, bieu06, build_forms
from parbook.contract import BIEU06_COLUMNS, TOTAL
from parbook.report.bieu06_sheet import write_bieu06_sheet
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


def test_sheet_layout_two_header_rows_and_values(tmp_path) -> None:
    a = _analysis()
    wb = Workbook()
    write_bieu06_sheet(wb.active, a.bieu06, a.withdrawn, META)
    path = tmp_path / "b06.xlsx"
    wb.save(path)
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
    assert [ws.cell(9, c).value for c in (1, 14)] == ["(1)", "(14)"]
    body = [[ws.cell(r, c).value for c in range(1, 15)] for r in range(10, 14)]
    assert body[0][:3] == [1, "Chứng thực", 3] and body[0][13] == 1
    assert body[3][:2] == [None, "Tổng cộng"]
    expected = a.bieu06.set_index("field").loc[TOTAL]
    assert body[3][2:13] == [int(expected[c]) for c in (
        "received_total", "received_online", "received_direct_postal", "carried_over",
        "settled_total", "early", "on_time", "late", "pending_total", "pending_within",
        "pending_overdue")]
    assert ws.page_setup.orientation == "landscape"


def test_sheet_text_is_formula_safe() -> None:
    a = _analysis()
    form = a.bieu06.copy()
    form.loc[0, "field"] = "=HYPERLINK(\"http://x\")"
    meta = {**META, "unit_name": "+Xã Thử"}
    ws = write_bieu06_sheet(Workbook().active, form, a.withdrawn, meta)
    assert ws["B10"].value == "'=HYPERLINK(\"http://x\")" and ws["B10"].data_type == "s"
    assert ws["A4"].value == "Đơn vị báo cáo: +Xã Thử"
