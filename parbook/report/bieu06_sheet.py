"""Biểu 06/VPCP/KSTT as a worksheet laid out like the official form (openpyxl).

Header as seen in provincial implementations (regulations.md §5, [S]): "Biểu số 06/VPCP/KSTT",
"TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC", "Kỳ báo cáo:
… (Từ ngày … đến ngày …)", "Đơn vị báo cáo", "Đơn vị nhận báo cáo", unit "Số hồ sơ TTHC"; two
header rows: STT | Lĩnh vực | Số hồ sơ nhận giải quyết (Tổng số · Trực tuyến · Trực tiếp, dịch
vụ bưu chính · Từ kỳ trước) | Số hồ sơ đã giải quyết (Tổng số · Trước hạn · Đúng hạn · Quá hạn)
| Số hồ sơ đang giải quyết (Tổng số · Trong hạn · Quá hạn); then the column numbers (1)…(13);
after the table the place and date, and the signatures (người lập biểu, thủ trưởng đơn vị).

The sheet stays right when staff correct a number: the "Tổng số" columns of each field are
formulas of their parts ((3) = (4)+(5)+(6), (7) = (8)+(9)+(10), (11) = (12)+(13)) and the
"Tổng cộng" row is ``=SUM`` of the field rows in every column. Their results are cached in the
file by :func:`parbook.report.xlsxtools.save_workbook` for readers that do not recalculate.
Withdrawn dossiers have no column in the form: they are shown beside it, in column (14); a field
whose only dossiers were withdrawn gets a row of zeros so that (14) adds up too.
Every text cell goes through parbook.store.spreadsheet.spreadsheet_text; every cell is Times New Roman.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pandas as pd
from openpyxl.styles import Alignment, Border, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from parbook.contract import BIEU06_COLUMNS, TOTAL
from parbook.report.xlsxtools import INTEGER, font, use_font_everywhere
from parbook.store.spreadsheet import spreadsheet_text

FORM_CODE = "Biểu số 06/VPCP/KSTT"
FORM_BASIS = "Ban hành theo Thông tư số 01/2020/TT-VPCP ngày 21/10/2020"
TITLE = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC"
UNIT_NOTE = "Đơn vị tính: Số hồ sơ TTHC"
TOTAL_LABEL = "Tổng cộng"
REPORTER = "Đơn vị báo cáo"
RECIPIENT = "Đơn vị nhận báo cáo"
BLANK = "…………………………"
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
# "Tổng số" columns of a field row: formulas of their parts (the form's own identities).
IDENTITIES = {
    "received_total": ("received_online", "received_direct_postal", "carried_over"),
    "settled_total": ("early", "on_time", "late"),
    "pending_total": ("pending_within", "pending_overdue"),
}
WITHDRAWN_HEADER = "Hồ sơ công dân rút (ngoài biểu)"
SIGNERS = (("NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)"), ("THỦ TRƯỞNG ĐƠN VỊ", "(Ký tên, đóng dấu)"))
HEADER_ROW = 7
N_COLS = 2 + sum(len(cols) for _, cols in GROUPS) + 1
WITHDRAWN_COL = N_COLS
THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=False)
BODY = font(12)
BOLD = font(12, bold=True)
ITALIC = font(12, italic=True)


def column_of(name: str) -> int:
    """The sheet column (1-based) of a contract column of Biểu 06."""
    col = 3
    for _, subs in GROUPS:
        for sub, _label in subs:
            if sub == name:
                return col
            col += 1
    raise KeyError(name)


def _date(value: Any) -> str:
    return value.strftime("%d/%m/%Y") if isinstance(value, date) else str(value or "…")


def _text(ws: Worksheet, row: int, col: int, value: Any, **style: Any) -> None:
    cell = ws.cell(row=row, column=col, value=spreadsheet_text(value))
    style.setdefault("font", BODY)
    for name, val in style.items():
        setattr(cell, name, val)


def _rows(bieu06: pd.DataFrame, withdrawn: pd.Series) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Field rows (with a zero row for a field having only withdrawn dossiers) and the TOTAL."""
    records = bieu06.to_dict("records")
    fields = [r for r in records if r["field"] != TOTAL]
    total = next((r for r in records if r["field"] == TOTAL),
                 {c: (TOTAL if c == "field" else 0) for c in BIEU06_COLUMNS})
    known = {r["field"] for r in fields}
    extra = [f for f in withdrawn.index if f != TOTAL and f not in known and int(withdrawn[f])]
    if extra:
        fields += [{"field": f, **{c: 0 for c in BIEU06_COLUMNS[1:]}} for f in extra]
        fields.sort(key=lambda r: str(r["field"]))
    return fields, total


def write_bieu06_sheet(ws: Worksheet, bieu06: pd.DataFrame, withdrawn: pd.Series | None,
                       meta: Mapping[str, Any]) -> Worksheet:
    """Write the form (contract frame of parbook.analysis.forms.bieu06, TOTAL last) into ``ws``.

    ``withdrawn``: parbook.analysis.forms.withdrawn_beside (per field and TOTAL), shown in column (14).
    ``meta``: unit_name, period_label, start, end, as_of; optionally ``recipient`` (the report's
    addressee; left as a blank to fill when absent) and ``place_date`` ("An Lộc, ngày 14 tháng 9
    năm 2024"; a blank line to fill when absent).
    Save with :func:`parbook.report.xlsxtools.save_workbook` to cache the formulas' results.
    """
    last = get_column_letter(N_COLS)
    _text(ws, 1, 1, FORM_CODE, font=BOLD)
    _text(ws, 1, N_COLS - 4, FORM_BASIS, font=ITALIC)
    _text(ws, 2, 1, TITLE, font=font(13, bold=True), alignment=CENTER)
    ws.merge_cells(f"A2:{last}2")
    period = (f"Kỳ báo cáo: {meta.get('period_label', '')} (Từ ngày {_date(meta.get('start'))} "
              f"đến ngày {_date(meta.get('end'))}; số liệu chốt ngày {_date(meta.get('as_of'))})")
    _text(ws, 3, 1, period, font=BOLD, alignment=CENTER)
    ws.merge_cells(f"A3:{last}3")
    _text(ws, 4, 1, f"{REPORTER}: {meta.get('unit_name') or BLANK}")
    _text(ws, 5, 1, f"{RECIPIENT}: {meta.get('recipient') or BLANK}")
    _text(ws, 5, N_COLS - 2, UNIT_NOTE, font=ITALIC)

    top, sub, numbers = HEADER_ROW, HEADER_ROW + 1, HEADER_ROW + 2
    for col, label in ((1, "STT"), (2, "Lĩnh vực"), (N_COLS, WITHDRAWN_HEADER)):
        _text(ws, top, col, label, font=BOLD, alignment=CENTER)
        ws.merge_cells(start_row=top, start_column=col, end_row=sub, end_column=col)
    col = 3
    for header, subs in GROUPS:
        _text(ws, top, col, header, font=BOLD, alignment=CENTER)
        ws.merge_cells(start_row=top, start_column=col, end_row=top, end_column=col + len(subs) - 1)
        for _name, label in subs:
            _text(ws, sub, col, label, font=BOLD, alignment=CENTER)
            col += 1
    for c in range(1, N_COLS + 1):
        _text(ws, numbers, c, f"({c})", alignment=CENTER, font=ITALIC)
        for r in (top, sub, numbers):
            ws.cell(row=r, column=c).border = BORDER

    withdrawn = withdrawn if withdrawn is not None else pd.Series(dtype="int64")
    fields, total = _rows(bieu06, withdrawn)
    first = numbers + 1
    row = first
    for stt, rec in enumerate(fields, start=1):
        _text(ws, row, 1, stt, alignment=CENTER)
        _text(ws, row, 2, rec["field"], alignment=LEFT)
        for name in BIEU06_COLUMNS[1:]:
            ws.cell(row=row, column=column_of(name), value=int(rec[name]))
        for name, parts in IDENTITIES.items():
            refs = "+".join(f"{get_column_letter(column_of(p))}{row}" for p in parts)
            ws.cell(row=row, column=column_of(name), value=f"={refs}")
        ws.cell(row=row, column=WITHDRAWN_COL, value=int(withdrawn.get(rec["field"], 0)))
        row += 1
    total_row = row
    _text(ws, total_row, 2, TOTAL_LABEL, font=BOLD)
    for c in range(3, N_COLS + 1):
        letter = get_column_letter(c)
        if fields:
            ws.cell(row=total_row, column=c, value=f"=SUM({letter}{first}:{letter}{total_row - 1})")
        elif c == WITHDRAWN_COL:
            ws.cell(row=total_row, column=c, value=int(withdrawn.get(TOTAL, 0)))
        else:
            name = next(n for n in BIEU06_COLUMNS[1:] if column_of(n) == c)
            ws.cell(row=total_row, column=c, value=int(total[name]))
    for r in range(first, total_row + 1):
        for c in range(1, N_COLS + 1):
            cell = ws.cell(row=r, column=c)
            cell.border = BORDER
            if c >= 3:
                cell.number_format = INTEGER
                cell.font = BOLD if r == total_row else BODY
                cell.alignment = Alignment(horizontal="right", vertical="center")
            elif r == total_row:
                cell.font = BOLD

    row = total_row
    notes = [
        "Ghi chú: (3) = (4) + (5) + (6) = (7) + (11); (7) = (8) + (9) + (10); (11) = (12) + (13).",
        "Hồ sơ đang giải quyết tính tại ngày chốt số liệu; hồ sơ công dân rút không tính vào biểu "
        "và được thống kê riêng ở cột (14).",
    ]
    for text in notes:
        row += 1
        _text(ws, row, 1, text, font=font(11, italic=True))
    row = _signatures(ws, row + 2, meta)

    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 34
    for c in range(3, N_COLS + 1):
        ws.column_dimensions[get_column_letter(c)].width = 12
    ws.row_dimensions[sub].height = 45
    ws.freeze_panes = ws.cell(row=numbers + 1, column=3)
    ws.print_area = f"A1:{last}{row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    use_font_everywhere(ws)
    return ws


def _signatures(ws: Worksheet, row: int, meta: Mapping[str, Any]) -> int:
    """Place and date at the right, then the two signers; returns the last row used."""
    left, right = (1, 5), (N_COLS - 4, N_COLS)
    place_date = meta.get("place_date") or "…………, ngày …… tháng …… năm ……"
    _text(ws, row, right[0], place_date, font=ITALIC, alignment=CENTER)
    ws.merge_cells(start_row=row, start_column=right[0], end_row=row, end_column=right[1])
    for (title, how), (start, end) in zip(SIGNERS, (left, right), strict=True):
        _text(ws, row + 1, start, title, font=BOLD, alignment=CENTER)
        _text(ws, row + 2, start, how, font=ITALIC, alignment=CENTER)
        for r in (row + 1, row + 2):
            ws.merge_cells(start_row=r, start_column=start, end_row=r, end_column=end)
    return row + 6
