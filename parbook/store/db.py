"""The dossier database: SQLAlchemy Core schema (DESIGN.md §3, contract) and connections.

Timestamps are local time (Asia/Ho_Chi_Minh) stored naive in real TIMESTAMP/DATE columns.
SQLite is the default (WAL, busy timeout, foreign keys on); PostgreSQL works by URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    select,
    type_coerce,
)
from sqlalchemy.engine import Engine

from parbook.store.config import db_url

metadata = MetaData()
SQLITE_BUSY_TIMEOUT_MS = 30_000


def _code(name: str, *args: Any, **kw: Any) -> Column:
    return Column(name, String(64), *args, **kw)


units = Table(
    "units",
    metadata,
    _code("unit_code", primary_key=True),
    Column("unit_name", String(255)),
    Column("district", String(255)),
    Column("province", String(255)),
    # units over time (DESIGN.md §12): a merged commune's predecessors name it as successor
    Column("valid_from", Date),
    Column("valid_to", Date),
    _code("successor_code"),
)

procedures = Table(
    "procedures",
    metadata,
    _code("procedure_code", primary_key=True),
    Column("procedure_name", Text),
    Column("field", String(255)),
    Column("processing_time_value", Integer),
    Column("processing_time_unit", String(32)),
    Column("verification_extra_days", Integer),
    Column("fee", Boolean),
    Column("online_level", String(16)),
    Column("department", String(255)),
    Column("fee_note", Text),
    Column("reliability", String(4)),
    Column("source_note", Text),
    Column("batch_id", Integer),
)

dossiers = Table(
    "dossiers",
    metadata,
    _code("dossier_code", primary_key=True),
    _code("unit_code", ForeignKey("units.unit_code"), nullable=False, index=True),
    _code("procedure_code"),
    Column("applicant_name", String(255)),
    Column("applicant_phone", String(64)),
    Column("applicant_address", Text),
    Column("channel", String(16)),
    Column("received_at", DateTime),
    Column("due_at", DateTime),
    Column("finished_at", DateTime),
    Column("returned_at", DateTime),
    Column("result_delivery", String(16)),
    Column("status", String(16)),
    Column("handler", String(255)),
    Column("department", String(255)),
    Column("digitized", Boolean),
    Column("electronic_result", Boolean),
    Column("note", Text),
    Column("batch_id", Integer),
)

dossier_events = Table(
    "dossier_events",
    metadata,
    _code("event_id", primary_key=True),
    _code("dossier_code", ForeignKey("dossiers.dossier_code"), nullable=False, index=True),
    Column("event_type", String(32)),
    Column("event_at", DateTime),
    Column("new_due_at", DateTime),
    Column("reason", Text),
    Column("stage", String(16)),
    Column("batch_id", Integer),
)

feedback = Table(
    "feedback",
    metadata,
    _code("feedback_id", primary_key=True),
    _code("unit_code", ForeignKey("units.unit_code"), primary_key=True, index=True),
    Column("received_at", DateTime),
    Column("channel", String(255)),
    Column("subject", Text),
    _code("dossier_code"),
    Column("in_scope", Boolean),
    Column("resolved_at", DateTime),
    Column("outcome", Text),
    Column("about_staff", Boolean),
    Column("satisfied", Boolean),
    Column("batch_id", Integer),
)

SURVEY_ELEMENTS = ("access", "procedure", "staff", "result", "feedback_handling")

surveys = Table(
    "surveys",
    metadata,
    _code("survey_id", primary_key=True),
    _code("dossier_code", index=True),
    Column("surveyed_at", DateTime),
    Column("channel", String(255)),
    *[Column(name, Integer) for name in (*SURVEY_ELEMENTS, "overall")],
    Column("batch_id", Integer),
)

legal_documents = Table(
    "legal_documents",
    metadata,
    _code("document_id", primary_key=True),
    _code("unit_code", ForeignKey("units.unit_code"), primary_key=True, index=True),
    Column("title", Text),
    Column("issued_at", Date),
    Column("reviewed_at", Date),
    Column("review_result", String(16)),
    Column("handled_at", Date),
    Column("handling", Text),
    Column("batch_id", Integer),
)

plan_tasks = Table(
    "plan_tasks",
    metadata,
    _code("task_id", primary_key=True),
    _code("unit_code", ForeignKey("units.unit_code"), primary_key=True, index=True),
    _code("plan_code"),
    _code("requirement_id"),
    Column("department", String(255)),
    Column("title", Text),
    Column("due_date", Date),
    Column("done_date", Date),
    Column("evidence", Text),
    Column("batch_id", Integer),
)

self_scores = Table(
    "self_scores",
    metadata,
    _code("unit_code", ForeignKey("units.unit_code"), primary_key=True),
    Column("year", Integer, primary_key=True),
    _code("criterion_id", primary_key=True),
    Column("score", Float),
    Column("evidence", Text),
    Column("note", Text),
    Column("batch_id", Integer),
)

import_batches = Table(
    "import_batches",
    metadata,
    Column("batch_id", Integer, primary_key=True, autoincrement=True),
    Column("file_name", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("sheet", String(64)),
    _code("unit_code"),
    Column("rows_read", Integer, default=0),
    Column("rows_inserted", Integer, default=0),
    Column("rows_updated", Integer, default=0),
    Column("rows_unchanged", Integer, default=0),
    Column("rows_quarantined", Integer, default=0),
    Column("extra_columns", JSON),
    Column("imported_at", DateTime, nullable=False),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("quarantine_id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", Integer, ForeignKey("import_batches.batch_id"), index=True),
    Column("sheet", String(64)),
    Column("row_number", Integer),
    Column("raw", Text),
    Column("reason", Text),
)

# Quarantine rows of a source (file name and sheet) that a later version of that source
# replaced: the quarantine lists what is wrong now; nothing is lost.
quarantine_history = Table(
    "quarantine_history",
    metadata,
    Column("history_id", Integer, primary_key=True, autoincrement=True),
    Column("quarantine_id", Integer),
    Column("batch_id", Integer, ForeignKey("import_batches.batch_id"), index=True),
    Column("sheet", String(64)),
    Column("row_number", Integer),
    Column("raw", Text),
    Column("reason", Text),
    Column("replaced_by_batch", Integer, ForeignKey("import_batches.batch_id")),
    Column("replaced_at", DateTime),
)

indicator_runs = Table(
    "indicator_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(64), index=True),
    _code("unit_code", index=True),
    Column("period", String(16)),
    Column("window", String(16)),
    Column("as_of", Date),
    Column("indicator_id", String(64)),
    Column("scope", String(16)),
    Column("numerator", Float),
    Column("denominator", Float),
    Column("value", Float),
    Column("created_at", DateTime),
)

# Tables whose rows imports can replace; each gets a <name>_history table.
DATA_TABLES: dict[str, Table] = {
    t.name: t
    for t in (procedures, dossiers, dossier_events, feedback, surveys, legal_documents,
              plan_tasks, self_scores, units)
}


def _history_table(table: Table) -> Table:
    cols = [Column(c.name, c.type) for c in table.columns]
    return Table(
        f"{table.name}_history",
        metadata,
        Column("history_id", Integer, primary_key=True, autoincrement=True),
        *cols,
        Column("replaced_by_batch", Integer, ForeignKey("import_batches.batch_id")),
        Column("replaced_at", DateTime),
    )


HISTORY_TABLES: dict[str, Table] = {name: _history_table(t) for name, t in DATA_TABLES.items()}

PERSONAL_COLUMNS = ("applicant_name", "applicant_phone", "applicant_address")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.close()


_ENGINES: dict[str, Engine] = {}


def engine(url: str | None = None) -> Engine:
    """A cached engine for the URL (``--db``, env PARBOOK_DB or the default SQLite file)."""
    resolved = db_url(url)
    if resolved not in _ENGINES:
        if resolved.startswith("sqlite"):
            eng = create_engine(resolved, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
            event.listen(eng, "connect", _sqlite_pragmas)
        else:
            eng = create_engine(resolved, pool_pre_ping=True)
        _ENGINES[resolved] = eng
    return _ENGINES[resolved]


# Registers keyed by (id, unit_code): two communes may both have a document "01/2025/QĐ-UBND" or
# a task "NV-01" (DESIGN.md §12); dossier and survey ids stay global.
KEYED_BY_UNIT = {"feedback": "feedback_id", "legal_documents": "document_id",
                 "plan_tasks": "task_id"}


class SchemaError(RuntimeError):
    """An older database that cannot be brought to the current schema as it is."""


def create_schema(eng: Engine) -> None:
    """Create every table that does not exist yet, add the nullable columns a table of an older
    database lacks, and key an older database's registers by (id, unit_code) (idempotent;
    nothing is lost: a register is rebuilt with every row)."""
    if eng.url.get_backend_name() == "sqlite" and eng.url.database:
        from pathlib import Path

        Path(eng.url.database).parent.mkdir(parents=True, exist_ok=True)
    metadata.create_all(eng)
    _add_missing_columns(eng)
    _key_registers_by_unit(eng)


def _key_registers_by_unit(eng: Engine) -> None:
    from sqlalchemy import func, inspect, text

    found = inspect(eng)
    sqlite = eng.url.get_backend_name() == "sqlite"
    for name, ident in KEYED_BY_UNIT.items():
        pk = found.get_pk_constraint(name)
        if "unit_code" in (pk.get("constrained_columns") or []):
            continue
        table = metadata.tables[name]
        with eng.begin() as conn:
            blank = conn.execute(select(func.count()).select_from(table).where(
                table.c.unit_code.is_(None))).scalar_one()
            if blank:
                raise SchemaError(
                    f"Bảng {name} có {blank} dòng không có mã đơn vị: không thể chuyển sang khóa "
                    f"(mã đơn vị, {ident}); hãy điền mã đơn vị cho các dòng đó rồi chạy lại (table "
                    f"{name} has rows without a unit code; fill them in, then run again)")
            if not sqlite:
                conn.execute(text(f'ALTER TABLE {name} DROP CONSTRAINT "{pk["name"]}"'))
                conn.execute(text(f"ALTER TABLE {name} ADD PRIMARY KEY ({ident}, unit_code)"))
                continue
            have = [c["name"] for c in found.get_columns(name)]
            for index in found.get_indexes(name):
                conn.execute(text(f'DROP INDEX "{index["name"]}"'))
            conn.execute(text(f"ALTER TABLE {name} RENAME TO {name}__before_unit_key"))
            table.create(conn)
            columns = ", ".join(c for c in have if c in table.c)
            conn.execute(text(f"INSERT INTO {name} ({columns}) SELECT {columns} FROM "
                              f"{name}__before_unit_key"))
            conn.execute(text(f"DROP TABLE {name}__before_unit_key"))


def _add_missing_columns(eng: Engine) -> None:
    from sqlalchemy import inspect, text
    from sqlalchemy.schema import CreateColumn

    found = inspect(eng)
    with eng.begin() as conn:
        for table in metadata.sorted_tables:
            have = {c["name"] for c in found.get_columns(table.name)}
            for column in table.columns:
                if column.name not in have and column.nullable and not column.primary_key:
                    ddl = CreateColumn(column).compile(dialect=eng.dialect)
                    conn.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {ddl}"))


@contextmanager
def begin(url: str | None = None) -> Iterator[Any]:
    """A connection in a transaction (committed on success, rolled back on error)."""
    with engine(url).begin() as conn:
        yield conn


def read_table(conn: Any, table: Table, where: Any = None, columns: list[str] | None = None
               ) -> pd.DataFrame:
    """Read a table (optionally filtered) into a DataFrame with the schema's dtypes.

    Datetime columns come back as ``datetime64``, booleans as pandas ``boolean`` (nullable),
    integers as ``Int64``, so SQLite and PostgreSQL give identical frames.
    """
    cols = [table.c[name] for name in columns] if columns else list(table.columns)
    if conn.dialect.name == "sqlite":
        # SQLite keeps timestamps as ISO text: let pandas parse them in bulk (coerce_column)
        # instead of SQLAlchemy's per-value processors.
        selected = [type_coerce(c, String).label(c.name) if isinstance(c.type, DateTime | Date)
                    else c for c in cols]
    else:
        selected = cols
    stmt = select(*selected)
    if where is not None:
        stmt = stmt.where(where)
    # read and typed a piece at a time: the driver's objects of one piece are freed before the
    # next is read, so a province's rows never exist as Python objects all at once (and the
    # memory they took is reused, not left as holes between the values kept)
    result = conn.execute(stmt.execution_options(stream_results=True))
    readers = [_ColumnReader(c) for c in cols]
    while rows := result.fetchmany(READ_PIECE):
        values = list(zip(*rows, strict=True))
        del rows
        for reader in readers:
            reader.add(values.pop(0))
    return pd.DataFrame({reader.col.name: reader.series() for reader in readers})


READ_PIECE = 50_000       # rows read and typed at a time


class _ColumnReader:
    """One column of a table read in pieces, each piece typed on its own (coerce_column) and the
    repeated text of all pieces held once (shared_strings, one pool for the column)."""

    def __init__(self, col: Any) -> None:
        self.col = col
        self.pieces: list[pd.Series] = []
        self.pool: dict[Any, Any] | None = None

    def add(self, values: tuple[Any, ...]) -> None:
        series = pd.Series(values, dtype=object)
        if not _is_text(self.col):
            self.pieces.append(coerce_column(series, self.col))
            return
        series = series.where(series.notna(), None)
        if not self.pieces:                 # the first piece decides, as shared_strings would
            self.pool = {} if _repeats(series.to_numpy()) else None
        self.pieces.append(series if self.pool is None else _pooled(series, self.pool))

    def series(self) -> pd.Series:
        if not self.pieces:
            return coerce_column(pd.Series([], dtype=object), self.col)
        if len(self.pieces) == 1:
            return self.pieces.pop()
        joined = pd.concat(self.pieces, ignore_index=True)
        self.pieces.clear()
        return joined


def _is_text(col: Any) -> bool:
    return col.type.__class__ not in (DateTime, Date, Boolean, Integer, Float)


def coerce_column(series: pd.Series, col: Any) -> pd.Series:
    """The series with the pandas dtype of its schema column."""
    kind = col.type.__class__
    if kind in (DateTime, Date):
        return pd.to_datetime(series, format="ISO8601").astype("datetime64[us]")
    if kind is Boolean:
        return series.astype("boolean")
    if kind is Integer:
        return pd.to_numeric(series).astype("Int64")
    if kind is Float:
        return pd.to_numeric(series).astype("float64")
    return shared_strings(series.astype("object").where(series.notna(), None))


def coerce_frame(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Give each column of the frame the pandas dtype of its schema column."""
    for col in table.columns:
        if col.name in frame.columns:
            frame[col.name] = coerce_column(frame[col.name], col)
    return frame


def shared_strings(series: pd.Series, sample: int = 1000) -> pd.Series:
    """The series with equal values held as one object each, when few values repeat a lot.

    A database driver makes a new string for every row: a province's million dossiers hold a
    million copies of a few status, channel and procedure codes (about 50 MB per column). A
    column whose first ``sample`` values are mostly distinct (dossier codes, names) is left as
    it is. Values, dtype, index and missing values are unchanged.
    """
    values = series.to_numpy(dtype=object)
    if not _repeats(values, sample):
        return series
    return _pooled(series, {})


def _repeats(values: np.ndarray, sample: int = 1000) -> bool:
    """The first ``sample`` values mostly repeat (at most half of them distinct)."""
    head = values[:sample]
    return len(head) > 1 and len(set(head)) <= len(head) // 2


def _pooled(series: pd.Series, pool: dict[Any, Any]) -> pd.Series:
    """The series with each value replaced by its equal in ``pool`` (added when new)."""
    values = series.to_numpy(dtype=object)
    codes, uniques = pd.factorize(values)
    if not len(uniques):
        return series
    shared = np.asarray([pool.setdefault(u, u) for u in uniques.tolist()], dtype=object).take(codes)
    missing = codes < 0
    shared[missing] = values[missing]
    return pd.Series(shared, index=series.index, name=series.name, dtype=series.dtype)
