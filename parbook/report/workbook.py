"""forms.xlsx: the report's tables as a workbook (DESIGN.md §8).

Sheets: Chỉ số (indicators.csv + Vietnamese names), Biểu 06 (the official layout, written by the
indicator module's ``write_bieu06_sheet``), Phát hiện (findings.csv), then TT 01, 766, SIPAS, the
self-assessment and the plan. Every text cell is formula-safe (parbook.store.privacy.spreadsheet_text)
and stripped of characters XLSX cannot hold; personal columns are masked as in HTML tables.

The TT 01, 766, SIPAS, self-assessment and plan sheets show the analysis' scores and plan status
(:func:`result_sheets`). A result may be a DataFrame, a mapping of titles to frames, or a result
object (dataclass): its DataFrame fields become tables and its plain fields a summary table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from parbook.analysis.figures import indicator_label
from parbook.contract import FINDINGS_COLUMNS, INDICATOR_COLUMNS
from parbook.pipeline import Analysis
from parbook.report.bieu06_sheet import write_bieu06_sheet
from parbook.report.labels import FINDING_HEADERS, INDICATOR_HEADERS
from parbook.report.tables import mask_personal
from parbook.store.privacy import spreadsheet_text

# Vietnamese titles of the tables of result objects (field name → title).
TABLE_TITLES = {
    "indicators": "Các chỉ số", "staff": "Điểm theo công chức", "dossiers": "Điểm theo hồ sơ",
    "components": "Thành phần chỉ số", "by_element": "Theo yếu tố", "distribution": "Phân bố điểm",
    "trajectory": "Diễn biến theo tháng", "totals": "Tổng hợp",
}

TITLE_FONT = Font(name="Times New Roman", bold=True, size=13)
HEADER_FONT = Font(name="Times New Roman", bold=True, size=11)
BODY_FONT = Font(name="Times New Roman", size=11)
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def cell_value(value: Any) -> Any:
    """A value openpyxl can store safely: no formulas, no control characters, no NaN."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating) and np.isnan(value):
        return None
    if value is pd.NA:
        return None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, datetime | date | bool | int | float):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return spreadsheet_text(text)


def meta_of(analysis: Analysis) -> dict[str, Any]:
    """Header facts every sheet shows: unit, period, window dates, as-of."""
    w = analysis.window
    return {
        "unit_code": analysis.unit_code,
        "unit_name": analysis.data.unit.get("unit_name") or analysis.unit_code,
        "period": w.period, "period_label": w.label_vi(), "window": w.window,
        "start": w.start, "end": w.end, "as_of": w.as_of,
    }


def _title_rows(ws: Worksheet, title: str, meta: Mapping[str, Any]) -> int:
    ws.append([cell_value(title)])
    ws.cell(row=ws.max_row, column=1).font = TITLE_FONT
    ws.append([cell_value(
        f"{meta['unit_name']} — {meta['period_label']} ({meta['start']:%d/%m/%Y}–{meta['end']:%d/%m/%Y}), "
        f"số liệu chốt ngày {meta['as_of']:%d/%m/%Y}")])
    ws.cell(row=ws.max_row, column=1).font = BODY_FONT
    ws.append([])
    return ws.max_row


def write_table(ws: Worksheet, frame: pd.DataFrame, headers: Mapping[str, str] | None = None,
                title: str | None = None, mask: bool = True) -> None:
    """Append a titled table (header row styled, borders, dates formatted) below what is there.

    Personal columns are masked unless ``mask`` is False (only the internal follow-up list).
    """
    data = mask_personal(frame) if mask else frame
    if headers is not None:
        data = data[[c for c in headers]]
        names = [headers[c] for c in headers]
    else:
        names = [str(c) for c in data.columns]
    if title:
        ws.append([cell_value(title)])
        ws.cell(row=ws.max_row, column=1).font = HEADER_FONT
    ws.append([cell_value(n) for n in names])
    header_row = ws.max_row
    for col in range(1, len(names) + 1):
        cell = ws.cell(row=header_row, column=col)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for row in data.itertuples(index=False, name=None):
        ws.append([cell_value(v) for v in row])
        for col, value in enumerate(row, start=1):
            cell = ws.cell(row=ws.max_row, column=col)
            cell.font, cell.border = BODY_FONT, BORDER
            if isinstance(value, datetime | date | pd.Timestamp):
                cell.number_format = "dd/mm/yyyy"
    if data.empty:
        ws.append(["Không có dữ liệu."])
    ws.append([])
    for col, name in enumerate(names, start=1):
        letter = get_column_letter(col)
        width = max([len(str(name))] + [len(str(v)) for v in data.iloc[:200, col - 1]]) + 2
        ws.column_dimensions[letter].width = min(max(ws.column_dimensions[letter].width or 0, width), 60)


def tables_of(result: Any) -> dict[str, Any]:
    """Titled tables and values of a module's result: a frame, a mapping or a dataclass."""
    if isinstance(result, pd.DataFrame):
        return {"": result}
    if isinstance(result, tuple) and all(isinstance(x, pd.DataFrame) for x in result):
        return {f"Bảng {i + 1}": x for i, x in enumerate(result)}
    if is_dataclass(result):
        values = {f.name: getattr(result, f.name) for f in fields(result)}
    elif isinstance(result, Mapping):
        values = dict(result)
    else:
        raise TypeError(f"Không ghi được kết quả kiểu {type(result).__name__} (unsupported result)")
    frames = {TABLE_TITLES.get(k, k): v for k, v in values.items() if isinstance(v, pd.DataFrame)}
    scalars = {k: v for k, v in values.items() if not isinstance(v, pd.DataFrame)}
    out: dict[str, Any] = {}
    if scalars:
        out["Tóm tắt"] = pd.DataFrame({
            "Mục": list(scalars),
            "Giá trị": ["; ".join(map(str, v)) if isinstance(v, list | tuple) else
                        json.dumps(v, ensure_ascii=False, default=str) if isinstance(v, dict) else v
                        for v in scalars.values()]})
    out.update(frames)
    return out


def write_frames_sheet(ws: Worksheet, title: str, result: Any, meta: Mapping[str, Any]) -> None:
    """A sheet with a title block and the tables of a result (see ``tables_of``)."""
    _title_rows(ws, title, meta)
    for name, frame in tables_of(result).items():
        write_table(ws, frame, title=name or None)


def indicator_frame(analysis: Analysis) -> pd.DataFrame:
    """indicators.csv plus the Vietnamese name of each indicator."""
    ind = analysis.indicators.frame[INDICATOR_COLUMNS].copy()
    ind.insert(1, "label", ind["indicator_id"].map(indicator_label))
    return ind


def result_sheets(analysis: Analysis) -> dict[str, Any]:
    """Sheet name → the result it shows (the window's scores and the plan status)."""
    return {
        "TT 01-2018": analysis.scores.tt01["period"],
        "Ước tính 766": analysis.scores.index766["period"],
        "SIPAS": analysis.scores.satisfaction["period"],
        "Tự chấm điểm": analysis.plan.assessment,
        "Kế hoạch": analysis.plan.inspection,
    }


def write_forms_xlsx(analysis: Analysis, path: Path) -> Path:
    """Write forms.xlsx for the analysis (sheets of the module docstring)."""
    meta = meta_of(analysis)
    wb = Workbook()
    ws = wb.active
    ws.title = "Chỉ số"
    _title_rows(ws, "CÁC CHỈ SỐ THEO KẾ HOẠCH CCHC, SIPAS", meta)
    write_table(ws, indicator_frame(analysis), headers={**INDICATOR_HEADERS})
    write_bieu06_sheet(wb.create_sheet("Biểu 06"), analysis.forms.bieu06, analysis.forms.withdrawn,
                       meta)
    ws = wb.create_sheet("Phát hiện")
    _title_rows(ws, "KẾT QUẢ KIỂM TRA DỮ LIỆU VÀ QUY TRÌNH", meta)
    write_table(ws, analysis.findings.frame[FINDINGS_COLUMNS], headers=FINDING_HEADERS)
    for sheet, result in result_sheets(analysis).items():
        write_frames_sheet(wb.create_sheet(sheet), sheet, result, meta)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def read_workbook_values(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet's cell values (for comparing two runs: XLSX bytes carry timestamps)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    finally:
        wb.close()
