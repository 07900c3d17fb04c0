"""Binary COPY of a frame into a new PostgreSQL scratch table, column by column.

The table is created UNLOGGED and filled with ``COPY … FROM STDIN (FORMAT binary, FREEZE)`` in
the transaction that created it (no WAL, rows written already frozen). PostgreSQL's binary
tuples are assembled with numpy from whole columns, ``PIECE`` rows at a time: no Python object
per value and no text for the server to parse; the client holds one piece's bytes at a time.

The values the server stores are those of the CSV path (parbook.quality.scratch._copy): NaN,
NaT, None and pandas' NA are NULL, datetimes are kept to the microsecond (floor, as strftime's
``%f``), texts as they are. A frame with a column of another kind (a tz-aware datetime, text
mixed with other objects), or a connection that is not psycopg 3's, is not written here:
:func:`copy_frame` returns False and the caller takes the CSV path.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, Boolean, DateTime, Float, Text
from sqlalchemy.engine import Connection

PIECE = 50_000                      # rows per piece of the binary stream
HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)     # signature, flags 0, no header extension
TRAILER = b"\xff\xff"               # field count -1
PG_EPOCH = np.datetime64("2000-01-01T00:00:00", "us").astype(np.int64)   # µs since 1970
# SQLAlchemy type of a scratch column (parbook.quality.scratch._sql_type) → PostgreSQL type
PG_TYPES = ((DateTime, "TIMESTAMP WITHOUT TIME ZONE"), (Boolean, "BOOLEAN"),
            (BigInteger, "BIGINT"), (Float, "DOUBLE PRECISION"), (Text, "TEXT"))

# one column of a piece: the data length of each row (-1: NULL) and the data of the non-NULL
# rows, fixed width (a row each) or concatenated (text)
Encoded = tuple[np.ndarray, np.ndarray]


def pg_type(sql_type: object) -> str | None:
    """The PostgreSQL type of a scratch column's SQLAlchemy type (None: not written here)."""
    return next((name for kind, name in PG_TYPES if isinstance(sql_type, kind)), None)


def _lengths(null: np.ndarray, width: int) -> np.ndarray:
    return np.where(null, -1, width).astype(np.int64)


def _fixed(values: np.ndarray, null: np.ndarray, dtype: str) -> Encoded:
    """Non-NULL values in a big-endian fixed-width type, a row of bytes each."""
    data = np.ascontiguousarray(values[~null].astype(dtype))
    return _lengths(null, data.itemsize), data.view(np.uint8).reshape(len(data), data.itemsize)


def _text(values: np.ndarray, null: np.ndarray) -> Encoded | None:
    """UTF-8 of the non-NULL values, concatenated (None when one is not a str)."""
    present = values[~null].tolist()
    if not all(type(v) is str for v in present):
        return None
    joined = "".join(present)
    if joined.isascii():                            # a byte per character
        data = joined.encode("ascii")
        sizes = np.fromiter(map(len, present), dtype=np.int64, count=len(present))
    else:
        encoded = [v.encode("utf-8") for v in present]
        data = b"".join(encoded)
        sizes = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    lengths = np.full(len(values), -1, dtype=np.int64)
    lengths[~null] = sizes
    return lengths, np.frombuffer(data, dtype=np.uint8)


def _encode(series: pd.Series, pg: str) -> Encoded | None:
    """One column of a piece in PostgreSQL's binary format (None: not written here)."""
    null = np.asarray(series.isna(), dtype=bool)
    if pg == "TEXT":
        return _text(series.to_numpy(dtype=object), null)
    if pg == "TIMESTAMP WITHOUT TIME ZONE":
        if not pd.api.types.is_datetime64_dtype(series.dtype):     # tz-aware or objects
            return None
        micros = series.to_numpy().astype("datetime64[us]").astype(np.int64) - PG_EPOCH
        return _fixed(micros, null, ">i8")
    if pg == "BOOLEAN":
        values = series.to_numpy(dtype=object)                  # True/False/None or NA
        return _fixed(np.asarray(values == True, dtype=bool), null, "u1")   # noqa: E712
    if pg == "BIGINT":
        return _fixed(series.to_numpy(dtype=np.int64, na_value=0), null, ">i8")
    return _fixed(series.to_numpy(dtype=np.float64, na_value=np.nan), null, ">f8")


def _piece(columns: list[Encoded]) -> bytes:
    """The binary tuples of a piece's rows from its encoded columns."""
    rows = len(columns[0][0])
    sizes = np.empty((rows, len(columns) + 1), dtype=np.int64)
    sizes[:, 0] = 2                                             # the field count
    for j, (lengths, _) in enumerate(columns, start=1):
        sizes[:, j] = 4 + np.maximum(lengths, 0)
    starts = (np.cumsum(sizes.ravel()) - sizes.ravel()).reshape(sizes.shape)
    out = np.empty(int(sizes.sum()), dtype=np.uint8)
    count = np.full(rows, len(columns), dtype=">i2").view(np.uint8).reshape(rows, 2)
    out[starts[:, :1] + np.arange(2)] = count
    for j, (lengths, data) in enumerate(columns, start=1):
        out[starts[:, j:j + 1] + np.arange(4)] = \
            lengths.astype(">i4").view(np.uint8).reshape(rows, 4)
        present = lengths >= 0
        first = starts[present, j] + 4                          # where each value's data goes
        if data.ndim == 2:                                      # fixed width
            out[first[:, None] + np.arange(data.shape[1])] = data
        elif len(data):                                         # concatenated text
            sizes_present = lengths[present]
            offsets = np.cumsum(sizes_present) - sizes_present
            out[np.repeat(first - offsets, sizes_present) + np.arange(len(data))] = data
    return out.tobytes()


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
        with cursor.copy(f"COPY {name} ({columns}) FROM STDIN (FORMAT binary, FREEZE)") as copy:
            for piece in pieces:
                copy.write(piece)
    return True
