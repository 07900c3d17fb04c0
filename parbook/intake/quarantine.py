"""What imports rejected, and why: listing and an xlsx to fix and re-import (``parbook quarantine``).

Without ``--batch`` the listing shows every row the quarantine holds: a file loaded again under
the same name replaces its earlier rejects (parbook.intake.loader), so the list is what is wrong now.
The terminal listing shows no row contents (personal data); the xlsx has one sheet per import
sheet with the original headers, so staff can correct the cells and import the workbook again
(the columns "Lô nhập", "Dòng gốc" and "Lý do cách ly" it adds are ignored on import). Text
cells are written formula-safe (:func:`parbook.store.privacy.spreadsheet_text`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from sqlalchemy import select

from parbook.intake.vocab import (
    LOAD_ORDER,
    QUARANTINE_BATCH_HEADER,
    QUARANTINE_REASON_HEADER,
    QUARANTINE_ROW_HEADER,
)
from parbook.store import db
from parbook.store.privacy import spreadsheet_text

COLUMNS = ["batch_id", "file_name", "sheet", "row_number", "reason", "raw"]


def quarantine_frame(url: str | None = None, batch: int | None = None) -> pd.DataFrame:
    """Quarantined rows (of one batch, or all of them)."""
    q, b = db.quarantine, db.import_batches
    eng = db.engine(url)
    db.create_schema(eng)
    stmt = (select(q.c.batch_id, b.c.file_name, q.c.sheet, q.c.row_number, q.c.reason, q.c.raw)
            .join(b, b.c.batch_id == q.c.batch_id))
    if batch is not None:
        stmt = stmt.where(q.c.batch_id == batch)
    stmt = stmt.order_by(q.c.batch_id, q.c.row_number)
    with eng.connect() as conn:
        rows = conn.execute(stmt).all()
    return pd.DataFrame(rows, columns=COLUMNS)


def format_listing(frame: pd.DataFrame) -> str:
    """One line per rejected row: batch, file, sheet, row and reason (no row contents)."""
    if frame.empty:
        return "Không có dòng nào bị cách ly (no quarantined rows)."
    lines = [f"{len(frame)} dòng bị cách ly (quarantined rows):"]
    for r in frame.itertuples(index=False):
        lines.append(f"  lô {r.batch_id} · {r.file_name} · {r.sheet} · dòng {r.row_number}: "
                     f"{r.reason}")
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
        for (batch_id, number, reason), raw in zip(
                part[["batch_id", "row_number", "reason"]].itertuples(index=False), raws,
                strict=True):
            ws.append([int(batch_id), int(number), _cell(reason),
                       *(_cell(raw.get(h)) for h in headers)])
        ws.column_dimensions["C"].width = 60
    if not sheets:
        ws = wb.create_sheet("CachLy")
        ws.append(["Không có dòng nào bị cách ly (no quarantined rows)"])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
