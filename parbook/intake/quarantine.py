"""What imports rejected, and why: listing and an xlsx to fix and re-import (``parbook quarantine``).

Without ``--batch`` the listing shows every row the quarantine holds: a file loaded again under
the same name replaces its earlier rejects (parbook.intake.loader), so the list is what is wrong
now. One import of one workbook is one "lô" to the user, numbered by its first batch (the
import_batches table keeps one row per sheet). The terminal listing shows no row contents
(personal data). The xlsx has one sheet per import sheet with the original headers, so staff
can correct the cells and import the workbook again under any name: the columns it adds ("Lô
nhập", "Dòng gốc", "Lý do cách ly") are not loaded, and each row's lô and original row number
tell the import which reject it fixes — a row that loads clears it, a row still wrong replaces
it (both kept in quarantine_history). Text cells are written formula-safe
(:func:`parbook.store.spreadsheet.spreadsheet_text`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from sqlalchemy import select

from parbook.intake.loader import import_lots
from parbook.intake.vocab import (
    LOAD_ORDER,
    QUARANTINE_BATCH_HEADER,
    QUARANTINE_REASON_HEADER,
    QUARANTINE_ROW_HEADER,
)
from parbook.store import db
from parbook.store.spreadsheet import spreadsheet_text

COLUMNS = ["lot", "lot_sheets", "batch_id", "file_name", "sheet", "row_number", "reason", "raw"]


def quarantine_frame(url: str | None = None, batch: int | None = None) -> pd.DataFrame:
    """Quarantined rows, each with its "lô" (one import of one file, numbered by its first batch,
    :func:`parbook.intake.loader.import_lots`); ``batch``: only the import holding that batch
    (its lô number, or the batch of one of its sheets)."""
    q, b = db.quarantine, db.import_batches
    eng = db.engine(url)
    db.create_schema(eng)
    stmt = (select(q.c.batch_id, b.c.file_name, q.c.sheet, q.c.row_number, q.c.reason, q.c.raw)
            .join(b, b.c.batch_id == q.c.batch_id))
    with eng.connect() as conn:
        lots = import_lots(conn, None if batch is None else {batch})
        if batch is not None:
            stmt = stmt.where(q.c.batch_id.in_(list(lots)))
        rows = conn.execute(stmt).all()
    frame = pd.DataFrame([(*lots[r[0]], *r) for r in rows], columns=COLUMNS)
    order = {name: i for i, name in enumerate(LOAD_ORDER)}
    frame["_order"] = frame["sheet"].map(lambda s: order.get(s, len(order)))
    return (frame.sort_values(["lot", "_order", "row_number"]).drop(columns="_order")
            .reset_index(drop=True))


def format_listing(frame: pd.DataFrame) -> str:
    """The rejected rows by lô (file import), one line per row: sheet, row and reason (no row
    contents: personal data stays out of the terminal)."""
    if frame.empty:
        return "Không có dòng nào bị cách ly (no quarantined rows)."
    lines = [f"{len(frame)} dòng bị cách ly (quarantined rows):"]
    for (lot, sheets, file_name), part in frame.groupby(["lot", "lot_sheets", "file_name"],
                                                        sort=False):
        lines.append(f"  lô {lot} ({sheets} trang tính) · {file_name}")
        for r in part.itertuples(index=False):
            lines.append(f"    {r.sheet} · dòng {r.row_number}: {r.reason}")
    return "\n".join(lines)


def _cell(value: object) -> object:
    if isinstance(value, str):
        return spreadsheet_text(ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
    return value


def export_xlsx(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write the rejects to an xlsx, one sheet per import sheet, ready to fix and re-import."""
    path = Path(path)
    wb = Workbook()
    wb.remove(wb.active)
    order = {name: i for i, name in enumerate(LOAD_ORDER)}
    sheets = sorted(frame["sheet"].unique(), key=lambda s: order.get(s, len(order))) \
        if not frame.empty else []
    for sheet in sheets:
        part = frame[frame["sheet"] == sheet]
        raws = [json.loads(r) for r in part["raw"]]
        headers: list[str] = []
        for raw in raws:
            headers.extend(h for h in raw if h not in headers)
        ws = wb.create_sheet(str(sheet)[:31])
        ws.append([QUARANTINE_BATCH_HEADER, QUARANTINE_ROW_HEADER, QUARANTINE_REASON_HEADER,
                   *map(_cell, headers)])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "D2"
        for (lot, number, reason), raw in zip(
                part[["lot", "row_number", "reason"]].itertuples(index=False), raws,
                strict=True):
            ws.append([int(lot), int(number), _cell(reason),
                       *(_cell(raw.get(h)) for h in headers)])
        ws.column_dimensions["C"].width = 60
    if not sheets:
        ws = wb.create_sheet("CachLy")
        ws.append(["Không có dòng nào bị cách ly (no quarantined rows)"])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
