"""Binary COPY of a frame into a new PostgreSQL scratch table, column by column.

The table is created UNLOGGED and filled with ``COPY … FROM STDIN (FORMAT binary, FREEZE)`` in
the transaction that created it (no WAL, rows written already frozen). PostgreSQL's binary
tuples are assembled with numpy from whole columns, ``PIECE`` rows at a time (a text column's
values are read once, to encode them): no text for the server to parse. A thread encodes the
next pieces while one is sent; the client holds a few pieces' bytes at a time.

The values the server stores are those of the CSV path (parbook.quality.scratch._copy): NaN,
NaT, None and pandas' NA are NULL, datetimes are kept to the microsecond (floor, as strftime's
``%f``), texts as they are. A frame with a column of another kind (a tz-aware datetime, text
mixed with other objects), or a connection that is not psycopg 3's, is not written here:
:func:`copy_frame` returns False and the caller takes the CSV path.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import closing

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, Boolean, DateTime, Float, Text
from sqlalchemy.engine import Connection

PIECE = 10_000                      # rows per piece of the binary stream
HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)     # signature, flags 0, no header extension
TRAILER = b"\xff\xff"               # field count -1
PG_EPOCH = np.datetime64("2000-01-01T00:00:00", "us").astype(np.int64)   # µs since 1970
# SQLAlchemy type of a scratch column (parbook.quality.scratch._sql_type) → PostgreSQL type
PG_TYPES = ((DateTime, "TIMESTAMP WITHOUT TIME ZONE"), (Boolean, "BOOLEAN"),
            (BigInteger, "BIGINT"), (Float, "DOUBLE PRECISION"), (Text, "TEXT"))

# one column of a piece: the data length of each row (-1: NULL) and its data, a row of bytes
# per row padded to the piece's widest value (what lies beyond a row's length is not sent)
Encoded = tuple[np.ndarray, np.ndarray]


def pg_type(sql_type: object) -> str | None:
    """The PostgreSQL type of a scratch column's SQLAlchemy type (None: not written here)."""
    return next((name for kind, name in PG_TYPES if isinstance(sql_type, kind)), None)


def _fixed(values: np.ndarray, null: np.ndarray, dtype: str) -> Encoded:
    """Values in a big-endian fixed-width type, a row of bytes each (any bytes when NULL)."""
    data = np.ascontiguousarray(values.astype(dtype))
    return (np.where(null, -1, data.itemsize).astype(np.int64),
            data.view(np.uint8).reshape(len(data), data.itemsize))


def _text(values: np.ndarray, null: np.ndarray) -> Encoded | None:
    """UTF-8 of the non-NULL values, a row each padded to the longest (None when one is not a
    str)."""
    present = values[~null].tolist()
    try:
        ascii_only = "".join(present).isascii()
    except TypeError:                               # not every value is a str
        return None
    encoded = present if ascii_only else [v.encode("utf-8") for v in present]
    sizes = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    width = int(sizes.max()) if len(sizes) else 0
    data = np.zeros((len(values), width), dtype=np.uint8)
    if width:                                       # numpy's fixed-width bytes, a row each
        data[~null] = np.array(encoded, dtype=f"S{width}").view(np.uint8).reshape(-1, width)
    lengths = np.full(len(values), -1, dtype=np.int64)
    lengths[~null] = sizes
    return lengths, data


def _encode(series: pd.Series, pg: str) -> Encoded | None:
    """One column of a piece in PostgreSQL's binary format (None: not written here)."""
    null = np.asarray(series.isna(), dtype=bool)
    if pg == "TEXT":
        return _text(series.to_numpy(dtype=object), null)
    if pg == "TIMESTAMP WITHOUT TIME ZONE":
        if not pd.api.types.is_datetime64_dtype(series.dtype):     # tz-aware or objects
            return None
        micros = series.to_numpy().astype("datetime64[us]").astype(np.int64)
        return _fixed(np.where(null, 0, micros - PG_EPOCH), null, ">i8")
    if pg == "BOOLEAN":
        values = series.to_numpy(dtype=object)                  # True/False/None or NA
        return _fixed(np.asarray(values == True, dtype=bool), null, "u1")   # noqa: E712
    if pg == "BIGINT":
        return _fixed(series.to_numpy(dtype=np.int64, na_value=0), null, ">i8")
    return _fixed(series.to_numpy(dtype=np.float64, na_value=np.nan), null, ">f8")


def _piece(columns: list[Encoded]) -> bytes:
    """The binary tuples of a piece's rows from its encoded columns: every row laid out at the
    widest (field count, then each field's length and padded data), the padding dropped."""
    rows = len(columns[0][0])
    width = 2 + sum(4 + data.shape[1] for _, data in columns)
    tuples = np.empty((rows, width), dtype=np.uint8)
    sent = np.ones((rows, width), dtype=bool)
    tuples[:, :2] = np.full(rows, len(columns), dtype=">i2").view(np.uint8).reshape(rows, 2)
    at = 2
    for lengths, data in columns:
        tuples[:, at:at + 4] = lengths.astype(">i4").view(np.uint8).reshape(rows, 4)
        size = data.shape[1]
        tuples[:, at + 4:at + 4 + size] = data
        if size and (lengths < size).any():
            sent[:, at + 4:at + 4 + size] = np.arange(size) < lengths[:, None]
        at += 4 + size
    return tuples.ravel()[sent.ravel()].tobytes()


def binary_pieces(frame: pd.DataFrame, pg_types: list[str]) -> Iterator[bytes] | None:
    """The binary COPY stream of a frame (header, a piece of tuples at a time, trailer), or None
    when a column cannot be written here. Each piece is encoded when it is reached; the first
    is encoded up front, so that an unsupported column is found before anything is sent."""
    def encoded(start: int) -> bytes | None:
        part = frame.iloc[start:start + PIECE]
        columns = [_encode(part[c], pg) for c, pg in zip(frame.columns, pg_types, strict=True)]
        if any(c is None for c in columns):
            return None
        return _piece(columns)

    first = encoded(0) if len(frame) else b""
    if first is None:
        return None

    def stream() -> Iterator[bytes]:
        yield HEADER + first
        for start in range(PIECE, len(frame), PIECE):
            piece = encoded(start)
            if piece is None:
                raise ValueError("cột không ghi được bằng COPY nhị phân (column not writable)")
            yield piece
        yield TRAILER

    return stream()


def _ahead(pieces: Iterator[bytes], depth: int = 2) -> Iterator[bytes]:
    """The pieces, each encoded by a thread while the ones before it are sent (at most
    ``depth`` waiting); the thread stops when the pieces are no longer wanted."""
    waiting: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: bytes | BaseException | None) -> None:
        while not stop.is_set():
            try:
                waiting.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def produce() -> None:
        try:
            for piece in pieces:
                if stop.is_set():
                    return
                put(piece)
            put(None)
        except BaseException as exc:            # raised again where the pieces are sent
            put(exc)

    thread = threading.Thread(target=produce, name="parbook-copy", daemon=True)
    thread.start()
    try:
        while (item := waiting.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


def copy_frame(conn: Connection, frame: pd.DataFrame, schema: str, table: str,
               sql_types: dict[str, object]) -> bool:
    """Create ``schema.table`` UNLOGGED with the frame's columns and fill it by binary COPY
    FREEZE, in the connection's current transaction (the caller commits). False, nothing done,
    when the frame or the connection is not one this module writes."""
    try:
        import psycopg
    except ImportError:
        return False
    pg_types = [pg_type(sql_types[c]) for c in frame.columns]
    raw = getattr(getattr(conn, "connection", None), "dbapi_connection", None)
    if None in pg_types or not isinstance(raw, psycopg.Connection):
        return False
    pieces = binary_pieces(frame, pg_types)
    if pieces is None:
        return False
    name = f'"{schema}"."{table}"'
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    definition = ", ".join(f'"{c}" {pg}' for c, pg in zip(frame.columns, pg_types, strict=True))
    if not conn.in_transaction():
        conn.begin()
    with raw.cursor() as cursor:
        cursor.execute(f"CREATE UNLOGGED TABLE {name} ({definition})")
        with cursor.copy(f"COPY {name} ({columns}) FROM STDIN (FORMAT binary, FREEZE)") as copy, \
                closing(_ahead(pieces)) as ahead:
            for piece in ahead:
                copy.write(piece)
    return True
