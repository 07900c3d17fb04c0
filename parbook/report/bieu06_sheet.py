"""Biểu 06/VPCP/KSTT as a worksheet laid out like the official form (openpyxl).

Header as seen in provincial implementations (regulations.md §5, [S]): "Biểu số 06/VPCP/KSTT",
"TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC (Từ ngày … đến
ngày …)", unit "Số hồ sơ TTHC"; two header rows: STT | Lĩnh vực | Số hồ sơ nhận giải quyết (Tổng
số · Trực tuyến · Trực tiếp, dịch vụ bưu chính · Từ kỳ trước) | Số hồ sơ đã giải quyết (Tổng số ·
Trước hạn · Đúng hạn · Quá hạn) | Số hồ sơ đang giải quyết (Tổng số · Trong hạn · Quá hạn); then
the column numbers (1)…(13). Withdrawn dossiers have no column in the form: they are shown beside
it, in column (14). Every text cell goes through parbook.store.privacy.spreadsheet_text.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pandas as pd
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from parbook.contract import TOTAL
from parbook.store.privacy import spreadsheet_text

FORM_CODE = "Biểu số 06/VPCP/KSTT"
FORM_BASIS = "Ban hành theo Thông tư số 01/2020/TT-VPCP ngày 21/10/2020"
TITLE = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC"
UNIT_NOTE = "Đơn vị tính: Số hồ sơ TTHC"
TOTAL_LABEL = "Tổng cộng"
# (header of the group, [(contract column, sub-header)]) in form order, from column C.
GROUPS = [
    ("Số hồ sơ nhận giải quyết", [
        ("received_total", "Tổng số"), ("received_online", "Trực tuyến"),
        ("received_direct_postal", "Trực tiếp, dịch vụ bưu chính"), ("carried_over", "Từ kỳ trước")]),
    ("Số hồ sơ đã giải quyết", [
        ("settled_total", "Tổng số"), ("early", "Trước hạn"), ("on_time", "Đúng hạn"),
        ("late", "Quá hạn")]),
    ("Số hồ sơ đang giải quyết", [
        ("pending_total", "Tổng số"), ("pending_within", "Trong hạn"),
        ("pending_overdue", "Quá hạn")]),
]
WITHDRAWN_HEADER = "Hồ sơ công dân rút (ngoài biểu)"
HEADER_ROW = 7
THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
BOLD = Font(bold=True)


def _date(value: Any) -> str:
    return value.strftime("%d/%m/%Y") if isinstance(value, date) else str(value or "…")


def _text(ws: Worksheet, row: int, col: int, value: Any, **style: Any) -> None:
    cell = ws.cell(row=row, column=col, value=spreadsheet_text(value))
    for name, val in style.items():
        setattr(cell, name, val)


def write_bieu06_sheet(ws: Worksheet, bieu06: pd.DataFrame, withdrawn: pd.Series | None,
                       meta: Mapping[str, Any]) -> Worksheet:
    """Write the form (contract frame of parbook.analysis.forms.bieu06, TOTAL last) into ``ws``.

    ``withdrawn``: parbook.analysis.forms.withdrawn_beside (per field and TOTAL), shown in column (14).
    ``meta``: unit_name, period_label, start, end, as_of (and optionally recipient).
    """
    n_cols = 2 + sum(len(cols) for _, cols in GROUPS) + 1
    last = get_column_letter(n_cols)
    _text(ws, 1, 1, FORM_CODE, font=BOLD)
    _text(ws, 1, n_cols - 4, FORM_BASIS, font=Font(italic=True))
    _text(ws, 2, 1, TITLE, font=Font(bold=True, size=13), alignment=CENTER)
    ws.merge_cells(f"A2:{last}2")
    period = (f"Kỳ báo cáo: {meta.get('period_label', '')} (Từ ngày {_date(meta.get('start'))} "
              f"đến ngày {_date(meta.get('end'))}; số liệu chốt ngày {_date(meta.get('as_of'))})")
    _text(ws, 3, 1, period, alignment=CENTER)
    ws.merge_cells(f"A3:{last}3")
    _text(ws, 4, 1, f"Đơn vị báo cáo: {meta.get('unit_name', '')}")
    if meta.get("recipient"):
        _text(ws, 4, n_cols - 4, f"Đơn vị nhận báo cáo: {meta['recipient']}")
    _text(ws, 5, n_cols - 2, UNIT_NOTE, font=Font(italic=True))

    top, sub, numbers = HEADER_ROW, HEADER_ROW + 1, HEADER_ROW + 2
    for col, label in ((1, "STT"), (2, "Lĩnh vực"), (n_cols, WITHDRAWN_HEADER)):
        _text(ws, top, col, label, font=BOLD, alignment=CENTER)
        ws.merge_cells(start_row=top, start_column=col, end_row=sub, end_column=col)
    col = 3
    columns = []
    for header, subs in GROUPS:
        _text(ws, top, col, header, font=BOLD, alignment=CENTER)
        ws.merge_cells(start_row=top, start_column=col, end_row=top, end_column=col + len(subs) - 1)
        for name, label in subs:
            _text(ws, sub, col, label, font=BOLD, alignment=CENTER)
            columns.append((col, name))
            col += 1
    for c in range(1, n_cols + 1):
        _text(ws, numbers, c, f"({c})", alignment=CENTER, font=Font(italic=True))
        for r in (top, sub, numbers):
            ws.cell(row=r, column=c).border = BORDER

    withdrawn = withdrawn if withdrawn is not None else pd.Series(dtype="int64")
    row = numbers + 1
    for stt, rec in enumerate(bieu06.to_dict("records"), start=1):
        is_total = rec["field"] == TOTAL
        _text(ws, row, 1, None if is_total else stt, alignment=CENTER)
        _text(ws, row, 2, TOTAL_LABEL if is_total else rec["field"], font=BOLD if is_total else None)
        for c, name in columns:
            ws.cell(row=row, column=c, value=int(rec[name]))
        ws.cell(row=row, column=n_cols, value=int(withdrawn.get(rec["field"], 0)))
        for c in range(1, n_cols + 1):
            cell = ws.cell(row=row, column=c)
            cell.border = BORDER
            if is_total:
                cell.font = BOLD
        row += 1

    notes = [
        "Ghi chú: (3) = (4) + (5) + (6) = (7) + (11); (7) = (8) + (9) + (10); (11) = (12) + (13).",
        "Hồ sơ đang giải quyết tính tại ngày chốt số liệu; hồ sơ công dân rút không tính vào biểu "
        "và được thống kê riêng ở cột (14).",
    ]
    for text in notes:
        row += 1
        _text(ws, row, 1, text, font=Font(italic=True))
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 34
    for c in range(3, n_cols + 1):
        ws.column_dimensions[get_column_letter(c)].width = 12
    ws.row_dimensions[sub].height = 45
    ws.freeze_panes = ws.cell(row=numbers + 1, column=3)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return ws
