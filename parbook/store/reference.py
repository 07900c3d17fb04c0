"""Reference data of data/reference/ loaded into the database at ``parbook init``."""

from __future__ import annotations

import csv
import logging
from pathlib import Path
from typing import Any

from sqlalchemy import select

from parbook.store import db
from parbook.store.config import REFERENCE_DIR

log = logging.getLogger(__name__)
BOOL_WORDS = {"có": True, "không": False, "": None}


def _int_or_none(text: str) -> int | None:
    text = (text or "").strip()
    return int(text) if text else None


def read_procedures(path: Path = REFERENCE_DIR / "procedures.csv") -> tuple[list[dict], list[str]]:
    """Catalogue rows with a code, ready for the ``procedures`` table, and the names skipped.

    Rows of the shared catalogue whose code is unknown [U] cannot be keyed; they are reported,
    not loaded (a commune imports them with its official codes through sheet DanhMucTTHC).
    """
    rows, skipped = [], []
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            code = row["procedure_code"].strip()
            if not code:
                skipped.append(row["procedure_name"])
                continue
            rows.append({
                "procedure_code": code,
                "procedure_name": row["procedure_name"].strip(),
                "field": row["field"].strip() or None,
                "processing_time_value": _int_or_none(row["processing_time_value"]),
                "processing_time_unit": row["processing_time_unit"].strip() or None,
                "verification_extra_days": _int_or_none(row["verification_extra_days"]),
                "fee": BOOL_WORDS[row["fee"].strip().lower()],
                "fee_note": row["fee_note"].strip() or None,
                "online_level": row["online_level"].strip() or None,
                "department": row["department"].strip() or None,
                "reliability": row["reliability"].strip() or None,
                "source_note": row["source_note"].strip() or None,
            })
    return rows, skipped


def read_units(path: Path = REFERENCE_DIR / "units.csv") -> list[dict[str, Any]]:
    """Units of the reference file (the demo commune and any the district adds)."""
    with open(path, encoding="utf-8", newline="") as fh:
        return [{k: (v.strip() or None) for k, v in row.items()} for row in csv.DictReader(fh)]


def upsert(conn: Any, table: Any, rows: list[dict[str, Any]]) -> int:
    """Insert rows whose key is new; leave existing rows as they are. Returns rows inserted."""
    if not rows:
        return 0
    keys = [c.name for c in table.primary_key.columns]
    existing = {tuple(r) for r in conn.execute(select(*[table.c[k] for k in keys]))}
    names = {name for r in rows for name in r}
    rows = [{name: r.get(name) for name in names} for r in rows]
    new, seen = [], set(existing)
    for r in rows:
        key = tuple(r[k] for k in keys)
        if key not in seen:
            seen.add(key)
            new.append(r)
    if new:
        conn.execute(table.insert(), new)
    return len(new)


def declare_units(conn: Any, units: list[dict[str, Any]]) -> tuple[int, int]:
    """Insert the declared units; for one already there, replace the name, district and province
    given (a value left out keeps what is stored). Returns (inserted, updated)."""
    inserted = updated = 0
    u = db.units.c
    for unit in units:
        row = conn.execute(select(db.units).where(u.unit_code == unit["unit_code"])).mappings().first()
        if row is None:
            conn.execute(db.units.insert().values(**unit))
            inserted += 1
            continue
        changes = {k: v for k, v in unit.items() if k != "unit_code" and v is not None and row[k] != v}
        if changes:
            conn.execute(db.units.update().where(u.unit_code == unit["unit_code"]).values(**changes))
            updated += 1
    return inserted, updated


def load_reference(conn: Any, units: list[dict[str, Any]] | None = None) -> dict[str, int]:
    """Load the procedure catalogue (existing rows are kept: imports own them) and the units the
    caller declares (a commune's database holds its own units only, never the demo's)."""
    procedures, skipped = read_procedures()
    for name in skipped:
        log.info("Bỏ qua TTHC chưa có mã (no code, not loaded): %s", name)
    inserted, updated = declare_units(conn, units or [])
    return {
        "procedures": upsert(conn, db.procedures, procedures),
        "units": inserted,
        "units_updated": updated,
        "procedures_without_code": len(skipped),
    }
