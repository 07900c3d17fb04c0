"""Guards of the import against files that load wrongly without a word (issue 18): invisible
characters in keys, header-less columns, implausible dates, formulas without a value, wrong
encodings, .ods files, undeclared units, an uninitialised database, the quarantine fix loop."""

from __future__ import annotations

from sqlalchemy import func, select

from parbook.intake.ingest import ingest_files
from parbook.store import db
from parbook.store.init import init_database
from tests.messy import csv_bytes, workbook


def n_rows(url, table):
    with db.engine(url).connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


def codes(url):
    with db.engine(url).connect() as conn:
        return sorted(conn.execute(select(db.dossiers.c.dossier_code)).scalars())


def test_invisible_characters_in_keys_do_not_make_duplicates(any_db_url, tmp_path) -> None:
    init_database(any_db_url, [{"unit_code": "X1"}])
    header = ["Mã hồ sơ", "Mã đơn vị", "Trạng thái"]
    pasted = workbook(tmp_path / "HoSo.xlsx", {"HoSo": [
        ["\ufeffMã hồ sơ\u200b", "Mã đơn vị", "Trạng thái"],
        ["HS-001\u200b", "X1\u2060", "Đang\u200b xử lý"], ["\ufeffHS-002", "X1", "Đang xử lý"],
        ["HS-\u200c003\u200d", "\u200bX1", "Đang xử lý"]]})
    first = ingest_files([pasted], url=any_db_url)
    assert (first[0].inserted, first[0].quarantined) == (3, 0)
    clean = tmp_path / "HoSo.csv"
    clean.write_text(csv_bytes([header, ["HS-001", "X1", "Đang xử lý"],
                                ["HS-002", "X1", "Đang xử lý"], ["HS-003", "X1", "Đang xử lý"]]),
                     encoding="utf-8")
    again = ingest_files([clean], url=any_db_url)
    assert (again[0].inserted, again[0].unchanged) == (0, 3)
    assert codes(any_db_url) == ["HS-001", "HS-002", "HS-003"]
