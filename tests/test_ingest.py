"""Import of messy exports, on SQLite and a real PostgreSQL server: counts, reasons, history."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from parbook.intake.ingest import IngestError, ingest_files
from parbook.store import db
from parbook.store.init import init_database
from tests.messy import (
    MESSY_HOSO_REASONS,
    MESSY_SUKIEN_REASONS,
    csv_bytes,
    messy_workbook,
    to_cp1258,
    workbook,
)


def counts(results, sheet):
    r = next(r for r in results if r.sheet == sheet)
    return (r.read, r.inserted, r.updated, r.unchanged, r.quarantined)


def table_rows(url, table, order):
    with db.engine(url).connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(table).order_by(table.c[order]))]


def quarantine_of(url, sheet):
    q = db.quarantine
    with db.engine(url).connect() as conn:
        rows = conn.execute(select(q).where(q.c.sheet == sheet).order_by(q.c.quarantine_id))
        return [dict(r._mapping) for r in rows]


def n_rows(url, table):
    with db.engine(url).connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


@pytest.fixture
def messy(tmp_path) -> Path:
    return messy_workbook(tmp_path / "XuatDuLieu.xlsx")


def test_messy_workbook_counts_reasons_and_values(any_db_url, messy) -> None:
    init_database(any_db_url, [{"unit_code": "X1"}])
    results = ingest_files([messy], url=any_db_url, unit="X1")

    assert [r.sheet for r in results] == ["DanhMucTTHC", "HoSo", "SuKien", "PAKN"]
    assert counts(results, "DanhMucTTHC") == (2, 1, 0, 1, 0)
    assert counts(results, "HoSo") == (9, 3, 0, 0, 6)
    assert counts(results, "SuKien") == (7, 2, 0, 0, 5)
    assert counts(results, "PAKN") == (0, 0, 0, 0, 0)
    hoso = next(r for r in results if r.sheet == "HoSo")
    assert hoso.source_sheet == "hoso"
    assert hoso.extra_columns == [{"header": "Mã vạch", "column": "J"}]

    reasons = {q["row_number"]: q["reason"] for q in quarantine_of(any_db_url, "HoSo")}
    assert reasons == MESSY_HOSO_REASONS
    reasons = {q["row_number"]: q["reason"] for q in quarantine_of(any_db_url, "SuKien")}
    assert reasons == MESSY_SUKIEN_REASONS
    raw = json.loads(next(q["raw"] for q in quarantine_of(any_db_url, "HoSo")
                          if q["row_number"] == 9))
    assert raw["Mã hồ sơ"] == "HS-004" and raw["Ngày tiếp nhận"] == "01/07/24"

    dossiers = {d["dossier_code"]: d for d in table_rows(any_db_url, db.dossiers, "dossier_code")}
    assert sorted(dossiers) == ["HS-001", "HS-002", "HS-007"]
    one, two, seven = dossiers["HS-001"], dossiers["HS-002"], dossiers["HS-007"]
    assert (one["channel"], one["status"], one["digitized"]) == ("online", "done", True)
    assert one["received_at"] == datetime(2024, 7, 1, 9, 0)          # Excel date cell
    assert one["due_at"] == datetime(2024, 7, 5, 17, 0)              # text, day first
    assert two["unit_code"] == "X1"                                  # filled by --unit
    assert two["procedure_code"] == "1.000890"                       # number → code text
    assert two["applicant_phone"] == "0912345678"                    # number → leading 0
    assert (two["channel"], two["status"], two["digitized"]) == ("postal", "processing", False)
    assert two["received_at"] == datetime(2024, 7, 1) and two["due_at"] == datetime(2024, 7, 3)
    assert seven["received_at"] == datetime(2024, 7, 2, 14, 30)      # HH:MM dd/mm/yyyy
    assert (seven["channel"], seven["status"], seven["digitized"]) == ("direct", "processing",
                                                                       True)
    assert seven["applicant_phone"] == "+84 912 345 678"
    assert one["electronic_result"] is None                         # column absent → NULL

    events = table_rows(any_db_url, db.dossier_events, "event_at")
    assert [(e["dossier_code"], e["event_type"], e["stage"]) for e in events] == [
        ("HS-007", "rejection", None), ("HS-001", "apology", None)]
    assert all(e["event_id"].startswith("ev-") for e in events)
    procs = {p["procedure_code"]: p for p in table_rows(any_db_url, db.procedures,
                                                        "procedure_code")}
    assert procs["9.000001"]["processing_time_value"] == 5
    assert procs["9.000001"]["processing_time_unit"] == "working_days"
    assert procs["1.001022"]["reliability"] == "V"                  # reference column kept


def test_same_file_twice_changes_nothing(any_db_url, messy) -> None:
    init_database(any_db_url, [{"unit_code": "X1"}])
    ingest_files([messy], url=any_db_url, unit="X1")
    before = {t: table_rows(any_db_url, db.DATA_TABLES[t], db.DATA_TABLES[t].primary_key
                            .columns.values()[0].name) for t in ("dossiers", "dossier_events",
                                                                 "procedures", "units")}
    bookkeeping = {t: n_rows(any_db_url, t) for t in (db.quarantine, db.import_batches)}
    again = ingest_files([messy], url=any_db_url, unit="X1")
    assert counts(again, "HoSo") == (9, 0, 0, 3, 6)
    assert counts(again, "SuKien") == (7, 0, 0, 2, 5)
    assert counts(again, "DanhMucTTHC") == (2, 0, 0, 2, 0)
    assert all(r.already_loaded for r in again if r.read)
    # no second batch, and the quarantine is not doubled (README: "loading twice changes nothing")
    assert {t: n_rows(any_db_url, t) for t in bookkeeping} == bookkeeping
    assert n_rows(any_db_url, db.quarantine_history) == 0
    for t, rows in before.items():
        table = db.DATA_TABLES[t]
        assert table_rows(any_db_url, table, table.primary_key.columns.values()[0].name) == rows
        assert n_rows(any_db_url, db.HISTORY_TABLES[t]) == 0


def test_corrected_file_replaces_its_quarantine_rows(any_db_url, tmp_path) -> None:
    """The quarantine lists what is wrong now: the corrected version of a file (same name) replaces
    that file's rejects; they stay in quarantine_history; another file's rejects are untouched."""
    init_database(any_db_url, [{"unit_code": "X1"}])
    header = ["Mã hồ sơ", "Mã đơn vị", "Trạng thái", "Ngày tiếp nhận"]
    bad = workbook(tmp_path / "HoSo.xlsx", {"HoSo": [
        header, ["A", "X1", "Đang xử lý", "31/02/2024"], ["B", "X1", "Maybe", "01/07/2024"],
        ["C", "X1", "Đang xử lý", "01/07/2024"]]})
    other = workbook(tmp_path / "HoSo_khac.xlsx", {"HoSo": [header, ["Z", "X1", "Sai", None]]})
    ingest_files([bad, other], url=any_db_url)
    assert n_rows(any_db_url, db.quarantine) == 3
    fixed = workbook(tmp_path / "HoSo.xlsx", {"HoSo": [
        header, ["A", "X1", "Đang xử lý", "29/02/2024"], ["B", "X1", "Maybe", "01/07/2024"],
        ["C", "X1", "Đang xử lý", "01/07/2024"]]})
    result = ingest_files([fixed], url=any_db_url)
    assert counts(result, "HoSo") == (3, 1, 0, 1, 1)
    left = {(r["row_number"], r["reason"].split(":")[0]) for r in
            table_rows(any_db_url, db.quarantine, "quarantine_id")}
    assert len(left) == 2 and n_rows(any_db_url, db.quarantine_history) == 2
    rows = table_rows(any_db_url, db.quarantine, "quarantine_id")
    assert sorted(r["batch_id"] for r in rows)[-1] == result[0].batch_id
    assert any('"Z"' in r["raw"] for r in rows)              # the other file's reject stays


def test_correction_file_updates_and_keeps_history(any_db_url, tmp_path) -> None:
    init_database(any_db_url, [{"unit_code": "X1"}])
    header = ["Mã hồ sơ", "Mã đơn vị", "Trạng thái", "Ngày có kết quả", "Ghi chú"]
    first = workbook(tmp_path / "HoSo_1.xlsx", {"HoSo": [
        header, ["A", "X1", "Đang xử lý", None, "ghi chú cũ"], ["B", "X1", "Đang xử lý", None, None]]})
    second = workbook(tmp_path / "HoSo_2.xlsx", {"HoSo": [
        header[:4], ["A", "X1", "Đã có kết quả", "10/07/2024 08:00"], ["B", "X1", "Đang xử lý", None],
        ["C", "X2", "Đang xử lý", None]]})
    r1 = ingest_files([first], url=any_db_url)
    r2 = ingest_files([second], url=any_db_url, create_units=True)   # X2: DESIGN §3 by the flag
    assert counts(r1, "HoSo") == (2, 2, 0, 0, 0)
    assert counts(r2, "HoSo") == (3, 1, 1, 1, 0)
    assert r2[0].units_created == ["X2"]
    rows = {d["dossier_code"]: d for d in table_rows(any_db_url, db.dossiers, "dossier_code")}
    assert rows["A"]["status"] == "done" and rows["A"]["finished_at"] == datetime(2024, 7, 10, 8)
    assert rows["A"]["note"] == "ghi chú cũ"          # the correction has no Ghi chú column
    assert rows["A"]["batch_id"] == r2[0].batch_id and rows["B"]["batch_id"] == r1[0].batch_id
    history = table_rows(any_db_url, db.HISTORY_TABLES["dossiers"], "history_id")
    assert len(history) == 1
    assert (history[0]["dossier_code"], history[0]["status"], history[0]["replaced_by_batch"]) == (
        "A", "processing", r2[0].batch_id)
    assert history[0]["batch_id"] == r1[0].batch_id


def test_batches_record_file_sheet_counts(sqlite_url, messy) -> None:
    init_database(sqlite_url, [{"unit_code": "X1"}])
    local_now = lambda: datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).replace(tzinfo=None)  # noqa: E731
    before = local_now().replace(microsecond=0)
    results = ingest_files([messy], url=sqlite_url, unit="X1")
    after = local_now()
    batches = table_rows(sqlite_url, db.import_batches, "batch_id")
    assert [b["sheet"] for b in batches] == ["DanhMucTTHC", "HoSo", "SuKien"]  # PAKN: nothing read
    hoso = batches[1]
    assert hoso["file_name"] == "XuatDuLieu.xlsx" and len(hoso["sha256"]) == 64
    assert (hoso["rows_read"], hoso["rows_inserted"], hoso["rows_quarantined"]) == (9, 3, 6)
    assert hoso["unit_code"] == "X1" and hoso["extra_columns"] == [{"header": "Mã vạch",
                                                                    "column": "J"}]
    assert before <= hoso["imported_at"] <= after                # the commune's local time of the import
    assert [r.batch_id for r in results[:3]] == [b["batch_id"] for b in batches]


def test_missing_unit_without_default_is_quarantined(sqlite_url, messy) -> None:
    init_database(sqlite_url)
    results = ingest_files([messy], url=sqlite_url, create_units=True)
    assert counts(results, "HoSo") == (9, 2, 0, 0, 7)
    reasons = {q["row_number"]: q["reason"] for q in quarantine_of(sqlite_url, "HoSo")}
    assert reasons[7] == 'Thiếu Mã đơn vị: ghi vào cột "Mã đơn vị" hoặc chạy với --unit'
    assert results[1].units_created == ["X1"]          # created from the rows (--create-unit)


@pytest.mark.parametrize("encoding,delimiter,name", [
    ("utf-8", ",", "HoSo.csv"),
    ("utf-8-sig", ";", "hoso_2024Q3.csv"),
    ("cp1258", ",", "HoSo.csv"),
    ("utf-16", "\t", "HoSo.txt"),
    ("utf-16-le", "\t", "HoSo.csv"),
])
def test_csv_encodings_and_delimiters(sqlite_url, tmp_path, encoding, delimiter, name) -> None:
    rows = [["Danh sách hồ sơ"], ["Mã hồ sơ", "Mã đơn vị", "Người nộp", "Số điện thoại",
                                   "Phí, lệ phí", "Ngày tiếp nhận", "Trạng thái"],
            ["HS-1", "X1", "Nguyễn Thị Ánh Tuyết", "0912345678", "", "01/07/2024 08:00",
             "Chờ bổ sung"],
            [], ["HS-2", "X1", "Trần Văn Đức", "0987654321", "", "2024-07-02 09:30:15", "Từ chối"]]
    text = csv_bytes(rows, delimiter)
    data = to_cp1258(text) if encoding == "cp1258" else text.encode(encoding)
    path = tmp_path / name
    path.write_bytes(data)
    init_database(sqlite_url, [{"unit_code": "X1"}])
    results = ingest_files([path], url=sqlite_url)
    assert counts(results, "HoSo") == (2, 2, 0, 0, 0)
    assert results[0].extra_columns == [{"header": "Phí, lệ phí", "column": "E"}]
    rows = {d["dossier_code"]: d for d in table_rows(sqlite_url, db.dossiers, "dossier_code")}
    assert rows["HS-1"]["applicant_name"] == "Nguyễn Thị Ánh Tuyết"   # NFC whatever the file
    assert rows["HS-1"]["applicant_phone"] == "0912345678"
    assert rows["HS-2"]["received_at"] == datetime(2024, 7, 2, 9, 30, 15)
    assert rows["HS-2"]["status"] == "rejected"


def test_csv_files_load_in_dependency_order(sqlite_url, tmp_path) -> None:
    init_database(sqlite_url, [{"unit_code": "X1"}])
    (tmp_path / "SuKien.csv").write_text(csv_bytes([
        ["Mã hồ sơ", "Loại sự kiện", "Thời điểm"], ["HS-1", "Nhận bổ sung", "03/07/2024 08:00"]]),
        encoding="utf-8")
    (tmp_path / "HoSo.csv").write_text(csv_bytes([
        ["Mã hồ sơ", "Mã đơn vị"], ["HS-1", "X1"]]), encoding="utf-8")
    results = ingest_files(sorted(tmp_path.glob("*.csv")), url=sqlite_url)
    assert [(r.sheet, r.inserted) for r in results] == [("HoSo", 1), ("SuKien", 1)]


@pytest.mark.parametrize("content,expected", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "không phải tệp Excel .xlsx hợp lệ"),
    (b"PK\x03\x04 this is not really a zip", "không phải tệp Excel .xlsx hợp lệ"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "tệp Excel cũ (.xls)"),
])
def test_unreadable_file_is_a_clear_error(sqlite_url, tmp_path, content, expected) -> None:
    path = tmp_path / "HoSo.xlsx"
    path.write_bytes(content)
    with pytest.raises(IngestError) as err:
        ingest_files([path], url=sqlite_url)
    assert str(path) in str(err.value) and expected in str(err.value)


def test_unreadable_file_imports_nothing(sqlite_url, tmp_path, messy) -> None:
    bad = tmp_path / "HoSo.csv"
    bad.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(IngestError, match="tệp nhị phân"):
        ingest_files([messy, bad, tmp_path / "khong-co.xlsx"], url=sqlite_url, unit="X1")
    db.create_schema(db.engine(sqlite_url))
    assert n_rows(sqlite_url, db.dossiers) == 0 and n_rows(sqlite_url, db.import_batches) == 0


def test_file_without_known_sheet_is_an_error(sqlite_url, tmp_path) -> None:
    init_database(sqlite_url)
    path = workbook(tmp_path / "x.xlsx", {"Sheet1": [["a", "b"], [1, 2]]})
    with pytest.raises(IngestError, match="không có trang tính nào nhận ra được"):
        ingest_files([path], url=sqlite_url)


def test_sheet_recognised_by_its_headers(sqlite_url, tmp_path) -> None:
    init_database(sqlite_url, [{"unit_code": "X1"}])
    path = workbook(tmp_path / "export.xlsx", {"Sheet1": [
        ["Mã PAKN", "Mã đơn vị", "Ngày tiếp nhận", "Thuộc thẩm quyền", "Hài lòng"],
        ["PA-1", "X1", "01/07/2024", "Có", None]]})
    results = ingest_files([path], url=sqlite_url)
    assert counts(results, "PAKN") == (1, 1, 0, 0, 0)
    row = table_rows(sqlite_url, db.feedback, "feedback_id")[0]
    assert (row["in_scope"], row["satisfied"]) == (True, False)    # blank boolean → false


def test_other_sheets_and_types(any_db_url, tmp_path) -> None:
    init_database(any_db_url, [{"unit_code": "X1"}])
    path = workbook(tmp_path / "khac.xlsx", {
        "DanhGia": [["Mã phiếu", "Mã hồ sơ", "Ngày đánh giá", "Kênh", "Tiếp cận dịch vụ",
                     "Công chức", "Tổng thể"],
                    ["DG-1", "KHONG-CO", "02/07/2024", " Máy tính bảng ", 5, "4", 7],
                    ["DG-2", "HS-1", "02/07/2024", None, "năm", 4, 5]],
        "VBQPPL": [["Số, ký hiệu", "Mã đơn vị", "Ngày ban hành", "Kết quả rà soát"],
                   ["05/2023/QĐ-UBND", "X1", datetime(2023, 3, 15, 10, 0), "hết hiệu lực"]],
        "NhiemVu": [["Mã nhiệm vụ", "Mã đơn vị", "Yêu cầu", "Hạn hoàn thành"],
                    ["NV-01", "X1", "R1", "31/03/2024"]],
        "TuChamDiem": [["Mã đơn vị", "Năm", "Mã tiêu chí", "Điểm tự chấm"],
                       ["X1", 2024, 1.1, "1,5"], ["X1", "2024", "1.2", 2],
                       ["X1", 2024, "1.2", 1], [None, 2024, "1.3", 1]],
    })
    results = ingest_files([path], url=any_db_url)
    assert counts(results, "DanhGia") == (2, 1, 0, 0, 1)
    assert counts(results, "VBQPPL") == (1, 1, 0, 0, 0)
    assert counts(results, "NhiemVu") == (1, 1, 0, 0, 0)
    assert counts(results, "TuChamDiem") == (4, 1, 0, 0, 3)
    survey = table_rows(any_db_url, db.surveys, "survey_id")[0]
    assert (survey["dossier_code"], survey["channel"], survey["access"], survey["staff"],
            survey["overall"]) == ("KHONG-CO", "Máy tính bảng", 5, 4, 7)  # not FK; 7 loads
    assert {q["row_number"]: q["reason"] for q in quarantine_of(any_db_url, "DanhGia")} == {
        3: 'Cột "Tiếp cận dịch vụ": "năm" không phải số nguyên'}
    doc = table_rows(any_db_url, db.legal_documents, "document_id")[0]
    assert doc["issued_at"].isoformat() == "2023-03-15" and doc["review_result"] == "repeal"
    task = table_rows(any_db_url, db.plan_tasks, "task_id")[0]
    assert task["due_date"].isoformat() == "2024-03-31"
    score = table_rows(any_db_url, db.self_scores, "criterion_id")[0]
    assert (score["criterion_id"], score["year"], score["score"]) == ("1.1", 2024, 1.5)
    reasons = {q["row_number"]: q["reason"] for q in quarantine_of(any_db_url, "TuChamDiem")}
    dup = ('Khóa (Mã đơn vị, Năm, Mã tiêu chí) "X1", "2024", "1.2" lặp lại 2 lần trong tệp '
           '(dòng 3, 4)')
    assert reasons == {3: dup, 4: dup,
                       5: 'Thiếu Mã đơn vị: ghi vào cột "Mã đơn vị" hoặc chạy với --unit'}


def test_header_below_ten_title_rows_canonical_names_and_suffixes(sqlite_url, tmp_path) -> None:
    init_database(sqlite_url, [{"unit_code": "X1"}])
    header = ["feedback_id", "UNIT_CODE", "Ngày tiếp nhận (dd/mm/yyyy)", "Thuộc thẩm quyền *"]
    data = ["P1", "X1", "01/07/2024", "có"]
    titles = [[f"Tiêu đề {i}"] for i in range(10)]
    ok = workbook(tmp_path / "a.xlsx", {"PAKN": [*titles, header, data]})
    results = ingest_files([ok], url=sqlite_url)
    assert counts(results, "PAKN") == (1, 1, 0, 0, 0)
    row = table_rows(sqlite_url, db.feedback, "feedback_id")[0]
    assert (row["unit_code"], row["received_at"], row["in_scope"]) == ("X1", datetime(2024, 7, 1),
                                                                       True)
    # eleven title rows: the header is out of reach; nothing is guessed, nothing is lost
    deep = workbook(tmp_path / "b.xlsx", {"PAKN": [*titles, ["Tiêu đề 10"], header, data]})
    results = ingest_files([deep], url=sqlite_url)
    assert counts(results, "PAKN") == (13, 0, 0, 0, 13)
    assert {q["reason"] for q in quarantine_of(sqlite_url, "PAKN")} == {
        "Không tìm thấy dòng tiêu đề của trang PAKN trong 11 dòng đầu"}


def test_too_long_and_control_characters_are_quarantined(any_db_url, tmp_path) -> None:
    init_database(any_db_url, [{"unit_code": "X1"}])
    path = tmp_path / "HoSo.csv"
    path.write_text(csv_bytes([
        ["Mã hồ sơ", "Mã đơn vị", "Người nộp", "Cán bộ xử lý", "Ghi chú"],
        ["A" * 65, "X1", None, None, None],
        ["B", "X1", "Nguyễn\x07An", None, None],
        ["C", "X1", None, "x" * 256, "ghi chú dài " * 1000]]), encoding="utf-8")
    results = ingest_files([path], url=any_db_url)
    assert counts(results, "HoSo") == (3, 0, 0, 0, 3)
    reasons = {q["row_number"]: q["reason"] for q in quarantine_of(any_db_url, "HoSo")}
    assert reasons == {
        2: f'Cột "Mã hồ sơ": "{"A" * 60}… (65 ký tự)" dài 65 ký tự, tối đa 64',
        3: 'Cột "Người nộp": (dữ liệu cá nhân, không hiện) có ký tự điều khiển không hợp lệ',
        4: f'Cột "Cán bộ xử lý": "{"x" * 60}… (256 ký tự)" dài 256 ký tự, tối đa 255'}
