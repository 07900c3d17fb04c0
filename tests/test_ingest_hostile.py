"""Hostile input, property-based: malformed workbooks and CSVs never crash the import and never
lose a row (every non-blank row after the header is read, and read = loaded + quarantined);
unreadable files give a clear IngestError naming the file."""

from __future__ import annotations

import re
import shutil
import sqlite3
import tempfile
from datetime import datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from parbook.intake.ingest import IngestError, ingest_files
from parbook.intake.vocab import SHEETS, VOCABULARIES
from parbook.store.init import init_database
from tests.messy import csv_bytes, nfd, to_cp1258

SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
VIET = "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
WORDS = [w for vocab in VOCABULARIES.values() for words in vocab.values() for w in words]
TITLES = ["UBND XÃ AN LỘC", "DANH SÁCH", "Quý 3/2024", None]

plain_text = st.text(alphabet=VIET + VIET.upper() + " 0123456789/-.,:", max_size=30)
control_text = st.text(alphabet="ab\x00\x01\x07\x0b\x1f\t\n", min_size=1, max_size=5)
cells = st.one_of(
    st.none(),
    plain_text,
    plain_text.map(nfd),
    st.sampled_from(WORDS).map(lambda w: w.upper() if len(w) % 2 else w),
    st.sampled_from(["Có", "Không", "x", "TRUE", "0", "1", "=1+1", "=HYPERLINK(\"x\")", "#N/A"]),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2200, 1, 1)),
    st.booleans(),
    st.sampled_from(["03/05/24", "31/02/2024", "2024-05-03 15:01", "15:01 03/05/2024"]),
    st.integers(min_value=1, max_value=300).map(lambda n: "Ư" * (n * 300)),   # huge strings
)


@st.composite
def sheets(draw, csv: bool = False):
    spec = draw(st.sampled_from(SHEETS))
    labels = [c.label for c in spec.columns]
    chosen = draw(st.lists(st.sampled_from(labels), min_size=1, max_size=len(labels),
                           unique=True))
    first_key = spec.required[0] if spec.derived_key else spec.key[0]
    key_label = spec.by_name[first_key].label
    if key_label not in chosen:
        chosen.insert(0, key_label)
    extra = draw(st.lists(st.sampled_from(["Mã vạch", "Cột lạ", "Ghi chú thêm"]), max_size=2,
                          unique=True))
    header = [draw(st.sampled_from([h, h.upper(), nfd(h), f"  {h} "])) for h in chosen] + extra
    value_cells = st.one_of(cells, control_text) if csv else cells
    n_rows = draw(st.integers(min_value=0, max_value=12))
    rows = []
    for i in range(n_rows):
        row = draw(st.lists(value_cells, min_size=0, max_size=len(header) + 2))
        if i == 0:  # a non-numeric first data row, never mistaken for a column-number row
            row = ["K-" + draw(plain_text)] + row[1:]
        rows.append(row)
        if draw(st.booleans()):
            rows.append([None] * draw(st.integers(0, 3)))          # blank rows in between
    if draw(st.booleans()):
        rows.extend([[None]] * 500)                                # many empty rows at the end
    titles = [[t] for t in draw(st.lists(st.sampled_from(TITLES), max_size=4))]
    return spec, titles, header, rows


def _blank(row) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


def _expected_read(rows, csv: bool) -> int:
    def cell(v):
        if csv:
            v = "" if v is None else str(v)
            return v if v.strip() else None
        return v
    return sum(1 for row in rows if not _blank([cell(v) for v in row]))


def _check(results, read: int, db_path: Path) -> None:
    assert len(results) == 1
    r = results[0]
    assert r.read == read
    assert r.read == r.inserted + r.updated + r.unchanged + r.quarantined
    conn = sqlite3.connect(db_path)
    try:
        n_quarantined = conn.execute("SELECT count(*) FROM quarantine").fetchone()[0]
        n_loaded = conn.execute(f"SELECT count(*) FROM {_table(r.sheet)} WHERE batch_id = ?",
                                (r.batch_id,)).fetchone()[0]
    finally:
        conn.close()
    assert n_quarantined == r.quarantined
    assert n_loaded == r.inserted + r.updated   # the rows this batch wrote (init loaded others)


def _table(sheet: str) -> str:
    return next(s.table.name for s in SHEETS if s.name == sheet)


def _xlsx_value(v):
    if isinstance(v, str):
        v = ILLEGAL_CHARACTERS_RE.sub("", v)
    return v


@SETTINGS
@given(sheets(), st.booleans())
def test_hostile_workbooks(sheet, merge_titles) -> None:
    spec, titles, header, rows = sheet
    tmp = Path(tempfile.mkdtemp(prefix="parbook-hostile-"))
    try:
        wb = Workbook()
        ws = wb.active
        ws.title = spec.name
        all_rows = [*titles, header, *rows]
        clean = []
        for r, row in enumerate(all_rows, start=1):
            values = [_xlsx_value(v) for v in row]
            clean.append(values)
            for c, value in enumerate(values, start=1):
                if value is not None:
                    ws.cell(r, c, value)
        if merge_titles and titles:
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=4)
        path = tmp / "hostile.xlsx"
        wb.save(path)
        # formulas openpyxl writes have no cached value: such a cell is read (issue 18), not
        # taken for an empty one, so its row counts
        data = clean[len(titles) + 1:]
        db_path = tmp / "db.sqlite"
        init_database(f"sqlite:///{db_path}", [{"unit_code": "X1"}])
        results = ingest_files([path], url=f"sqlite:///{db_path}", unit="X1")
        _check(results, _expected_read(data, csv=False), db_path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@SETTINGS
@given(sheets(csv=True), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1258"]),
       st.sampled_from([",", ";", "\t"]))
def test_hostile_csv(sheet, encoding, delimiter) -> None:
    spec, titles, header, rows = sheet
    tmp = Path(tempfile.mkdtemp(prefix="parbook-hostile-"))
    try:
        text = csv_bytes([*titles, header, *rows], delimiter)
        data = to_cp1258(text) if encoding == "cp1258" else text.encode(encoding)
        path = tmp / f"{spec.name}.csv"
        path.write_bytes(data)
        db_path = tmp / "db.sqlite"
        init_database(f"sqlite:///{db_path}", [{"unit_code": "X1"}])
        try:
            results = ingest_files([path], url=f"sqlite:///{db_path}", unit="X1")
        except IngestError as exc:           # only for a file with NUL or mostly control bytes
            assert str(path) in str(exc) and re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", text)
            return
        _check(results, _expected_read(rows, csv=True), db_path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@SETTINGS
@given(st.binary(min_size=0, max_size=3000), st.sampled_from(["HoSo.xlsx", "HoSo.csv", "x.bin"]))
def test_random_bytes_never_crash(content, name) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="parbook-hostile-"))
    try:
        path = tmp / name
        path.write_bytes(content)
        init_database(f"sqlite:///{tmp / 'db.sqlite'}")
        try:
            results = ingest_files([path], url=f"sqlite:///{tmp / 'db.sqlite'}")
        except IngestError as exc:
            assert str(path) in str(exc)
            return
        for r in results:
            assert r.read == r.inserted + r.updated + r.unchanged + r.quarantined
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_wrong_encoding_is_read_not_crashed(tmp_path) -> None:
    """A CSV in Latin-1 (not a Vietnamese encoding) reads as Windows-1258: its headers come out
    wrong, so no header row is found and every row is quarantined with that reason, which says
    the encoding may be wrong and which encodings were tried — none lost."""
    path = tmp_path / "PAKN.csv"
    path.write_bytes(csv_bytes([["Mã PAKN", "Mã đơn vị", "Nội dung"], ["P1", "X1", "café"]])
                     .encode("latin-1", errors="replace"))
    db_path = tmp_path / "db.sqlite"
    init_database(f"sqlite:///{db_path}", [{"unit_code": "X1"}])
    results = ingest_files([path], url=f"sqlite:///{db_path}")
    assert (results[0].read, results[0].quarantined) == (2, 2)
    conn = sqlite3.connect(db_path)
    reasons = {r for (r,) in conn.execute("SELECT reason FROM quarantine")}
    conn.close()
    assert reasons == {  # issue 18: the reason says the encoding may be wrong
        "Không tìm thấy dòng tiêu đề của trang PAKN trong 11 dòng đầu — có thể sai bảng mã của "
        "tệp (đã thử: UTF-8, Windows-1258; đã đọc theo Windows-1258); tệp có dấu '?' thay cho "
        "chữ có dấu: tệp đã được lưu bằng bảng mã không có chữ tiếng Việt (như Windows-1252) — "
        "hãy lưu lại thành CSV UTF-8 (the file's encoding may be wrong; tried: UTF-8, "
        "Windows-1258)"}


def test_a_one_column_semicolon_csv_reads_its_empty_rows_as_empty(tmp_path) -> None:
    """Found by Hypothesis: a one-column header reads alike under every delimiter; the rows
    decide — an Excel ';' file's empty row ';' is two empty cells, not a procedure code ';'."""
    path = tmp_path / "DanhMucTTHC.csv"
    path.write_text("Mã TTHC\nK-1\n\n;\n", encoding="utf-8")
    db_path = tmp_path / "db.sqlite"
    init_database(f"sqlite:///{db_path}", [{"unit_code": "X1"}])
    results = ingest_files([path], url=f"sqlite:///{db_path}", unit="X1")
    _check(results, 1, db_path)
