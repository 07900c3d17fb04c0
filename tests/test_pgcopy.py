"""Binary COPY into PostgreSQL scratch tables stores what the CSV COPY stores, for every kind of
column the checks write (NULLs, datetimes, booleans, awkward texts), across pieces."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from parbook.quality import pgcopy
from parbook.quality.scratch import _copy, _sql_type, scratch

AWKWARD = ["tab\there", "new\nline\r\n", 'quote " and \'', "back\\slash", "", "Hồ sơ đã trả",
           "comma, semi; pipe|", "<parbook:null> is a text here", "emoji 🙂", "NULL"]


def every_kind(rows: int = 23) -> pd.DataFrame:
    """A frame with a column of each kind the scratch tables take, NULLs in each that can."""
    rng = np.random.default_rng(7)
    stamps = pd.Series(pd.date_range("1969-12-31 23:59:59", periods=rows, freq="37h"))
    stamps = stamps + pd.to_timedelta(rng.integers(0, 10**9, rows), unit="ns")
    stamps[::5] = pd.NaT
    texts = [AWKWARD[i % len(AWKWARD)] for i in range(rows)]
    frame = pd.DataFrame({
        "record_key": [f"K{i:03d}" for i in range(rows)],
        "count": rng.integers(-5, 5, rows),
        "maybe_count": pd.array([None if i % 4 == 0 else i for i in range(rows)], dtype="Int64"),
        "ratio": np.where(np.arange(rows) % 6 == 0, np.nan, rng.normal(size=rows)),
        "flag": rng.integers(0, 2, rows).astype(bool),
        "maybe_flag": pd.Series([None if i % 3 == 0 else bool(i % 2) for i in range(rows)],
                                dtype=object),
        "stamp": stamps,
        "day": pd.Series(pd.date_range("2024-01-01", periods=rows, freq="D")).astype(
            "datetime64[s]"),
        "label": pd.Series([None if i % 7 == 0 else t for i, t in enumerate(texts)], dtype="str"),
        "note": pd.Series([None if i % 5 == 1 else t for i, t in enumerate(texts)], dtype=object),
        "kind": pd.Categorical([["a", "b", None][i % 3] for i in range(rows)]),
    })
    frame.loc[1, "ratio"] = np.inf
    return frame


def _rows(conn, table: str) -> list[tuple]:
    return [tuple(r) for r in conn.execute(text(f'SELECT * FROM "s"."{table}" ORDER BY record_key'))]


def _types(conn, table: str) -> list[tuple]:
    return [tuple(r) for r in conn.execute(text(
        "SELECT column_name, data_type FROM information_schema.columns "
        f"WHERE table_schema = 's' AND table_name = '{table}' ORDER BY ordinal_position"))]


def test_binary_copy_stores_what_the_csv_copy_stores(pg_url: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pgcopy, "PIECE", 4)             # several pieces, the last one short
    frame = every_kind()
    types = {c: _sql_type(frame[c]) for c in frame.columns}
    eng = create_engine(pg_url)
    with eng.connect() as conn:
        conn.execute(text("CREATE SCHEMA s"))
        conn.commit()
        assert pgcopy.copy_frame(conn, frame, "s", "binary", types)
        conn.commit()
        frame.head(0).to_sql("csv", conn, schema="s", index=False, dtype=types)
        _copy(conn, frame, '"s"."csv"')
        conn.commit()
        assert _rows(conn, "binary") == _rows(conn, "csv")
        assert len(_rows(conn, "binary")) == len(frame)
        assert _types(conn, "binary") == _types(conn, "csv")
        assert conn.execute(text("SELECT relpersistence FROM pg_class "
                                 "WHERE relname = 'binary'")).scalar() == "u"      # UNLOGGED
        nulls = conn.execute(text('SELECT count(*) FROM "s"."binary" WHERE label IS NULL')).scalar()
        assert nulls == frame["label"].isna().sum()
        assert conn.execute(text('SELECT count(*) FROM "s"."binary" WHERE note = \'\'')).scalar() > 0
    eng.dispose()


def test_an_empty_frame_makes_an_empty_table(pg_url: str) -> None:
    frame = every_kind().head(0)
    eng = create_engine(pg_url)
    with eng.connect() as conn:
        conn.execute(text("CREATE SCHEMA s"))
        assert pgcopy.copy_frame(conn, frame, "s", "empty", {c: _sql_type(frame[c]) for c in frame})
        conn.commit()
        assert _rows(conn, "empty") == []
    eng.dispose()


@pytest.mark.parametrize("column", [
    pd.Series([date(2024, 1, 1), None, date(2024, 1, 3)], dtype=object),     # not all str
    pd.Series(pd.date_range("2024-01-01", periods=3, tz="Asia/Ho_Chi_Minh")),  # tz-aware
])
def test_columns_not_written_in_binary_are_refused_before_anything_is_sent(column) -> None:
    frame = pd.DataFrame({"record_key": ["a", "b", "c"], "value": column})
    pg_types = [pgcopy.pg_type(_sql_type(frame[c])) for c in frame.columns]
    assert pgcopy.binary_pieces(frame, pg_types) is None


def test_scratch_falls_back_to_csv_for_a_frame_binary_copy_refuses(pg_url: str) -> None:
    frame = pd.DataFrame({"record_key": ["a", "b"], "day": [date(2024, 1, 1), None]})
    with scratch(pg_url, {"thing": frame}) as space:
        eng = create_engine(space.connection_string)
        with eng.connect() as conn:
            got = conn.execute(text(f'SELECT * FROM "{space.tables["thing"]}" ORDER BY 1')).all()
        eng.dispose()
    assert [tuple(r) for r in got] == [("a", "2024-01-01"), ("b", None)]


def test_pieces_encoded_ahead_come_in_order_and_bring_their_error() -> None:
    def pieces():
        yield b"a"
        yield b"b"
        raise ValueError("piece c")

    got = []
    with pytest.raises(ValueError, match="piece c"):
        for piece in pgcopy._ahead(pieces()):
            got.append(piece)
    assert got == [b"a", b"b"]


def test_pieces_no_longer_wanted_stop_the_thread() -> None:
    import threading

    def endless():
        while True:
            yield b"x"

    ahead = pgcopy._ahead(endless())
    assert next(ahead) == b"x"
    ahead.close()
    assert not [t for t in threading.enumerate() if t.name == "parbook-copy"]
