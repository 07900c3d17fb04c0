"""The import workbook: ``parbook template`` (empty) and :func:`write_workbook` (with data).

Both write the same layout from :mod:`parbook.intake.vocab`: an instruction sheet (HuongDan), one sheet
per import sheet with its Vietnamese headers (bold, frozen), date formats ``dd/mm/yyyy hh:mm``,
text format on code columns (so Excel keeps "0912…" and "1.001022" as typed), drop-down lists
for every vocabulary and yes/no column (from a hidden DanhSach sheet), and column widths.

:func:`write_workbook` writes frames with canonical columns (as the database holds them) with
the Vietnamese words, so that ``parbook ingest`` of the workbook reproduces them. Limits of the
round trip, by design of the contract: a NULL boolean is written blank and reads back as false;
``event_id`` is not a sheet column (the import derives it, :func:`parbook.intake.rows.event_id`);
columns that are not sheet columns (``batch_id``, …) are not written.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from parbook.intake.vocab import (
    BOOL_WORDS,
    INSTRUCTION_SHEET,
    LISTS_SHEET,
    SHEET_BY_NAME,
    SHEET_BY_TABLE,
    SHEETS,
    VOCABULARIES,
    ColumnSpec,
    SheetSpec,
    label_of,
)
from parbook.store.dates import EARLIEST_PLAUSIBLE_YEAR, PLAUSIBLE_YEARS_AHEAD

DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
DATE_FORMAT = "dd/mm/yyyy"
TEXT_FORMAT = "@"
MAX_ROW = 1_048_576
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
BOLD = Font(bold=True)
KIND_VI = {
    "code": "Mã (ghi dạng chữ)",
    "unit": "Mã đơn vị",
    "phone": "Số điện thoại (dạng chữ)",
    "text": "Chữ",
    "datetime": "Ngày giờ dd/mm/yyyy hh:mm",
    "date": "Ngày dd/mm/yyyy",
    "int": "Số nguyên",
    "float": "Số",
    "bool": "Có/Không",
    "vocab": "Chọn trong danh sách",
}
GENERAL_RULES = (
    "Mỗi trang tính là một loại dữ liệu: giữ nguyên tên trang tính và dòng tiêu đề "
    "(có thể thêm tối đa 10 dòng tiêu đề phía trên).",
    "Ngày: ô kiểu Ngày, hoặc chữ dd/mm/yyyy, dd/mm/yyyy hh:mm, hh:mm dd/mm/yyyy, yyyy-mm-dd. "
    "Luôn ghi ngày trước, tháng sau; năm đủ bốn chữ số. Năm phải từ "
    f"{EARLIEST_PLAUSIBLE_YEAR} đến {PLAUSIBLE_YEARS_AHEAD} năm sau năm hiện tại: ngày ngoài "
    "khoảng đó bị coi là gõ nhầm và dòng bị cách ly.",
    "Mã hồ sơ, mã TTHC, số điện thoại: ghi dạng chữ (các cột này đã định dạng Văn bản) để giữ "
    "số 0 đầu và các chữ số thập phân.",
    "Cột có danh sách: chọn trong danh sách (không phân biệt hoa thường; chấp nhận cả mã chuẩn "
    "tiếng Anh như direct, online).",
    "Có/Không: Có, x, 1, TRUE là có; Không, 0, FALSE hoặc để trống là không.",
    "Dòng trống được bỏ qua. Dòng có giá trị sai, thiếu mã hoặc trùng mã trong tệp bị cách ly "
    "(xem bằng: parbook quarantine), các dòng khác vẫn được nạp.",
    "Nạp lại cùng tệp không thay đổi gì; tệp sau cập nhật theo mã, bản cũ được lưu vào lịch sử.",
    "Cột Người nộp, Số điện thoại, Địa chỉ là dữ liệu cá nhân (NĐ 13/2023): không xuất hiện "
    "trong báo cáo.",
)


def _allowed(col: ColumnSpec) -> str:
    if col.kind == "vocab":
        vocab = VOCABULARIES[col.vocabulary or col.name]
        return "; ".join(f"{' / '.join(words)} ({code})" for code, words in vocab.items())
    if col.kind == "bool":
        return " / ".join(BOOL_WORDS[True]) + " → có; " + " / ".join(BOOL_WORDS[False]) + \
            " / trống → không"
    return ""


def _required(spec: SheetSpec, col: ColumnSpec) -> str:
    if col.name == "unit_code":
        return "Bắt buộc (hoặc nhập với --unit)"
    if col.name in spec.key:
        return "Bắt buộc (khóa, không trùng)"
    if col.name in spec.required or col.name in spec.required_headers:
        return "Bắt buộc"
    return ""


def _cell(ws: Any, value: Any, font: Font | None = None, fill: PatternFill | None = None,
          number_format: str | None = None, wrap: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text, never a formula
    if font:
        cell.font = font
    if fill:
        cell.fill = fill
    if number_format:
        cell.number_format = number_format
    if wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _instructions(wb: Workbook) -> None:
    ws = wb.create_sheet(INSTRUCTION_SHEET)
    widths = (22, 22, 24, 46, 24, 28, 60)
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.append([_cell(ws, "HƯỚNG DẪN NHẬP LIỆU — sổ Excel nhập hồ sơ TTHC (parbook)",
                     Font(bold=True, size=14))])
    ws.append([])
    ws.append([_cell(ws, "Quy tắc chung", BOLD)])
    for n, rule in enumerate(GENERAL_RULES, start=1):
        ws.append([f"{n}.", rule])
    header = ("Cột (tiêu đề)", "Tên chuẩn", "Kiểu dữ liệu", "Giá trị hợp lệ", "Bắt buộc",
              "Ví dụ", "Giải thích")
    for spec in SHEETS:
        ws.append([])
        ws.append([_cell(ws, f"Trang {spec.name} — {spec.title}", Font(bold=True, size=12))])
        for note in spec.notes:
            ws.append([note])
        ws.append([_cell(ws, h, BOLD, HEADER_FILL) for h in header])
        for col in spec.columns:
            ws.append([col.label, col.name, KIND_VI[col.kind], _cell(ws, _allowed(col), wrap=True),
                       _required(spec, col), _cell(ws, col.example, number_format=TEXT_FORMAT),
                       _cell(ws, col.help, wrap=True)])
        ws.append([_cell(ws, "Dòng ví dụ (nhập vào trang " + spec.name + " như sau):", BOLD)])
        ws.append([_cell(ws, c.label, BOLD, HEADER_FILL) for c in spec.columns])
        ws.append([_cell(ws, c.example, number_format=TEXT_FORMAT) for c in spec.columns])


def _list_values() -> dict[str, list[str]]:
    """Drop-down lists: each vocabulary's written words, and Có/Không."""
    lists = {name: [words[0] for words in vocab.values()] for name, vocab in VOCABULARIES.items()}
    lists["bool"] = [BOOL_WORDS[True][0], BOOL_WORDS[False][0]]
    return lists


def _list_ranges(lists: dict[str, list[str]]) -> dict[str, str]:
    """List name → its absolute range in the hidden DanhSach sheet (one column per list)."""
    return {n: f"{LISTS_SHEET}!${get_column_letter(j)}$2:${get_column_letter(j)}$"
               f"{len(values) + 1}" for j, (n, values) in enumerate(lists.items(), start=1)}


def _write_lists(wb: Workbook, lists: dict[str, list[str]]) -> None:
    ws = wb.create_sheet(LISTS_SHEET)
    ws.sheet_state = "hidden"
    names = list(lists)
    ws.append(names)
    for i in range(max(len(v) for v in lists.values())):
        ws.append([lists[n][i] if i < len(lists[n]) else None for n in names])


def _number_format(col: ColumnSpec) -> str | None:
    return {"datetime": DATETIME_FORMAT, "date": DATE_FORMAT, "code": TEXT_FORMAT,
            "unit": TEXT_FORMAT, "phone": TEXT_FORMAT}.get(col.kind)


def _data_sheet(wb: Workbook, spec: SheetSpec, columns: list[ColumnSpec], lists: dict[str, str]
                ) -> Any:
    ws = wb.create_sheet(spec.name)
    ws.freeze_panes = "A2"
    for j, col in enumerate(columns, start=1):
        letter = get_column_letter(j)
        dim = ws.column_dimensions[letter]
        dim.width = max(14, min(40, len(col.label) + 6))
        fmt = _number_format(col)
        if fmt:
            dim.number_format = fmt
        source = col.vocabulary if col.kind == "vocab" else ("bool" if col.kind == "bool" else None)
        if source:
            dv = DataValidation(type="list", formula1=f"={lists[source]}", allow_blank=True,
                                errorStyle="warning", showErrorMessage=True,
                                errorTitle="Ngoài danh sách",
                                error="Giá trị này không có trong danh sách; dòng có thể bị "
                                      "cách ly khi nạp.")
            dv.add(f"{letter}2:{letter}{MAX_ROW}")
            ws.data_validations.append(dv)
    ws.append([_cell(ws, c.label, BOLD, HEADER_FILL) for c in columns])
    return ws


def _converter(col: ColumnSpec) -> Callable[[Any], Any]:
    def missing(v: Any) -> bool:
        return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v))

    kind = col.kind
    if kind == "vocab":
        vocab = col.vocabulary or col.name
        return lambda v: None if missing(v) else label_of(vocab, str(v))
    if kind == "bool":
        yes, no = BOOL_WORDS[True][0], BOOL_WORDS[False][0]
        return lambda v: None if missing(v) else (yes if bool(v) else no)
    if kind == "datetime":
        def as_datetime(v: Any) -> Any:
            if missing(v):
                return None
            return pd.Timestamp(v).to_pydatetime() if not isinstance(v, datetime) else v
        return as_datetime
    if kind == "date":
        def as_date(v: Any) -> Any:
            if missing(v):
                return None
            if isinstance(v, date) and not isinstance(v, datetime):
                return v
            return pd.Timestamp(v).date()
        return as_date
    if kind == "int":
        return lambda v: None if missing(v) else int(v)
    if kind == "float":
        return lambda v: None if missing(v) else float(v)
    return lambda v: None if missing(v) else str(v)


def write_template(path: str | Path) -> Path:
    """The empty import workbook (``parbook template FILE.xlsx``)."""
    return write_workbook(path, {})


def _resolve(name: str) -> SheetSpec:
    spec = SHEET_BY_NAME.get(name) or SHEET_BY_TABLE.get(name)
    if spec is None:
        raise KeyError(f"Không có trang tính '{name}' (unknown sheet); có: "
                       f"{', '.join(SHEET_BY_NAME)}")
    return spec


def write_workbook(path: str | Path, sheets: dict[str, pd.DataFrame]) -> Path:
    """Write canonical frames (sheet or table name → frame) as an import workbook.

    Every sheet of the contract is written (empty when not given); a given frame writes the
    sheet columns it has, in contract order, with Vietnamese words for vocabulary codes and
    booleans, Excel date cells for timestamps and text for codes.
    """
    frames = {_resolve(name).name: frame for name, frame in sheets.items()}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)   # before the workbook's streams are opened
    wb = Workbook(write_only=True)
    _instructions(wb)
    lists = _list_values()
    ranges = _list_ranges(lists)
    for spec in SHEETS:
        frame = frames.get(spec.name)
        columns = list(spec.columns) if frame is None else [c for c in spec.columns
                                                           if c.name in frame.columns]
        ws = _data_sheet(wb, spec, columns, ranges)
        if frame is None or frame.empty:
            continue
        converters = [_converter(c) for c in columns]
        formats = [DATETIME_FORMAT if c.kind == "datetime" else DATE_FORMAT if c.kind == "date"
                   else None for c in columns]
        data = frame[[c.name for c in columns]].astype(object).to_numpy()
        for row in data:
            out = []
            for value, convert, fmt in zip(row, converters, formats, strict=True):
                v = convert(value)
                if v is not None and (fmt or (isinstance(v, str) and v.startswith("="))):
                    v = _cell(ws, v, number_format=fmt)
                out.append(v)
            ws.append(out)
    _write_lists(wb, lists)
    wb.save(path)
    return path
