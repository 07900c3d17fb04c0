"""forms.xlsx: the report's tables as a workbook (DESIGN.md §8), in Vietnamese for a reader.

Sheets: Chỉ số (indicators.csv with Vietnamese names), Biểu 06 (the official form, with formulas:
parbook.report.bieu06_sheet), Phát hiện (findings.csv), TT 01-2018, Ước tính 766, SIPAS, Tự chấm
điểm and Kế hoạch — one small writer per result kind. Every header is Vietnamese; values are
written for a reader: "Có"/"Không", rates as numbers shown as percentages, scores with one
decimal, dates dd/mm/yyyy, empty cells (never "nan"); each result sheet opens with a "Tóm tắt" of
labelled facts. Every cell is Times New Roman; every text cell is formula-safe
(parbook.store.spreadsheet.spreadsheet_text) and stripped of characters XLSX cannot hold; personal
columns are masked as in HTML tables.

Personnel evaluation stays internal (unit setting ``personnel_in_reports``, default false): the
officials' names with their TT 01 scores and late counts are written by
:func:`write_personnel_xlsx` into ``noi-bo/danh-gia-can-bo.xlsx`` and left out of forms.xlsx,
whose per-dossier TT 01 table then has no handler column. With the setting true, forms.xlsx gets
the sheet "Đánh giá cán bộ" as well.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from parbook.analysis.figures import SCOPE_LABELS_VI, indicator_label, indicator_unit
from parbook.analysis.indicators import late_by_handler
from parbook.analysis.tt01 import COMMUNE_CLASSES, COMMUNE_LOWEST, personnel_in_reports
from parbook.contract import FINDING_COLUMNS
from parbook.law.regimes import all_regimes, regime_on
from parbook.pipeline import Analysis
from parbook.plan.assessment import par_totals
from parbook.report.bieu06_sheet import write_bieu06_sheet
from parbook.report.labels import (
    ENTITY_LABELS,
    FINDING_HEADERS,
    MET_LABELS,
    column_label,
    severity_label,
)
from parbook.report.tables import mask_personal
from parbook.report.xlsxtools import (
    DATE,
    INTEGER,
    PERCENT,
    SCORE,
    SIGNED_PERCENT,
    font,
    save_workbook,
)
from parbook.store.spreadsheet import spreadsheet_text

PERSONNEL_FILE = Path("noi-bo") / "danh-gia-can-bo.xlsx"
PERSONNEL_SHEET = "Đánh giá cán bộ"
PERSONNEL_BANNER = ("TÀI LIỆU NỘI BỘ — ĐÁNH GIÁ CÁN BỘ, CÔNG CHỨC. Họ tên kèm điểm, số hồ sơ trễ hạn "
                    "của từng người: KHÔNG gửi kèm báo cáo, không công khai.")
SHEETS = ("Chỉ số", "Biểu 06", "Phát hiện", "TT 01-2018", "Ước tính 766", "SIPAS", "Tự chấm điểm",
          "Kế hoạch")

TITLE_FONT = font(13, bold=True)
HEADER_FONT = font(11, bold=True)
BODY_FONT = font(11)
BANNER_FONT = font(13, bold=True, color="C00000")
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
BANNER_FILL = PatternFill("solid", fgColor="FFF2CC")
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
MAX_WIDTH = 60
NO_DATA = "Không có dữ liệu"
YES_NO = {True: "Có", False: "Không"}
RELIABILITY_VI = {"V": "Đã xác minh [V]", "S": "Nguồn thứ cấp [S]", "U": "Chưa xác minh [U]"}
COMPARISON_SIGNS = {">=": "≥ ", ">": "> ", "<=": "≤ ", "==": ""}
WINDOW_VI = {"nd09": "kỳ báo cáo theo NĐ 09/2019/NĐ-CP",
             "calendar": "kỳ theo tháng dương lịch"}
LEVEL_VI = {"hồ sơ": "Từng hồ sơ", "đơn vị": "Đơn vị"}

# A column's number format: fixed, or chosen per row from the row's record.
Format = str | Callable[[Mapping[str, Any]], str | None]


# ------------------------------------------------------------------------------------------------
# cells and tables


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


def shown(value: Any) -> Any:
    """What a reader sees in a cell: booleans as "Có"/"Không", missing values empty."""
    value = cell_value(value)
    if isinstance(value, bool):
        return YES_NO[value]
    return value


def meta_of(analysis: Analysis, recipient: str | None = None) -> dict[str, Any]:
    """Header facts every sheet shows: unit, period, window dates, as-of, addressee, place/date."""
    w = analysis.window
    unit = analysis.data.unit
    return {
        "unit_code": analysis.unit_code,
        "unit_name": unit.get("unit_name") or analysis.unit_code,
        "period": w.period, "period_label": w.label_vi(), "window": w.window,
        "start": w.start, "end": w.end, "as_of": w.as_of,
        "recipient": recipient or window_recipient(analysis),
        "place_date": place_date(analysis),
    }


def _without_note(name: Any) -> str:
    """'Huyện Minh Phong (mô phỏng)' → 'Huyện Minh Phong'."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", str(name or "")).strip()


def default_recipient(unit: Mapping[str, Any]) -> str | None:
    """'Ủy ban nhân dân huyện <district>' from the unit row (None without a district).

    >>> default_recipient({"district": "Huyện Kiểm Tra"})
    'Ủy ban nhân dân huyện Kiểm Tra'
    >>> default_recipient({"district": "Thị xã Hương Trà"}), default_recipient({"district": "Phú Vang"})
    ('Ủy ban nhân dân thị xã Hương Trà', 'Ủy ban nhân dân huyện Phú Vang')
    """
    district = _without_note(unit.get("district"))
    if not district:
        return None
    kind = re.match(r"(huyện|quận|thị xã|thành phố)\s+", district, flags=re.IGNORECASE)
    if kind:
        return f"Ủy ban nhân dân {kind.group(1).lower()} {district[kind.end():]}"
    return f"Ủy ban nhân dân huyện {district}"


def window_recipient(analysis: Analysis) -> str | None:
    """The addressee when the report's header is not given: the district of the units table
    before the regime switch; after it, the addressee of the window end's regime (the province,
    report_header.yaml / regimes.yaml)."""
    from parbook.report.page import report_header

    if regime_on(analysis.window.end) == all_regimes()[0]:
        return default_recipient(analysis.data.unit)
    return report_header(analysis.data.unit, analysis.window).recipients_to or None


def place_date(analysis: Analysis) -> str:
    """The place and date line of the district report (report_header.yaml), for the signatures."""
    from parbook.report.page import report_header

    return report_header(analysis.data.unit, analysis.window).place_date


def _print_setup(ws: Worksheet) -> None:
    """A4 landscape, every column on the page's width."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _fit_row_heights(ws: Worksheet) -> None:
    """Heights for rows whose wrapped text needs several lines (not every reader fits them)."""
    line_height = 15.0
    for row in ws.iter_rows():
        lines = 1
        for cell in row:
            if not isinstance(cell.value, str) or not cell.alignment.wrap_text:
                continue
            width = ws.column_dimensions[cell.column_letter].width or 10
            per_line = max(int(width * 1.1) - 1, 1)
            lines = max(lines, sum(max(1, -(-len(part) // per_line))
                                   for part in cell.value.split("\n")))
        if lines > 1:
            ws.row_dimensions[row[0].row].height = line_height * lines


def _title_rows(ws: Worksheet, title: str, meta: Mapping[str, Any]) -> int:
    ws.append([cell_value(title)])
    ws.cell(row=ws.max_row, column=1).font = TITLE_FONT
    ws.append([cell_value(
        f"{meta['unit_name']} — {meta['period_label']} ({meta['start']:%d/%m/%Y}–{meta['end']:%d/%m/%Y}), "
        f"số liệu chốt ngày {meta['as_of']:%d/%m/%Y}")])
    ws.cell(row=ws.max_row, column=1).font = BODY_FONT
    ws.append([])
    return ws.max_row


def _subtitle(ws: Worksheet, title: str) -> None:
    ws.append([cell_value(title)])
    ws.cell(row=ws.max_row, column=1).font = HEADER_FONT


def _header_row(ws: Worksheet, names: Sequence[str]) -> None:
    ws.append([cell_value(n) for n in names])
    row = ws.max_row
    for col in range(1, len(names) + 1):
        cell = ws.cell(row=row, column=col)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")


def _widen(ws: Worksheet, col: int, texts: Sequence[Any]) -> None:
    letter = get_column_letter(col)
    width = max([len(str(t)) for t in texts if t is not None] + [4]) + 2
    ws.column_dimensions[letter].width = min(max(ws.column_dimensions[letter].width or 0, width),
                                             MAX_WIDTH)


def write_table(ws: Worksheet, frame: pd.DataFrame, headers: Mapping[Any, str] | None = None,
                title: str | None = None, mask: bool = True,
                formats: Mapping[Any, Format] | None = None) -> None:
    """Append a titled table (header row styled, borders) below what is there.

    ``headers``: column → Vietnamese header, in order (default: every column, named by
    parbook.report.labels.column_label). ``formats``: column → number format, or a function of
    the row's record (every column of ``frame``, shown or not) giving it. Dates are shown
    dd/mm/yyyy, booleans "Có"/"Không", missing values as empty cells. Personal columns are masked
    unless ``mask`` is False (only the internal follow-up list).
    """
    data = mask_personal(frame) if mask else frame
    columns = list(headers) if headers is not None else list(data.columns)
    names = [headers[c] for c in columns] if headers is not None else [column_label(str(c))
                                                                       for c in columns]
    formats = formats or {}
    if title:
        _subtitle(ws, title)
    _header_row(ws, names)
    records = data.to_dict("records")
    # Every body cell has the same font, border and alignment, and one of a few number formats:
    # the first cell of each format is styled, the next ones copy its style indices.
    styles: dict[str | None, StyleArray] = {}
    row = ws.max_row              # the header row (each appended row below is not empty)
    for rec in records:
        ws.append([shown(rec[c]) for c in columns])
        row += 1
        for col, name in enumerate(columns, start=1):
            cell = ws.cell(row=row, column=col)
            fmt = formats.get(name)
            if callable(fmt):
                fmt = fmt(rec)
            number_format = (DATE if isinstance(cell.value, datetime | date) else
                             fmt if fmt and isinstance(cell.value, int | float) else None)
            style = styles.get(number_format)
            if style is not None:
                cell._style = StyleArray(style)
                continue
            cell.font, cell.border = BODY_FONT, BORDER
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if number_format is not None:
                cell.number_format = number_format
            styles[number_format] = StyleArray(cell._style)
    if not records:
        ws.append([NO_DATA])
        ws.cell(row=ws.max_row, column=1).font = BODY_FONT
    ws.append([])
    for col, (name, header) in enumerate(zip(columns, names, strict=True), start=1):
        sample = [shown(r[name]) for r in records[:200]]
        _widen(ws, col, [header, *sample])


def write_facts(ws: Worksheet, facts: Sequence[tuple[Any, ...]], title: str = "Tóm tắt") -> None:
    """A two-column table of labelled facts: (label, value[, number format]); None → no data."""
    _subtitle(ws, title)
    _header_row(ws, ["Nội dung", "Giá trị"])
    for fact in facts:
        label, value = fact[0], fact[1]
        fmt = fact[2] if len(fact) > 2 else None
        value = shown(value)
        ws.append([cell_value(label), NO_DATA if value is None or value == "" else value])
        row = ws.max_row
        for col in (1, 2):
            cell = ws.cell(row=row, column=col)
            cell.font, cell.border = BODY_FONT, BORDER
            cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
        value_cell = ws.cell(row=row, column=2)
        if isinstance(value_cell.value, datetime | date):
            value_cell.number_format = DATE
        elif fmt and isinstance(value_cell.value, int | float):
            value_cell.number_format = fmt
    ws.append([])
    _widen(ws, 1, [f[0] for f in facts])
    _widen(ws, 2, [shown(f[1]) for f in facts])


def _unit_format(unit: str | None, integer: str = INTEGER) -> str:
    return PERCENT if unit == "%" else SCORE if unit == "điểm" else integer


def _count_format(value: Any) -> str:
    """Whole numbers without decimals, others with one."""
    try:
        return INTEGER if float(value).is_integer() else "#,##0.0"
    except (TypeError, ValueError):
        return INTEGER


def _capital(text: Any) -> Any:
    return text[:1].upper() + text[1:] if isinstance(text, str) else text


# ------------------------------------------------------------------------------------------------
# one writer per sheet


def write_indicator_sheet(ws: Worksheet, analysis: Analysis, meta: Mapping[str, Any]) -> None:
    """Chỉ số: the 16 indicators in the window and the year to date."""
    _title_rows(ws, "CÁC CHỈ SỐ THEO KẾ HOẠCH CCHC, SIPAS", meta)
    d = analysis.indicators.details
    frame = pd.DataFrame({
        "label": d["label_vi"], "scope": d["scope_label"].map(_capital),
        "numerator": d["numerator"], "denominator": d["denominator"], "value": d["value"],
        "target": d["target"],
        "met": d["met"].map(lambda m: None if pd.isna(m) else MET_LABELS[bool(m)]),
        "note": d["empty_reason"], "indicator_id": d["indicator_id"],
        "unit": d["unit"], "comparison": d["comparison"],
    })

    def target_format(rec: Mapping[str, Any]) -> str:
        sign = COMPARISON_SIGNS.get(rec["comparison"], "") if isinstance(rec["comparison"], str) else ""
        base = _unit_format(rec["unit"])
        return f'"{sign}"{base}' if sign else base

    write_table(ws, frame, headers={
        "label": "Chỉ số", "scope": "Phạm vi", "numerator": "Tử số", "denominator": "Mẫu số",
        "value": "Giá trị", "target": "Mục tiêu", "met": "Đánh giá", "note": "Ghi chú",
        "indicator_id": "Mã chỉ số",
    }, formats={
        "numerator": lambda r: _unit_format(r["unit"]) if r["unit"] == "điểm" else INTEGER,
        "denominator": INTEGER, "value": lambda r: _unit_format(r["unit"]),
        "target": target_format,
    })


def write_findings_sheet(ws: Worksheet, analysis: Analysis, meta: Mapping[str, Any]) -> None:
    """Phát hiện: findings.csv with its words in Vietnamese."""
    _title_rows(ws, "KẾT QUẢ KIỂM TRA DỮ LIỆU VÀ QUY TRÌNH", meta)
    f = analysis.findings.frame[FINDING_COLUMNS].copy()
    f["severity"] = f["severity"].map(severity_label)
    f["entity"] = f["entity"].map(lambda e: ENTITY_LABELS.get(e, e))
    write_table(ws, f, headers=FINDING_HEADERS)


def _class_scale() -> str:
    parts = [f"từ {int(bound)} điểm: {label}" for bound, label in COMMUNE_CLASSES]
    return "; ".join(parts) + f"; dưới {int(COMMUNE_CLASSES[-1][0])} điểm: {COMMUNE_LOWEST}"


TT01_DOSSIER_HEADERS = {
    "dossier_code": "Mã hồ sơ", "field": "Lĩnh vực",
    "i1": "Chỉ số 1 — thời gian giải quyết", "i3": "Chỉ số 3 — số lần liên hệ hoàn thiện hồ sơ",
    "i7": "Chỉ số 7 — thái độ cán bộ",
}
POINTS = {"i1": "0", "i3": "0", "i7": "0"}


def write_tt01_sheet(ws: Worksheet, analysis: Analysis, meta: Mapping[str, Any]) -> None:
    """TT 01-2018: total, class, excluded indicators, the nine indicators, points per dossier."""
    _title_rows(ws, "ĐÁNH GIÁ CHẤT LƯỢNG GIẢI QUYẾT TTHC (TT 01/2018/TT-VPCP)", meta)
    ev, ytd = analysis.scores.tt01["period"], analysis.scores.tt01["ytd"]
    no_class = "Chưa xếp loại (không chỉ số nào có dữ liệu)"
    write_facts(ws, [
        ("Tổng điểm", ev.total, SCORE),
        ("Điểm tối đa của các chỉ số có dữ liệu", ev.max_total, INTEGER),
        ("Xếp loại", _capital(ev.class_label) or no_class),
        ("Các chỉ số không tính", "\n".join(ev.excluded) or "Không có (mọi chỉ số đều có dữ liệu)"),
        ("Tổng điểm lũy kế từ đầu năm", ytd.total, SCORE),
        ("Xếp loại lũy kế từ đầu năm", _capital(ytd.class_label) or no_class),
        ("Thang xếp loại (Điều 15.3)", _class_scale()),
        ("Thiết lập đơn vị (chỉ số 5, 6, 9)", ev.settings_status or "Chưa ghi"),
    ])
    table = ev.indicators.assign(level=ev.indicators["level"].map(lambda v: LEVEL_VI.get(v, v)))
    write_table(ws, table, title="Các chỉ số", headers={
        "indicator": "Chỉ số", "name_vi": "Tên chỉ số", "level": "Chấm theo", "score": "Điểm",
        "max_score": "Điểm tối đa", "n_dossiers": "Số hồ sơ có dữ liệu", "included": "Được tính",
        "basis": "Căn cứ chấm",
    }, formats={"indicator": "0", "score": SCORE, "max_score": "0", "n_dossiers": INTEGER})
    write_table(ws, ev.dossiers, title="Điểm theo hồ sơ đã giải quyết trong kỳ",
                headers=TT01_DOSSIER_HEADERS, formats=POINTS)


def _window_kind(kind: str) -> str:
    return WINDOW_VI.get(kind, kind)


def write_index766_sheet(ws: Worksheet, analysis: Analysis, meta: Mapping[str, Any]) -> None:
    """Ước tính 766: the estimate, per group and per component."""
    from parbook.analysis.index766 import group_totals

    _title_rows(ws, "ƯỚC TÍNH CHỈ SỐ PHỤC VỤ NGƯỜI DÂN, DOANH NGHIỆP (QĐ 766/QĐ-TTg)", meta)
    est = analysis.scores.index766["period"]
    write_facts(ws, [
        ("Tính chất", est.status),
        ("Điểm ước tính", est.score, SCORE),
        ("Điểm tối đa của các thành phần tính được", est.computed_max, SCORE),
        ("Tỷ lệ điểm trên phần tính được", est.share_of_computed, PERCENT),
        ("Điểm tối đa của Bộ chỉ số", est.total_max, SCORE),
        ("Số thành phần chưa tính được", len(est.missing), INTEGER),
        ("Kỳ tính", _capital(_window_kind(est.window_kind))),
    ])
    write_table(ws, group_totals(est), title="Tổng hợp theo nhóm", headers={
        "group": "Nhóm", "group_name_vi": "Tên nhóm", "max": "Điểm tối đa",
        "computed_max": "Điểm tối đa của phần tính được", "score": "Điểm ước tính",
    }, formats={"max": SCORE, "computed_max": SCORE, "score": SCORE})
    comp = est.components.assign(
        reliability=est.components["reliability"].map(lambda v: RELIABILITY_VI.get(v, v)),
        basis=est.components["basis"].map(_measure_text))
    write_table(ws, comp, title="Thành phần chỉ số", headers={
        "group": "Nhóm", "component": "Mã thành phần", "name_vi": "Thành phần", "max": "Điểm tối đa",
        "computable": "Tính được từ dữ liệu của xã", "numerator": "Tử số", "denominator": "Mẫu số",
        "ratio": "Tỷ lệ", "threshold": "Ngưỡng đạt điểm tối đa", "score": "Điểm ước tính",
        "reliability": "Độ tin cậy", "basis": "Cách tính", "reason": "Lý do chưa tính",
    }, formats={"max": SCORE, "numerator": lambda r: _count_format(r["numerator"]),
                "denominator": INTEGER, "ratio": PERCENT, "threshold": PERCENT, "score": SCORE})


def write_satisfaction_sheet(ws: Worksheet, analysis: Analysis, meta: Mapping[str, Any]) -> None:
    """SIPAS: pooled satisfaction, per element beside the national figures, distribution."""
    _title_rows(ws, "MỨC ĐỘ HÀI LÒNG CỦA NGƯỜI DÂN (XẤP XỈ THEO SIPAS)", meta)
    s = analysis.scores.satisfaction["period"]
    scale = "; ".join(f"{k} — {v}" for k, v in sorted(s.scale.items()))
    write_facts(ws, [
        ("Tính chất", s.status),
        ("Số phiếu đánh giá trong kỳ", s.n_surveys, INTEGER),
        ("Số lượt đánh giá hợp lệ (mức 1–5, 5 yếu tố)", s.pooled.denominator, INTEGER),
        ("Số lượt hài lòng (mức 4–5)", s.pooled.numerator, INTEGER),
        ("Tỷ lệ hài lòng chung", s.pooled.value, PERCENT),
        ("Thang điểm", scale),
    ])
    write_table(ws, s.by_element, title="Theo yếu tố", headers={
        "name_vi": "Yếu tố", "n_ratings": "Số lượt đánh giá hợp lệ",
        "n_satisfied": "Số lượt hài lòng (mức 4–5)", "rate": "Tỷ lệ hài lòng",
        "national_2023": "Cả nước năm 2023", "national_2024": "Cả nước năm 2024",
        "gap_2023": "Chênh lệch so với cả nước năm 2023",
    }, formats={"n_ratings": INTEGER, "n_satisfied": INTEGER, "rate": PERCENT,
                "national_2023": PERCENT, "national_2024": PERCENT, "gap_2023": SIGNED_PERCENT})
    ratings = [c for c in s.distribution.columns if isinstance(c, int | np.integer)]
    write_table(ws, s.distribution, title="Phân bố điểm đánh giá", headers={
        "name_vi": "Yếu tố",
        **{r: f"Mức {r} — {s.scale.get(int(r), '')}".rstrip(" —") for r in ratings},
        "invalid": "Điểm không hợp lệ", "missing": "Để trống",
    }, formats={**dict.fromkeys(ratings, INTEGER), "invalid": INTEGER, "missing": INTEGER})


def write_assessment_sheet(ws: Worksheet, analysis: Analysis, meta: Mapping[str, Any]) -> None:
    """Tự chấm điểm: totals, then every criterion with score, maximum and gap."""
    _title_rows(ws, "TỰ CHẤM ĐIỂM CẢI CÁCH HÀNH CHÍNH", meta)
    a = analysis.plan.assessment
    if a.empty:
        write_facts(ws, [("Bộ tiêu chí", "Chưa có bộ tiêu chí")])
        return
    t = par_totals(a)
    facts: list[tuple[Any, ...]] = [
        ("Bộ tiêu chí", t["label"]),
        ("Tổng điểm tự chấm", t["score"], SCORE), ("Điểm tối đa", t["max"], SCORE),
        ("Còn thiếu", t["gap"], SCORE),
        ("Điểm chấm tự động từ số liệu", t["auto_score"], SCORE),
        ("Điểm tối đa của phần chấm tự động", t["auto_max"], SCORE),
        ("Điểm do đơn vị tự chấm", t["manual_score"], SCORE),
        ("Điểm tối đa của phần tự chấm", t["manual_max"], SCORE),
        ("Số tiêu chí được chấm (cấp cuối)", t["criteria"], INTEGER),
        ("Số tiêu chí chưa chấm", t["unscored"], INTEGER),
        ("Số tiêu chí tự động chưa có dữ liệu", t["no_data"], INTEGER),
        ("Số tiêu chí cần xem lại", t["flagged"], INTEGER),
    ]
    if t["unknown_scores"]:
        facts.append(("Mã tiêu chí tự chấm không có trong bộ tiêu chí", ", ".join(t["unknown_scores"])))
    write_facts(ws, facts)
    table = a.assign(
        level_name=a["level_name"].map(_capital),
        indicator=a["indicator_id"].map(lambda i: indicator_label(i) if isinstance(i, str) else None),
        unit=a["indicator_id"].map(lambda i: indicator_unit(i) if isinstance(i, str) else None))
    write_table(ws, table, title="Các tiêu chí", headers={
        "criterion_id": "Mã tiêu chí", "level_name": "Cấp", "name": "Tên tiêu chí",
        "section": "Bộ phận phụ trách", "source": "Cách chấm", "indicator": "Chỉ số",
        "value": "Giá trị chỉ số", "score": "Điểm", "max": "Điểm tối đa", "gap": "Còn thiếu",
        "status": "Tình trạng", "flagged": "Cần xem lại", "evidence": "Tài liệu kiểm chứng",
        "note": "Ghi chú", "requirements": "Yêu cầu của kế hoạch",
    }, formats={"value": lambda r: _unit_format(r["unit"]), "score": SCORE, "max": SCORE,
                "gap": SCORE})


_INDICATOR_REF = re.compile(r"chỉ số ([a-z0-9_]+) \((period|ytd)\)")
_INDICATOR_WORD = re.compile(r"\bindicator ([a-z0-9_]+)")


def _measure_text(text: Any) -> Any:
    """Indicator ids in configuration texts as their Vietnamese names.

    >>> _measure_text("chỉ số online_rate (ytd); kiểm tra HS08")
    'Tỷ lệ hồ sơ tiếp nhận trực tuyến (lũy kế từ đầu năm); kiểm tra HS08'
    >>> _measure_text("indicator feedback_ontime_rate (15 ngày làm việc)")
    'chỉ số "Tỷ lệ PAKN thuộc thẩm quyền được xử lý đúng hạn (15 ngày làm việc)" (15 ngày làm việc)'
    """
    if not isinstance(text, str):
        return text
    text = _INDICATOR_REF.sub(
        lambda m: f"{indicator_label(m.group(1))} ({SCOPE_LABELS_VI[m.group(2)]})", text)
    return _INDICATOR_WORD.sub(lambda m: f'chỉ số "{indicator_label(m.group(1))}"', text)


def write_plan_sheet(ws: Worksheet, analysis: Analysis, meta: Mapping[str, Any]) -> None:
    """Kế hoạch: the self-inspection per requirement, then the overdue or unevidenced duties."""
    _title_rows(ws, "TỰ KIỂM TRA VIỆC THỰC HIỆN KẾ HOẠCH CCHC", meta)
    ins = analysis.plan.inspection
    plan = ins.attrs.get("plan")
    facts: list[tuple[Any, ...]] = [
        ("Kế hoạch", f"{plan['title']} ({plan['code']})" if plan else
         f"Chưa có kế hoạch năm {analysis.window.year} (data/reference/plans/)"),
        ("Số yêu cầu", len(ins), INTEGER),
    ]
    facts += [(f"Số yêu cầu {status}", int(n), INTEGER)
              for status, n in ins["status"].value_counts(sort=False).items()]
    write_facts(ws, facts)
    write_table(ws, ins.assign(measure=ins["measure"].map(_measure_text)),
                title="Các yêu cầu của kế hoạch", headers={
        "requirement_id": "Yêu cầu", "plan_ref": "Mục kế hoạch", "requirement": "Nội dung yêu cầu",
        "sections": "Bộ phận thực hiện", "evaluation": "Cách đánh giá", "measure": "Căn cứ đánh giá",
        "target": "Mục tiêu", "status": "Tình trạng", "figure": "Số liệu", "evidence": "Kiểm chứng",
        "next_due": "Hạn tiếp theo",
    })
    duties = analysis.plan.duties
    write_table(ws, duties.assign(severity=duties["severity"].map(severity_label)),
                title="Nhiệm vụ quá hạn hoặc thiếu tài liệu kiểm chứng (NV01, NV02)", headers={
        "section": "Bộ phận", "task_id": "Mã nhiệm vụ", "requirement_id": "Yêu cầu",
        "title": "Nhiệm vụ", "due_date": "Hạn hoàn thành", "done_date": "Ngày hoàn thành",
        "check_id": "Mã kiểm tra", "severity": "Mức độ", "problem": "Vấn đề",
        "days_late": "Số ngày trễ", "message": "Nội dung",
    }, formats={"days_late": INTEGER})


STAFF_HEADERS = {
    "handler": "Cán bộ xử lý", "n_dossiers": "Số hồ sơ đã giải quyết",
    "i1": "Chỉ số 1 — thời gian giải quyết", "i3": "Chỉ số 3 — số lần liên hệ hoàn thiện hồ sơ",
    "i7": "Chỉ số 7 — thái độ cán bộ", "total": "Tổng điểm", "max_total": "Điểm tối đa",
    "band": "Mức hoàn thành nhiệm vụ",
}
STAFF_FORMATS = {"n_dossiers": INTEGER, "i1": SCORE, "i3": SCORE, "i7": SCORE, "total": SCORE,
                 "max_total": "0"}
LATE_HEADERS = {
    "handler": "Cán bộ xử lý", "late": "Số hồ sơ trễ hạn",
    "without_apology": "Trễ hạn không có văn bản xin lỗi", "repeated": "Từ 2 hồ sơ trễ hạn trở lên",
}


def write_personnel_sheet(ws: Worksheet, analysis: Analysis, meta: Mapping[str, Any],
                          internal: bool) -> None:
    """Đánh giá cán bộ: TT 01 scores per official, late dossiers per official, points per dossier
    with its handler — in the window and the year to date. ``internal`` adds the banner."""
    if internal:
        ws.append([cell_value(PERSONNEL_BANNER)])
        ws.cell(row=1, column=1).font = BANNER_FONT
        ws.cell(row=1, column=1).fill = BANNER_FILL
        ws.oddHeader.center.text = "TÀI LIỆU NỘI BỘ — ĐÁNH GIÁ CÁN BỘ, CÔNG CHỨC"
    _title_rows(ws, "ĐÁNH GIÁ CÁN BỘ, CÔNG CHỨC GIẢI QUYẾT TTHC (TT 01/2018/TT-VPCP Điều 15)", meta)
    for scope in ("period", "ytd"):
        when = SCOPE_LABELS_VI[scope]
        write_table(ws, analysis.scores.tt01[scope].staff, title=f"Điểm theo công chức — {when}",
                    headers=STAFF_HEADERS, formats=STAFF_FORMATS)
    for scope in ("period", "ytd"):
        when = SCOPE_LABELS_VI[scope]
        write_table(ws, late_by_handler(analysis.facts.of(scope)),
                    title=f"Hồ sơ trễ hạn theo công chức — {when}", headers=LATE_HEADERS,
                    formats={"late": INTEGER, "without_apology": INTEGER})
    write_table(ws, analysis.scores.tt01["period"].dossiers,
                title="Điểm TT 01 theo hồ sơ và cán bộ xử lý — trong kỳ",
                headers={"dossier_code": "Mã hồ sơ", "handler": "Cán bộ xử lý",
                         **{k: v for k, v in TT01_DOSSIER_HEADERS.items() if k != "dossier_code"}},
                formats=POINTS)


# ------------------------------------------------------------------------------------------------
# the workbooks


def write_forms_xlsx(analysis: Analysis, path: Path, recipient: str | None = None,
                     personnel: bool | None = None) -> Path:
    """Write forms.xlsx for the analysis (sheets of the module docstring).

    ``recipient``: the report's addressee for "Đơn vị nhận báo cáo" of Biểu 06 (default:
    Ủy ban nhân dân huyện <district of the unit row>). ``personnel``: whether the sheet
    "Đánh giá cán bộ" is included (default: the unit setting ``personnel_in_reports``).
    """
    meta = meta_of(analysis, recipient)
    if personnel is None:
        personnel = personnel_in_reports(analysis.unit_code)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEETS[0]
    write_indicator_sheet(ws, analysis, meta)
    write_bieu06_sheet(wb.create_sheet(SHEETS[1]), analysis.forms.bieu06, analysis.forms.withdrawn,
                       meta)
    writers = (write_findings_sheet, write_tt01_sheet, write_index766_sheet,
               write_satisfaction_sheet, write_assessment_sheet, write_plan_sheet)
    for name, writer in zip(SHEETS[2:], writers, strict=True):
        writer(wb.create_sheet(name), analysis, meta)
    if personnel:
        write_personnel_sheet(wb.create_sheet(PERSONNEL_SHEET), analysis, meta, internal=False)
    for sheet in wb.worksheets:
        if sheet.title != SHEETS[1]:                 # the form has its own layout
            _print_setup(sheet)
            _fit_row_heights(sheet)
    return save_workbook(wb, path)


def write_personnel_xlsx(analysis: Analysis, path: Path) -> Path:
    """The internal workbook of the personnel evaluation (``noi-bo/danh-gia-can-bo.xlsx``).

    Officials' names with their TT 01/2018 scores and late dossiers, marked internal on the sheet
    and in its print header. The report runner writes it when the unit keeps personnel out of
    forms.xlsx (``personnel_in_reports`` false).
    """
    wb = Workbook()
    ws = wb.active
    ws.title = PERSONNEL_SHEET
    write_personnel_sheet(ws, analysis, meta_of(analysis), internal=True)
    _print_setup(ws)
    _fit_row_heights(ws)
    return save_workbook(wb, path)


def read_workbook_values(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet's cell values (for comparing two runs: XLSX bytes carry timestamps)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    finally:
        wb.close()
