"""Writing the demo commune: into the dossier database (replacing only its own rows) and its
ground truth beside the database. (Its import workbook: parbook.intake.template.write_workbook.)"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Boolean, Date, DateTime, Integer, delete, or_, select, update
from sqlalchemy.engine import make_url

from parbook.demo import profile
from parbook.demo.build import TABLES, DemoData, build_demo
from parbook.demo.context import Context
from parbook.errors import ParbookError
from parbook.store import db
from parbook.store.config import DATA_DIR, db_url
from parbook.store.init import init_database
from parbook.store.reference import read_units
from parbook.store.spreadsheet import write_csv

BATCH_PREFIX = "demo:"
UNIT_TABLES = ("dossiers", "dossier_events", "feedback", "surveys", "legal_documents", "plan_tasks")


class DemoRefused(ParbookError):
    """The database holds other communes' data: the demo will not write into it."""


class DemoNotOver(ParbookError, ValueError):
    """The demo's export date is still to come (a year not over yet)."""


@dataclass
class DemoResult:
    """What write_demo did."""

    url: str                                  # the database, password hidden
    unit_code: str
    seed: int
    year: int | None                          # None: the span demo (2024 to 2026-Q3)
    batch_id: int
    counts: dict[str, int]
    ground_truth_path: Path
    ground_truth: pd.DataFrame
    seconds: dict[str, float] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)


def workbook_tables(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The tables an import workbook carries (units come from the reference file or rows)."""
    return {name: frame for name, frame in tables.items() if name != "units"}


def ground_truth_path(url: str | None = None, directory: Path | None = None) -> Path:
    """Where the ground truth of a database goes: beside a SQLite file, else under data/."""
    u = make_url(db_url(url))
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        path = Path(u.database)
        return (directory or path.parent) / f"{path.stem}.demo-ground-truth.csv"
    return (directory or DATA_DIR) / f"{u.database or 'parbook'}.demo-ground-truth.csv"


def _fingerprint(data: DemoData) -> str:
    digest = hashlib.sha256()
    for name in TABLES:
        digest.update(name.encode())
        digest.update(data.tables[name].to_csv(index=False).encode("utf-8"))
    return digest.hexdigest()


def _plain(value: Any, kind: type) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if kind is DateTime:
        return pd.Timestamp(value).to_pydatetime()
    if kind is Date:
        return pd.Timestamp(value).date()
    if kind is Boolean:
        return bool(value)
    if kind is Integer:
        return int(value)
    return value


def _records(frame: pd.DataFrame, table: Any) -> list[dict[str, Any]]:
    """Rows as plain Python values (datetime, date, bool, int, str, None) for an INSERT."""
    kinds = {c.name: c.type.__class__ for c in table.columns}
    columns = {name: [_plain(v, kinds.get(name, str)) for v in frame[name].astype(object)]
               for name in frame.columns}
    return [dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)]


DEMO_UNITS = (profile.UNIT_CODE, *(p["unit_code"] for p in profile.PREDECESSORS))


def _refuse_foreign_units(conn: Any) -> None:
    allowed = set(DEMO_UNITS) | {u["unit_code"] for u in read_units()}
    present = {row[0] for row in conn.execute(select(db.units.c.unit_code))}
    foreign = sorted(present - allowed)
    if foreign:
        raise DemoRefused(
            f"CSDL đang có dữ liệu của đơn vị khác ({', '.join(foreign)}): không ghi dữ liệu mô "
            f"phỏng để khỏi ghi đè dữ liệu thật; hãy chọn CSDL khác bằng --db. "
            f"(The database holds other units; the demo refuses to overwrite real data — "
            f"use --db to choose another database.)")


def _delete_demo_rows(conn: Any, survey_ids: list[str]) -> None:
    """Remove every row of the demo units (and the demo's own import batches)."""
    units = list(DEMO_UNITS)
    d, s, b = db.dossiers.c, db.surveys.c, db.import_batches.c
    unit_dossiers = select(d.dossier_code).where(d.unit_code.in_(units))
    demo_batches = select(b.batch_id).where(b.unit_code.in_(units),
                                            b.file_name.like(f"{BATCH_PREFIX}%"))
    conn.execute(delete(db.dossier_events).where(db.dossier_events.c.dossier_code.in_(unit_dossiers)))
    conn.execute(delete(db.surveys).where(or_(s.dossier_code.in_(unit_dossiers),
                                              s.batch_id.in_(demo_batches), s.survey_id.in_(survey_ids))))
    for table in (db.dossiers, db.feedback, db.legal_documents, db.plan_tasks, db.self_scores):
        conn.execute(delete(table).where(table.c.unit_code.in_(units)))
    conn.execute(delete(db.import_batches).where(b.batch_id.in_(demo_batches)))


def _write_catalogue(conn: Any, catalogue: pd.DataFrame) -> None:
    """The commune's catalogue rows (online level, department) over the reference rows."""
    p = db.procedures.c
    existing = {row[0] for row in conn.execute(select(p.procedure_code))}
    for row in _records(catalogue, db.procedures):
        code = row["procedure_code"]
        if code in existing:
            values = {k: v for k, v in row.items() if k != "procedure_code"}
            conn.execute(update(db.procedures).where(p.procedure_code == code).values(**values))
        else:
            conn.execute(db.procedures.insert(), [row])


def _write_units(conn: Any, units: pd.DataFrame) -> None:
    """The demo units: added when missing; the old communes' dates and successor (re)set."""
    u = db.units.c
    present = {row[0] for row in conn.execute(select(u.unit_code))}
    rows = _records(units, db.units)
    missing = [r for r in rows if r["unit_code"] not in present]
    # the demo commune first: the old communes name it as their successor
    missing.sort(key=lambda r: r["unit_code"] != profile.UNIT_CODE)
    for row in missing:
        conn.execute(db.units.insert(), [row])
    for row in rows:
        if row["unit_code"] in present and row.get("successor_code"):
            conn.execute(update(db.units).where(u.unit_code == row["unit_code"]).values(
                valid_to=row["valid_to"], successor_code=row["successor_code"]))


def write_demo(url: str | None = None, seed: int = 2024, year: int | None = None,
               ground_truth_dir: Path | None = None) -> DemoResult:
    """Create the schema, replace the demo units' data, and write the ground truth CSV.

    ``year`` None (default): the span demo, 2024 to 2026-Q3 with the merger (parbook.demo.span;
    its ground truth has a first column ``period``); a year: that one commune-year of DEMO-ANLOC
    alone, as the demo was before the span (its ground truth: the NĐ 09 year).
    Refuses (DemoRefused) when the database holds units other than the demo's and the
    reference units. Deterministic: the same seed and year give the same rows.
    """
    t0 = time.perf_counter()
    if year is None:
        from parbook.demo.span import build_span, span_export

        export_at = span_export(Context.make(seed, 2024).cal)
        what = f"Dữ liệu đến quý {profile.SPAN_DEFAULT_PERIOD}"
    else:
        export_at = Context.make(seed, year).export_at
        what = f"Năm {year}"
    if export_at > datetime.now():
        raise DemoNotOver(
            f"{what} chưa kết thúc: dữ liệu mô phỏng được xuất ngày {export_at:%d/%m/%Y}, "
            f"sau thời điểm hiện tại (the demo export date {export_at:%Y-%m-%d} is in the future)")
    data = build_span(seed) if year is None else build_demo(seed, year)
    t1 = time.perf_counter()
    eng = db.engine(url)
    db.create_schema(eng)
    with eng.begin() as conn:
        _refuse_foreign_units(conn)
    init_database(url)
    tables = data.tables
    counts: dict[str, int] = {}
    with eng.begin() as conn:
        _refuse_foreign_units(conn)
        _delete_demo_rows(conn, list(tables["surveys"]["survey_id"]))
        _write_units(conn, tables["units"])
        _write_catalogue(conn, tables["procedures"])
        total = sum(len(tables[name]) for name in UNIT_TABLES)
        batch_id = conn.execute(db.import_batches.insert().values(
            file_name=f"{BATCH_PREFIX}seed={seed},year={year or 'span'}", sha256=_fingerprint(data),
            sheet=None, unit_code=profile.UNIT_CODE, rows_read=total, rows_inserted=total,
            rows_updated=0, rows_unchanged=0, rows_quarantined=0, extra_columns=None,
            imported_at=datetime.now().replace(microsecond=0),
        )).inserted_primary_key[0]
        for name in UNIT_TABLES:
            frame = tables[name].assign(batch_id=batch_id)
            rows = _records(frame, TABLES[name])
            if rows:
                conn.execute(TABLES[name].insert(), rows)
            counts[name] = len(rows)
    path = ground_truth_path(url, ground_truth_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(data.ground_truth, path)
    t2 = time.perf_counter()
    return DemoResult(
        url=eng.url.render_as_string(hide_password=True), unit_code=profile.UNIT_CODE,
        seed=seed, year=year, batch_id=int(batch_id), counts=counts, ground_truth_path=path,
        ground_truth=data.ground_truth, seconds={"generate": t1 - t0, "write": t2 - t1},
        tables=data.tables)
