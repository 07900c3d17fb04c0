"""Writing parsed sheets into the database: upsert by key, history, quarantine, batch records.

All of a file is written in one transaction (:func:`write_transaction`): SQLite takes its write
lock at the start (``BEGIN IMMEDIATE``, so a second importer waits for the busy timeout instead of
failing on a lock upgrade), PostgreSQL serialises importers with an advisory lock. Work is done in
bulk: existing rows are fetched by key in chunks, inserts/updates/history/quarantine are
``executemany``.

Only the columns a file provides are compared and written: a register that has no "Ghi chú"
column leaves the notes already in the database alone. A changed row's previous version goes to
``<table>_history`` with ``replaced_by_batch``; an unchanged row is not touched.
"""

from __future__ import annotations

import time as _time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from parbook.errors import ParbookError
from parbook.intake.rows import ParsedSheet, RowOutcome
from parbook.intake.values import show
from parbook.intake.vocab import norm
from parbook.store import db
from parbook.store.config import TIMEZONE
from parbook.store.units import all_units, outside_validity

CHUNK = 5000
# How long an import waits for another importer's write lock before giving up with a message.
LOCK_WAIT_SECONDS = db.SQLITE_BUSY_TIMEOUT_MS / 1000
PG_LOCK_KEY = 0x70617262  # "parb": one advisory lock for every parbook import
LOOKUP_TABLE_VI = {"procedures": "danh mục TTHC", "units": "danh sách đơn vị"}


class LockedError(ParbookError):
    """The database stayed locked by another process longer than LOCK_WAIT_SECONDS."""


@dataclass
class SheetResult:
    """What one sheet of one file did to the database."""

    file: str
    sheet: str
    batch_id: int | None = None
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    source_sheet: str = ""
    extra_columns: list[dict[str, Any]] = field(default_factory=list)
    units_created: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    already_loaded: bool = False
    lot: int | None = None  # the file's number for the user: first batch of its import


def now_local() -> datetime:
    return datetime.now(ZoneInfo(TIMEZONE)).replace(tzinfo=None)


def _locked_message() -> str:
    return (f"CSDL đang bị một tiến trình khác khóa ghi quá {LOCK_WAIT_SECONDS:g} giây; hãy thử "
            f"lại sau (database locked by another process)")


@contextmanager
def write_transaction(url: str | None = None) -> Iterator[Connection]:
    """One write transaction holding the import lock; committed on success, else rolled back."""
    eng = db.engine(url)
    sqlite = eng.dialect.name == "sqlite"
    with eng.connect() as conn:
        try:
            try:
                if sqlite:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout={int(LOCK_WAIT_SECONDS * 1000)}")
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                else:
                    _pg_lock(conn)
            except OperationalError as exc:
                conn.rollback()
                if "locked" in str(exc).lower() or "busy" in str(exc).lower():
                    raise LockedError(_locked_message()) from exc
                raise
            try:
                yield conn
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
        finally:
            if sqlite:
                conn.exec_driver_sql(f"PRAGMA busy_timeout={db.SQLITE_BUSY_TIMEOUT_MS}")
                conn.rollback()


def _pg_lock(conn: Connection) -> None:
    deadline = _time.monotonic() + LOCK_WAIT_SECONDS
    while not conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": PG_LOCK_KEY}
                           ).scalar():
        if _time.monotonic() > deadline:
            raise LockedError(_locked_message())
        _time.sleep(0.2)


def _chunks(items: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def existing_rows(conn: Connection, table: Any, key: tuple[str, ...], keys: set[tuple]
                  ) -> dict[tuple, dict[str, Any]]:
    """Rows of the table whose key is in ``keys`` (fetched in chunks by the first key column)."""
    first = table.c[key[0]]
    found: dict[tuple, dict[str, Any]] = {}
    wanted = list({k[0] for k in keys})
    for chunk in _chunks(wanted):
        for row in conn.execute(select(table).where(first.in_(chunk))):
            m = dict(row._mapping)
            k = tuple(m[c] for c in key)
            if k in keys:
                found[k] = m
    return found


def existing_values(conn: Connection, column: Any, values: set[Any]) -> set[Any]:
    found: set[Any] = set()
    for chunk in _chunks(list(values)):
        found.update(conn.execute(select(column).where(column.in_(chunk))).scalars())
    return found


def _resolve_lookups(conn: Connection, rows: list[RowOutcome]) -> None:
    wanted = {lk for r in rows for lk, _, _ in r.record.get("@lookups", ())}
    maps: dict[Any, dict[str, set[Any]]] = {}
    for lk in wanted:
        table = db.DATA_TABLES[lk.table]
        index: dict[str, set[Any]] = {}
        for by, value in conn.execute(select(table.c[lk.by], table.c[lk.column])):
            if by is not None and value is not None:
                index.setdefault(norm(by), set()).add(value)
        maps[lk] = index
    for r in rows:
        for lk, header, value in r.record.pop("@lookups", ()):
            found = maps[lk].get(norm(value), set())
            where = LOOKUP_TABLE_VI.get(lk.table, f"bảng {lk.table}")
            if len(found) == 1:
                r.record[lk.column] = next(iter(found))
            elif not found:
                r.errors.append(f'Cột "{header}": {show(value)} không có trong {where}')
            else:
                r.errors.append(f'Cột "{header}": {show(value)} ứng với nhiều mã trong {where} '
                                f"({', '.join(sorted(map(str, found)))})")


def _check_dossiers_exist(conn: Connection, parsed: ParsedSheet, rows: list[RowOutcome]) -> None:
    header = next((h for _, c, h in parsed.layout.fields if c == "dossier_code"), "Mã hồ sơ")
    codes = {r.record["dossier_code"] for r in rows}
    known = existing_values(conn, db.dossiers.c.dossier_code, codes)
    for r in rows:
        code = r.record["dossier_code"]
        if code not in known:
            r.errors.append(f'Cột "{header}": {show(code)} — hồ sơ chưa có trong CSDL '
                            f"(sự kiện của hồ sơ không xác định)")


def _check_units_declared(conn: Connection, parsed: ParsedSheet, rows: list[RowOutcome]) -> None:
    """A row naming a unit the database does not know is quarantined (declare it first)."""
    codes = {r.record["unit_code"] for r in rows if r.record.get("unit_code")}
    unknown = codes - existing_values(conn, db.units.c.unit_code, codes)
    if not unknown:
        return
    header = next((h for _, c, h in parsed.layout.fields if c == "unit_code"), "Mã đơn vị")
    for r in rows:
        code = r.record.get("unit_code")
        if code in unknown:
            r.errors.append(f'Cột "{header}": {show(code)} — đơn vị chưa khai báo trong CSDL: '
                            f'chạy parbook init --unit {code} --unit-name "<tên đơn vị>" rồi nạp '
                            f"lại, hoặc nạp với --create-unit")


# the date that places a row of a sheet in time (a unit must exist on it, DESIGN.md §12)
DATED_BY = {"HoSo": "received_at", "PAKN": "received_at", "VBQPPL": "issued_at"}


def _check_units_valid(conn: Connection, parsed: ParsedSheet, rows: list[RowOutcome]) -> None:
    """A row dated outside its unit's validity is quarantined, naming the successor or the
    predecessors whose code it should carry."""
    column = DATED_BY.get(parsed.spec.name)
    if column is None:
        return
    units = all_units(conn)
    if not any(u.get("valid_from") or u.get("valid_to") for u in units.values()):
        return
    header = next((h for _, c, h in parsed.layout.fields if c == "unit_code"), "Mã đơn vị")
    for r in rows:
        when = r.record.get(column)
        if when is None or not r.record.get("unit_code"):
            continue
        day = when.date() if isinstance(when, datetime) else when
        problem = outside_validity(units, r.record["unit_code"], day)
        if problem:
            r.errors.append(f'Cột "{header}": {problem}')


def ensure_units(conn: Connection, codes: set[str]) -> list[str]:
    """Create the units that rows reference and the database lacks (code only). Returns them."""
    missing = sorted(codes - existing_values(conn, db.units.c.unit_code, codes))
    if missing:
        conn.execute(db.units.insert(), [{"unit_code": c} for c in missing])
    return missing


def source_quarantine(conn: Connection, file_name: str, sheet: str) -> list[dict[str, Any]]:
    """The quarantine rows of a source (file name and sheet) as they stand."""
    q, b = db.quarantine, db.import_batches
    stmt = (select(q).join(b, b.c.batch_id == q.c.batch_id)
            .where(b.c.file_name == file_name, q.c.sheet == sheet))
    return [dict(r._mapping) for r in conn.execute(stmt)]


def _latest_batch(conn: Connection, file_name: str, sheet: str) -> int | None:
    b = db.import_batches
    return conn.execute(select(func.max(b.c.batch_id)).where(
        b.c.file_name == file_name, b.c.sheet == sheet)).scalar()


def import_lots(conn: Connection, batch_ids: set[int] | None = None
                ) -> dict[int, tuple[int, int]]:
    """Batch → (lot, sheets): one import of one workbook is one "lô" to the user, numbered by
    its first batch. import_batches keeps one row per sheet (contract); the batches of one
    import share file name, sha256 and time. ``batch_ids``: only the imports of these batches.
    """
    b = db.import_batches
    stmt = select(b.c.batch_id, b.c.file_name, b.c.sha256, b.c.imported_at)
    if batch_ids is not None:
        other = b.alias("other")
        stmt = stmt.join(other, and_(other.c.file_name == b.c.file_name,
                                     other.c.sha256 == b.c.sha256,
                                     other.c.imported_at == b.c.imported_at)
                         ).where(other.c.batch_id.in_(list(batch_ids))).distinct()
    imports: dict[tuple, list[int]] = {}
    for batch_id, *key in conn.execute(stmt):
        imports.setdefault(tuple(key), []).append(batch_id)
    return {batch_id: (min(ids), len(ids)) for ids in imports.values() for batch_id in ids}


def fixed_quarantine(conn: Connection, parsed: ParsedSheet) -> list[dict[str, Any]]:
    """The quarantine rows that the rows of a quarantine export (``parbook quarantine --xlsx``)
    stand for: same sheet, same "Dòng gốc", a batch of the import whose lô is "Lô nhập" (the
    sheet's own batch number is accepted too)."""
    origins = {r.origin for r in parsed.rows if r.origin is not None}
    if not origins:
        return []
    lots = import_lots(conn, {lot for lot, _ in origins})
    members: dict[int, set[int]] = {}
    for batch_id, (lot, _) in lots.items():
        members.setdefault(lot, set()).add(batch_id)
    wanted = set()
    for lot, line in origins:
        if lot in lots:
            wanted.update((batch_id, line) for batch_id in members[lots[lot][0]])
    q = db.quarantine
    found = []
    for chunk in _chunks(sorted({batch_id for batch_id, _ in wanted})):
        for row in conn.execute(select(q).where(q.c.sheet == parsed.spec.name,
                                                q.c.batch_id.in_(chunk))):
            if (row.batch_id, row.row_number) in wanted:
                found.append(dict(row._mapping))
    return found


def _supersede_quarantine(conn: Connection, rows: list[dict[str, Any]], batch_id: int,
                          at: datetime) -> None:
    """Move a source's earlier quarantine rows to quarantine_history (replaced by batch_id)."""
    if not rows:
        return
    conn.execute(db.quarantine_history.insert(), [
        {**r, "replaced_by_batch": batch_id, "replaced_at": at} for r in rows])
    ids = [r["quarantine_id"] for r in rows]
    for chunk in _chunks(ids):
        conn.execute(db.quarantine.delete().where(db.quarantine.c.quarantine_id.in_(chunk)))


def load_sheet(conn: Connection, parsed: ParsedSheet, file_name: str, sha256: str,
               at: datetime | None = None, create_units: bool = False) -> SheetResult:
    """Write one parsed sheet (its batch, rows, history and quarantine) in the open transaction.

    A sheet that would change nothing — no row to insert or update, and the same rejects as the
    quarantine of its source (file name and sheet) already holds — writes nothing at all: it was
    loaded before. Otherwise a new version of the source replaces that source's earlier
    quarantine rows (kept in quarantine_history): the quarantine lists what is wrong now. So
    does a quarantine export (``parbook quarantine --xlsx``) fixed and imported under any name:
    each of its rows replaces the reject named by its "Lô nhập" and "Dòng gốc".
    A row naming a unit the database does not know is quarantined, unless ``create_units``
    creates the unit from its code.
    """
    at = at or now_local()
    spec, table = parsed.spec, parsed.spec.table
    layout = parsed.layout
    extra = [*(layout.extra if layout else []),
             *({"header": None, **u} for u in parsed.unnamed_columns)]
    result = SheetResult(file_name, spec.name, read=parsed.read, source_sheet=parsed.title,
                         extra_columns=extra)
    if not parsed.rows:
        return result  # nothing read: no batch to record
    good = [r for r in parsed.rows if not r.errors]
    if any("@lookups" in r.record for r in good):
        _resolve_lookups(conn, good)
    if "unit_code" in spec.by_name and not create_units and good:
        _check_units_declared(conn, parsed, good)
    if "unit_code" in spec.by_name and good:
        _check_units_valid(conn, parsed, good)
    if spec.derived_key and good:
        _check_dossiers_exist(conn, parsed, good)
    good = [r for r in good if not r.errors]
    bad = [r for r in parsed.rows if r.errors]
    rejects = [{"sheet": spec.name, "row_number": r.number, "raw": parsed.raw(r),
                "reason": "; ".join(r.errors)} for r in bad]

    columns = sorted(parsed.provided)
    key = spec.key
    old = existing_rows(conn, table, key, {r.key for r in good}) if good else {}
    new_rows: list[RowOutcome] = []
    changed: list[tuple[RowOutcome, dict[str, Any]]] = []
    for r in good:
        previous = old.get(r.key)
        if previous is None:
            new_rows.append(r)
        elif any(previous[c] != r.record.get(c) for c in columns):
            changed.append((r, previous))
        else:
            result.unchanged += 1
    earlier = source_quarantine(conn, file_name, spec.name)
    fixed = fixed_quarantine(conn, parsed)

    def reject_key(row: dict[str, Any]) -> tuple:
        return row["row_number"], row["raw"], row["reason"]

    if not new_rows and not changed and not fixed and sorted(map(reject_key, earlier)) == sorted(
            map(reject_key, rejects)):
        result.batch_id = _latest_batch(conn, file_name, spec.name)
        if result.batch_id is not None:
            result.lot = import_lots(conn, {result.batch_id})[result.batch_id][0]
        result.quarantined = len(rejects)
        result.already_loaded = True
        return result

    units = {r.record["unit_code"] for r in good if r.record.get("unit_code")}
    batch_unit = parsed.unit or (next(iter(units)) if len(units) == 1 else None)
    batch_id = conn.execute(db.import_batches.insert().values(
        file_name=file_name, sha256=sha256, sheet=spec.name, unit_code=batch_unit,
        extra_columns=result.extra_columns or None, imported_at=at,
        rows_read=parsed.read)).inserted_primary_key[0]
    result.batch_id = batch_id
    if "unit_code" in spec.by_name and create_units:
        result.units_created = ensure_units(conn, units)

    history_table = db.HISTORY_TABLES[table.name]
    update = table.update().where(and_(*[table.c[c] == bindparam(f"k_{c}") for c in key]))
    for chunk in _chunks(changed):  # chunks keep the parameter copies small
        conn.execute(history_table.insert(), [
            {**previous, "replaced_by_batch": batch_id, "replaced_at": at}
            for _, previous in chunk])
        conn.execute(update, [
            {**{c: r.record.get(c) for c in columns if c not in key},
             **{f"k_{c}": previous[c] for c in key}, "batch_id": batch_id}
            for r, previous in chunk])
    for chunk in _chunks(new_rows):
        conn.execute(table.insert(), [{**{c: r.record.get(c) for c in columns},
                                       "batch_id": batch_id} for r in chunk])
    result.inserted, result.updated = len(new_rows), len(changed)

    # this source's earlier rejects, and those the rows of a quarantine export stand for: a row
    # that loads now clears its reject, a row still wrong replaces it with today's reason
    replaced = {r["quarantine_id"]: r for r in [*earlier, *fixed]}
    _supersede_quarantine(conn, list(replaced.values()), batch_id, at)
    for chunk in _chunks(rejects):
        conn.execute(db.quarantine.insert(), [{**r, "batch_id": batch_id} for r in chunk])
    result.quarantined = len(rejects)
    conn.execute(db.import_batches.update().where(db.import_batches.c.batch_id == batch_id).values(
        rows_inserted=result.inserted, rows_updated=result.updated,
        rows_unchanged=result.unchanged, rows_quarantined=result.quarantined))
    return result
