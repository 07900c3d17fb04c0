"""Scratch space for the SQL check backend: the frames GX validates in SQL, never in the user's
tables, and nothing left behind after a kill.

- SQLite: a scratch database file in a private temporary folder named after the process
  (``parbook-gx-<pid>-…``), removed at the end; a folder whose process is gone is swept on start.
- PostgreSQL: a scratch schema ``parbook_scratch_<backend pid>_<token>`` created on a connection
  held for the whole run, its tables UNLOGGED and filled by binary COPY (parbook.quality.pgcopy;
  CSV COPY for a frame it does not write), dropped at the end; a schema whose backend is no longer connected
  (``pg_stat_activity``) is swept on start.

Tables that older versions wrote into the user's database (``gx_check_…``) are removed on start.
"""

from __future__ import annotations

import csv
import logging
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import BigInteger, Boolean, DateTime, Float, Text, create_engine, inspect, text
from sqlalchemy.engine import Connection, Engine

from parbook.errors import ParbookError
from parbook.quality import pgcopy
from parbook.store import db

log = logging.getLogger(__name__)

LEGACY_TABLE_PREFIX = "gx_check_"
SQLITE_DIR_PREFIX = "parbook-gx-"
PG_SCHEMA_PREFIX = "parbook_scratch_"
_SQLITE_DIR_RE = re.compile(rf"^{SQLITE_DIR_PREFIX}(\d+)-")
_PG_SCHEMA_RE = re.compile(rf"^{PG_SCHEMA_PREFIX}(\d+)_[0-9a-f]+$")
COPY_CHUNK = 100_000      # rows per CSV piece sent to COPY (bounded client memory)
NULL_TOKEN = "<parbook:null>"   # a missing value in the CSV sent to COPY


@dataclass(frozen=True)
class Scratch:
    """Where the frames were written: a connection string GX can use (for PostgreSQL, one whose
    search path is the scratch schema), the schema, and each entity's table name."""

    connection_string: str
    schema: str | None
    tables: dict[str, str]


def _sql_type(series: pd.Series) -> object:
    dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return DateTime()
    if pd.api.types.is_bool_dtype(dtype):
        return Boolean()
    if pd.api.types.is_integer_dtype(dtype):
        return BigInteger()
    if pd.api.types.is_float_dtype(dtype):
        return Float()
    if pd.api.types.infer_dtype(series, skipna=True) not in ("boolean", "categorical"):
        return Text()                   # no need to look at each value (a second a million)
    values = series.dropna()
    if len(values) and values.map(lambda v: isinstance(v, bool)).all():
        return Boolean()
    return Text()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep(eng: Engine) -> list[str]:
    """Remove what killed runs left: scratch folders of dead processes, orphan scratch schemas,
    and tables older versions wrote into the user's database. Returns what was removed."""
    removed = []
    tmp = Path(tempfile.gettempdir())
    for entry in tmp.glob(f"{SQLITE_DIR_PREFIX}*"):
        match = _SQLITE_DIR_RE.match(entry.name)
        if match and entry.is_dir() and not _pid_alive(int(match.group(1))):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(str(entry))
    with eng.begin() as conn:
        for table in inspect(conn).get_table_names():
            if table.startswith(LEGACY_TABLE_PREFIX):
                conn.execute(text(f'DROP TABLE IF EXISTS "{table}"'))
                removed.append(table)
        if eng.dialect.name == "postgresql":
            live = {r[0] for r in conn.execute(text("SELECT pid FROM pg_stat_activity"))}
            for schema in inspect(conn).get_schema_names():
                match = _PG_SCHEMA_RE.match(schema)
                if match and int(match.group(1)) not in live:
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                    removed.append(schema)
    if removed:
        log.info("scratch leftovers removed: %s", removed)
    return removed


def _write(conn: Connection, frames: dict[str, pd.DataFrame], tables: dict[str, str],
           schema: str | None) -> None:
    """Each frame into its table: PostgreSQL by one binary COPY per table (parbook.quality.pgcopy;
    a frame it does not write, by CSV), SQLite by inserts."""
    for entity, frame in frames.items():
        types = {c: _sql_type(frame[c]) for c in frame.columns}
        if schema is None:
            frame.to_sql(tables[entity], conn, index=False, dtype=types, chunksize=10_000)
            continue
        if pgcopy.copy_frame(conn, frame, schema, tables[entity], types):
            continue
        frame.head(0).to_sql(tables[entity], conn, schema=schema, index=False, dtype=types)
        _copy(conn, frame, f'"{schema}"."{tables[entity]}"')


def _copy(conn: Connection, frame: pd.DataFrame, table: str) -> None:
    """COPY a frame into a PostgreSQL table as CSV written by pandas: every value quoted (an
    empty text stays ''), a missing value written as NULL_TOKEN and read back as NULL."""
    if frame.empty:
        return
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    options = f"FORMAT csv, NULL '{NULL_TOKEN}', FORCE_NULL ({columns})"
    if not conn.in_transaction():       # pandas committed its own: the COPY joins a new one,
        conn.begin()                     # which the caller's commit() then commits
    raw = conn.connection.dbapi_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN "
                                             f"WITH ({options})") as copy:
        for start in range(0, len(frame), COPY_CHUNK):
            part = frame.iloc[start:start + COPY_CHUNK]
            copy.write(part.to_csv(index=False, header=False, quoting=csv.QUOTE_ALL,
                                   na_rep=NULL_TOKEN, date_format="%Y-%m-%d %H:%M:%S.%f"))


@contextmanager
def scratch(url: str | None, frames: dict[str, pd.DataFrame]) -> Iterator[Scratch]:
    """The frames written to scratch tables next to the database ``url``; removed afterwards."""
    eng = db.engine(url)
    sweep(eng)
    token = uuid.uuid4().hex[:10]
    tables = {entity: f"{entity}_{token}" for entity in frames}
    backend = eng.dialect.name
    if backend == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix=f"{SQLITE_DIR_PREFIX}{os.getpid()}-"))
        path = folder / "scratch.sqlite"
        scratch_engine = create_engine(f"sqlite:///{path}")
        try:
            with scratch_engine.begin() as conn:
                _write(conn, frames, tables, None)
            scratch_engine.dispose()
            yield Scratch(f"sqlite:///{path}", None, tables)
        finally:
            scratch_engine.dispose()
            shutil.rmtree(folder, ignore_errors=True)
    elif backend == "postgresql":
        with eng.connect() as holder:          # its backend pid names the schema while we run
            pid = holder.execute(text("SELECT pg_backend_pid()")).scalar()
            schema = f"{PG_SCHEMA_PREFIX}{pid}_{token}"
            holder.execute(text(f'CREATE SCHEMA "{schema}"'))
            holder.commit()
            try:
                _write(holder, frames, tables, schema)
                holder.commit()
                url_in_schema = eng.url.update_query_dict({"options": f"-csearch_path={schema}"})
                yield Scratch(url_in_schema.render_as_string(hide_password=False), schema, tables)
            finally:
                holder.rollback()
                holder.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                holder.commit()
    else:
        raise ParbookError(f"Kiểm tra bằng SQL chỉ hỗ trợ SQLite và PostgreSQL, không hỗ trợ "
                           f"{backend} (the SQL check backend supports SQLite and PostgreSQL)")
