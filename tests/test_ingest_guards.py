"""Guards of the import against files that load wrongly without a word (issue 18): invisible
characters in keys, header-less columns, implausible dates, formulas without a value, wrong
encodings, .ods files, undeclared units, an uninitialised database, the quarantine fix loop."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from parbook.intake.ingest import IngestError, ingest_files
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


def quarantine(url, sheet="HoSo"):
    q = db.quarantine
    with db.engine(url).connect() as conn:
        rows = conn.execute(select(q.c.row_number, q.c.reason).where(q.c.sheet == sheet))
        return dict(rows.all())


def test_implausible_dates_are_quarantined_with_column_and_value(sqlite_url, tmp_path) -> None:
    init_database(sqlite_url, [{"unit_code": "X1"}])
    this_year = date.today().year
    path = workbook(tmp_path / "HoSo.xlsx", {"HoSo": [
        ["Mã hồ sơ", "Mã đơn vị", "Ngày tiếp nhận", "Ngày hẹn trả"],
        ["A", "X1", "03/07/1900", "05/07/2024"],
        ["B", "X1", datetime(1900, 7, 3), None],                         # an Excel date cell
        ["C", "X1", "01/07/2024", f"05/07/{this_year + 2} 17:00"],
        ["D", "X1", "01/07/2024", f"31/12/{this_year + 1}"],              # next year: plausible
        ["E", "X1", "31/12/1989", None], ["F", "X1", "01/01/1990", None]]})
    result = ingest_files([path], url=sqlite_url)
    assert (result[0].inserted, result[0].quarantined) == (2, 4)
    window = f"ngoài khoảng hợp lý 1990–{this_year + 1} (gõ nhầm năm?)"
    assert quarantine(sqlite_url) == {
        2: f'Cột "Ngày tiếp nhận": "03/07/1900" có năm 1900 {window}',
        3: f'Cột "Ngày tiếp nhận": "1900-07-03 00:00:00" có năm 1900 {window}',
        4: f'Cột "Ngày hẹn trả": "05/07/{this_year + 2} 17:00" có năm {this_year + 2} {window}',
        6: f'Cột "Ngày tiếp nhận": "31/12/1989" có năm 1989 {window}'}
    assert codes(sqlite_url) == ["D", "F"]


def test_plausible_years_are_one_setting(monkeypatch) -> None:
    from parbook.intake import values
    from parbook.store import dates

    assert dates.plausible_years(date(2026, 12, 2)) == (1990, 2027)
    monkeypatch.setattr(dates, "EARLIEST_PLAUSIBLE_YEAR", 2000)
    monkeypatch.setattr(dates, "PLAUSIBLE_YEARS_AHEAD", 0)
    assert dates.plausible_years(date(2026, 12, 2)) == (2000, 2026)
    assert values.timestamp("01/07/2000") == datetime(2000, 7, 1)
    with pytest.raises(values.BadValue, match="có năm 1999 ngoài khoảng hợp lý 2000–"):
        values.timestamp("31/12/1999")


def ods_bytes() -> bytes:
    """An OpenDocument spreadsheet as LibreOffice writes it: 'mimetype' first, stored."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", '<?xml version="1.0"?><office:document-content/>',
                   compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


@pytest.mark.parametrize("name", ["HoSo.ods", "HoSo.xlsx", "HoSo"])
def test_ods_is_refused_with_advice_not_called_corrupt(sqlite_url, tmp_path, name) -> None:
    init_database(sqlite_url)
    path = tmp_path / name
    path.write_bytes(ods_bytes())
    with pytest.raises(IngestError) as err:
        ingest_files([path], url=sqlite_url)
    assert str(err.value) == (f"Không đọc được tệp '{path}': định dạng .ods chưa hỗ trợ — lưu lại "
                              f"thành .xlsx (.ods not supported: save as .xlsx)")
    assert "hỏng" not in str(err.value)


ROWS = [["Mã PAKN", "Mã đơn vị", "Nội dung"], ["P1", "X1", "Chậm trả kết quả"]]


def test_cp1252_question_marks_say_the_encoding_may_be_wrong(sqlite_url, tmp_path) -> None:
    """Saved as Windows-1252: the Vietnamese letters it lacks became '?' ('M? ??n v?'), the
    others are not UTF-8; read as Windows-1258 the header is not found: the reason says why."""
    init_database(sqlite_url, [{"unit_code": "X1"}])
    path = tmp_path / "PAKN.csv"
    path.write_bytes(csv_bytes(ROWS).encode("cp1252", errors="replace"))
    result = ingest_files([path], url=sqlite_url)
    assert (result[0].read, result[0].quarantined) == (2, 2)
    assert result[0].notes == [
        "CẢNH BÁO — tệp 'PAKN.csv', trang tính 'PAKN': không tìm thấy dòng tiêu đề trong 11 dòng "
        "đầu, không nạp dòng nào; 2 dòng bị cách ly (header row not found: sheet not loaded); có "
        "thể sai bảng mã của tệp (đã thử: UTF-8, Windows-1258; đã đọc theo Windows-1258); tệp có "
        "dấu '?' thay cho chữ có dấu: tệp đã được lưu bằng bảng mã không có chữ tiếng Việt (như "
        "Windows-1252) — hãy lưu lại thành CSV UTF-8 (the file's encoding may be wrong; tried: "
        "UTF-8, Windows-1258)"]
    assert set(quarantine(sqlite_url, "PAKN").values()) == {
        "Không tìm thấy dòng tiêu đề của trang PAKN trong 11 dòng đầu — có thể sai bảng mã của "
        "tệp (đã thử: UTF-8, Windows-1258; đã đọc theo Windows-1258); tệp có dấu '?' thay cho "
        "chữ có dấu: tệp đã được lưu bằng bảng mã không có chữ tiếng Việt (như Windows-1252) — "
        "hãy lưu lại thành CSV UTF-8 (the file's encoding may be wrong; tried: UTF-8, "
        "Windows-1258)"}


def test_mojibake_file_of_unknown_sheet_names_the_encodings_tried(sqlite_url, tmp_path) -> None:
    """A UTF-8 export with one stray Windows-1252 byte (a note appended by another tool) is not
    UTF-8: it decodes as Windows-1258 to mojibake ('MÃ£ PAKN'); no sheet is recognised: the
    error names the encodings tried."""
    init_database(sqlite_url, [{"unit_code": "X1"}])
    path = tmp_path / "xuat-du-lieu.csv"
    path.write_bytes(csv_bytes(ROWS).encode("utf-8") + "Ghi chú\r\n".encode("cp1252"))
    with pytest.raises(IngestError) as err:
        ingest_files([path], url=sqlite_url)
    message = str(err.value)
    assert "không có trang tính nào nhận ra được" in message
    assert "có thể sai bảng mã của tệp (đã thử: UTF-8, Windows-1258; đã đọc theo Windows-1258)" \
        in message and "tried: UTF-8, Windows-1258" in message


def test_workbook_without_header_says_nothing_of_encodings(sqlite_url, tmp_path) -> None:
    init_database(sqlite_url, [{"unit_code": "X1"}])
    path = workbook(tmp_path / "x.xlsx", {"PAKN": [["M? PAKN", "M? ??n v?"], ["P1", "X1"]]})
    ingest_files([path], url=sqlite_url)
    assert set(quarantine(sqlite_url, "PAKN").values()) == {
        "Không tìm thấy dòng tiêu đề của trang PAKN trong 11 dòng đầu"}


def with_cached_text(path, cell: str, value: str):
    """Give one formula cell of the first sheet the cached text value Excel would have saved."""
    import re
    import zipfile

    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                # an empty value: <v/>, or <v></v> when openpyxl writes with lxml (pyHanko needs it)
                data, n = re.subn(rf'<c r="{cell}">(<f>[^<]*</f>)(?:<v\s*/>|<v></v>)'.encode(),
                                  rf'<c r="{cell}" t="str">\1<v>{value}</v>'.encode(), data)
                assert n == 1
            zout.writestr(item, data)
    tmp.replace(path)
    return path


def test_formula_without_a_value_quarantines_its_row(any_db_url, tmp_path) -> None:
    """openpyxl writes formulas without calculating them: data_only reading gives None, which
    loaded as NULL without a word. Now the row is quarantined, naming the column."""
    init_database(any_db_url, [{"unit_code": "X1"}])
    path = workbook(tmp_path / "HoSo.xlsx", {"HoSo": [
        ["Mã hồ sơ", "Mã đơn vị", "Người nộp", "Ngày tiếp nhận", "Ngày hẹn trả", "Cột phụ"],
        ["A", "X1", None, "=DATE(2024,7,1)", "05/07/2024", None],               # 2
        ["B", "X1", None, "01/07/2024", "=D3+4", "=1+1"],                       # 3
        ["C", "X1", None, "01/07/2024", None, "=1+1"],                          # 4: not loaded col
        ['="D"&"1"', "=B2", '=UPPER("an")', "01/07/2024", None, None],         # 5
        ['=LEFT("EX",1)', "X1", None, "02/07/2024", None, None],               # 6: calculated
        [None, None, None, None, None, "=1+1"]]})                               # 7: not blank
    with_cached_text(path, "A6", "E")
    result = ingest_files([path], url=any_db_url, unit="X1")
    assert (result[0].read, result[0].inserted, result[0].quarantined) == (6, 2, 4)
    why = "công thức chưa có giá trị (formula without a value): mở và lưu lại bằng Excel"
    assert quarantine(any_db_url) == {
        2: f'Cột "Ngày tiếp nhận": "=DATE(2024,7,1)" {why}',
        3: f'Cột "Ngày hẹn trả": "=D3+4" {why}',
        5: f'Cột "Mã hồ sơ": "="D"&"1"" {why}; Cột "Mã đơn vị": "=B2" {why}; '
           f'Cột "Người nộp": (dữ liệu cá nhân, không hiện) {why}',
        7: 'Thiếu "Mã hồ sơ" (cột khóa, không được để trống)'}
    with db.engine(any_db_url).connect() as conn:
        rows = dict(conn.execute(select(db.dossiers.c.dossier_code,
                                        db.dossiers.c.received_at)).all())
    assert rows == {"C": datetime(2024, 7, 1), "E": datetime(2024, 7, 2)}


def test_formula_scan_is_skipped_for_workbooks_without_formulas(tmp_path, monkeypatch) -> None:
    """The cost stays low: a workbook without formulas is never parsed a second time."""
    from parbook.intake import sources

    plain = workbook(tmp_path / "plain.xlsx", {"HoSo": [["Mã hồ sơ"], ["A"]],
                                                "SuKien": [["Mã hồ sơ"], ["A"]]})
    parsed = []
    real = sources._uncalculated_cells

    def spy(path, archive, ws):
        result = real(path, archive, ws)
        parsed.append((ws.title, result))
        return result

    monkeypatch.setattr(sources, "_uncalculated_cells", spy)
    monkeypatch.setattr("xml.etree.ElementTree.iterparse", None)   # would fail if called
    source = sources.open_source(plain)
    assert [s.has_uncalculated for s in source.sheets] == [False, False]
    assert parsed == [("HoSo", {}), ("SuKien", {})]
    source.close()


HOSO_MERGED = [
    ["SỔ THEO DÕI HỒ SƠ"],
    ["Mã hồ sơ", "Mã đơn vị", "Mã TTHC", "Người nộp", "Số điện thoại", "Địa chỉ", "Hình thức nộp",
     "Ngày tiếp nhận", None, "Trạng thái"],
    ["A", "X1", "1.001022", None, None, None, "Trực tiếp", "01/07/2024", "05/07/2024",
     "Đang xử lý"],
    ["B", "X1", "1.001022", None, None, None, "Trực tiếp", "02/07/2024", "08/07/2024",
     "Đang xử lý", None, "ghi tay"],
    ["C", "X1", "1.001022", None, None, None, "Trực tiếp", "02/07/2024", None, "Đang xử lý"],
]


def test_header_less_column_with_data_is_reported_by_letter(sqlite_url, tmp_path, capsys) -> None:
    """'Ngày hẹn trả' swallowed by a merged header cell H:I: column I holds the due dates
    under a blank header. It was dropped without a word; now it is reported (notes, batch
    record, command output); the rows still load (a missing due date is not a parse error)."""
    from parbook.commands.main import main

    init_database(sqlite_url, [{"unit_code": "X1"}])
    path = workbook(tmp_path / "HoSo.xlsx", {"HoSo": HOSO_MERGED}, merges={"HoSo": ["H2:I2"]})
    result = ingest_files([path], url=sqlite_url)[0]
    assert (result.read, result.inserted, result.quarantined) == (3, 3, 0)
    warning_i = ("CẢNH BÁO — tệp 'HoSo.xlsx', trang tính 'HoSo': cột I có dữ liệu (2 dòng) nhưng "
                 "không có tiêu đề (ô tiêu đề trống, có thể bị gộp với ô bên cạnh), không nạp: ghi "
                 "tiêu đề cho cột rồi nạp lại (column I holds data but has no header: not loaded)")
    assert result.notes[0] == warning_i
    assert "cột L có dữ liệu (1 dòng)" in result.notes[1]                # past the header
    assert result.extra_columns == [{"header": None, "column": "I", "rows": 2},
                                    {"header": None, "column": "L", "rows": 1}]
    with db.engine(sqlite_url).connect() as conn:
        batch = conn.execute(select(db.import_batches.c.extra_columns)).scalar_one()
    assert batch == result.extra_columns

    path2 = workbook(tmp_path / "HoSo2.xlsx", {"HoSo": HOSO_MERGED}, merges={"HoSo": ["H2:I2"]})
    assert main(["ingest", "--db", sqlite_url, "--no-progress", str(path2)]) == 0
    out = capsys.readouterr().out
    assert warning_i.replace("HoSo.xlsx", "HoSo2.xlsx") in out
    assert "(cột I)" not in out                                  # not listed as a named extra


def test_missing_required_column_stops_the_sheet_naming_file_sheet_header(sqlite_url,
                                                                         tmp_path) -> None:
    init_database(sqlite_url, [{"unit_code": "X1"}])
    path = workbook(tmp_path / "XuatDuLieu.xlsx", {
        "Ho so": [["Mã đơn vị", "Mã TTHC", "Ngày tiếp nhận", "Trạng thái", "Hình thức nộp"],
                  ["X1", "1.001022", "01/07/2024", "Đang xử lý", "Trực tiếp"]],
        "SuKien": [["Mã hồ sơ", "Loại sự kiện", "Lý do"], ["HS-9", "Xin lỗi", "Chậm"]],
        "PAKN": [["Mã PAKN", "Mã đơn vị"], ["P1", "X1"]]})               # dates not required
    results = {r.sheet: r for r in ingest_files([path], url=sqlite_url)}
    hoso, events, pakn = results["HoSo"], results["SuKien"], results["PAKN"]
    assert (hoso.read, hoso.inserted, hoso.quarantined) == (1, 0, 1)
    assert ("CẢNH BÁO — tệp 'XuatDuLieu.xlsx', trang tính 'Ho so' (HoSo): thiếu cột bắt buộc "
            "\"Mã hồ sơ\", không nạp dòng nào; 1 dòng bị cách ly (required column missing: sheet "
            "not loaded)") in hoso.notes
    assert (events.read, events.inserted, events.quarantined) == (1, 0, 1)
    assert any("thiếu cột bắt buộc \"Thời điểm\"" in n for n in events.notes)
    assert quarantine(sqlite_url, "SuKien") == {
        2: 'Không có cột "Thời điểm" (cột khóa) trong trang tính'}
    assert (pakn.inserted, pakn.notes) == (1, [])


HOSO = [["Mã hồ sơ", "Mã đơn vị", "Trạng thái"], ["A", "X1", "Đang xử lý"],
        ["B", "X9", "Đang xử lý"], ["C", None, "Đang xử lý"]]


def test_unknown_unit_option_is_refused_unless_create_unit(sqlite_url, tmp_path, capsys) -> None:
    from parbook.commands.main import main

    init_database(sqlite_url, [{"unit_code": "X1", "unit_name": "Xã Một"}])
    path = workbook(tmp_path / "HoSo.xlsx", {"HoSo": HOSO})
    assert main(["ingest", "--db", sqlite_url, "--unit", "X7", str(path)]) == 2
    err = capsys.readouterr().err
    assert ("Đơn vị 'X7' chưa được khai báo trong CSDL: chạy parbook init --unit X7 --unit-name "
            "\"<tên đơn vị>\" trước, hoặc nạp với --create-unit") in err
    assert n_rows(sqlite_url, db.dossiers) == 0 and n_rows(sqlite_url, db.import_batches) == 0
    assert main(["ingest", "--db", sqlite_url, "--unit", "X7", "--create-unit", "--no-progress",
                 str(path)]) == 0
    out = capsys.readouterr().out
    assert "Đơn vị mới được tạo (units created): X7, X9" in out
    with db.engine(sqlite_url).connect() as conn:
        units = dict(conn.execute(select(db.units.c.unit_code, db.units.c.unit_name)).all())
        owners = dict(conn.execute(select(db.dossiers.c.dossier_code,
                                          db.dossiers.c.unit_code)).all())
    assert units == {"X1": "Xã Một", "X7": None, "X9": None}      # never the demo's unit
    assert owners == {"A": "X1", "B": "X9", "C": "X7"}


def test_rows_of_undeclared_units_are_quarantined(any_db_url, tmp_path) -> None:
    init_database(any_db_url, [{"unit_code": "X1"}])
    path = workbook(tmp_path / "HoSo.xlsx", {
        "HoSo": HOSO, "PAKN": [["Mã PAKN", "Mã đơn vị"], ["P1", "X9"], ["P2", "X1"]]})
    results = {r.sheet: r for r in ingest_files([path], url=any_db_url, unit="X1")}
    assert (results["HoSo"].inserted, results["HoSo"].quarantined) == (2, 1)
    assert results["HoSo"].units_created == []
    why = ('Cột "Mã đơn vị": "X9" — đơn vị chưa khai báo trong CSDL: chạy parbook init --unit X9 '
           '--unit-name "<tên đơn vị>" rồi nạp lại, hoặc nạp với --create-unit')
    assert quarantine(any_db_url) == {3: why}
    assert quarantine(any_db_url, "PAKN") == {2: why}
    assert codes(any_db_url) == ["A", "C"]
    assert n_rows(any_db_url, db.units) == 1                   # X1 only: the demo unit is not added
    # declared afterwards: the same file loads the rows and its quarantine empties
    init_database(any_db_url, [{"unit_code": "X9", "unit_name": "Xã Chín"}])
    again = {r.sheet: r for r in ingest_files([path], url=any_db_url, unit="X1")}
    assert (again["HoSo"].inserted, again["HoSo"].quarantined) == (1, 0)
    assert n_rows(any_db_url, db.quarantine) == 0


def test_uninitialised_database_is_refused(tmp_path) -> None:
    path = workbook(tmp_path / "HoSo.xlsx", {"HoSo": HOSO})
    db_file = tmp_path / "moi" / "parbook.sqlite"
    url = f"sqlite:///{db_file}"
    with pytest.raises(IngestError, match=r"chưa được khởi tạo .*chạy 'parbook init' trước"):
        ingest_files([path], url=url, unit="X1", create_units=True)
    assert not db_file.exists()                                # no empty database left behind
    db_file.parent.mkdir()
    db.create_schema(db.engine(url))                           # tables, but no catalogue
    with pytest.raises(IngestError, match="database not initialised: run 'parbook init' first"):
        ingest_files([path], url=url, unit="X1", create_units=True)
    init_database(url, [{"unit_code": "X1"}])
    assert ingest_files([path], url=url, unit="X1", create_units=True)[0].inserted == 3


def test_uninitialised_postgresql_is_refused(pg_url, tmp_path, capsys) -> None:
    from parbook.commands.main import main

    path = workbook(tmp_path / "HoSo.xlsx", {"HoSo": HOSO})
    assert main(["ingest", "--db", pg_url, "--create-unit", str(path)]) == 2
    assert "chạy 'parbook init' trước" in capsys.readouterr().err


def test_quarantine_fix_loop_clears_what_it_fixes(sqlite_url, tmp_path, capsys) -> None:
    """Export the rejects, fix cells, import the export (another file name): fixed rows clear
    their rejects, rows still wrong replace theirs; one workbook is one lô throughout."""
    from openpyxl import load_workbook

    from parbook.commands.main import main

    def run(*args: str) -> str:
        assert main([*args, "--db", sqlite_url]) == 0
        return capsys.readouterr().out

    init_database(sqlite_url, [{"unit_code": "X1"}])
    original = workbook(tmp_path / "XuatDuLieu.xlsx", {
        "HoSo": [["Mã hồ sơ", "Mã đơn vị", "Người nộp", "Trạng thái", "Ngày tiếp nhận"],
                 ["A", "X1", "Nguyễn Văn An", "Đang xử lý", "01/07/2024"],
                 ["B", "X1", "Lê Thị Bình", "Xong", "01/07/2024"],
                 ["C", "X1", "Trần Văn Cường", "Đang xử lý", "01/07/24"]],
        "SuKien": [["Mã hồ sơ", "Loại sự kiện", "Thời điểm"], ["A", "Hẹn lại", "02/07/2024"]],
        "PAKN": [["Mã PAKN", "Mã đơn vị", "Hài lòng"], ["P1", "X1", "không rõ"]]})
    out = run("ingest", "--no-progress", str(original))
    assert "Tệp (file) XuatDuLieu.xlsx — lô nhập (batch) 1 (3 trang tính)" in out
    assert out.count("parbook quarantine --batch 1") == 1
    listing = run("quarantine")
    assert "4 dòng bị cách ly" in listing and "lô 1 (3 trang tính) · XuatDuLieu.xlsx" in listing
    assert "Nguyễn" not in listing and "Bình" not in listing and "Cường" not in listing
    assert run("quarantine", "--batch", "3") == listing        # a sheet's batch: its whole lô

    export = tmp_path / "can-sua.xlsx"
    run("quarantine", "--xlsx", str(export))
    wb = load_workbook(export)
    assert [[c.value for c in row][:2] for ws in wb for row in ws.iter_rows(min_row=2)] == [
        [1, 3], [1, 4], [1, 2], [1, 2]]                        # HoSo B, C; SuKien; PAKN
    wb["HoSo"]["G2"] = "Đã trả kết quả"                         # B fixed
    wb["HoSo"]["H3"] = "1/7/2024 giờ"                           # C: still wrong, another way
    wb["PAKN"]["F2"] = "Có"                                     # P1 fixed; SuKien untouched
    wb.save(export)
    out = run("ingest", "--no-progress", str(export))
    assert "Tệp (file) can-sua.xlsx — lô nhập (batch) 4 (3 trang tính)" in out
    q = db.quarantine
    with db.engine(sqlite_url).connect() as conn:
        left = conn.execute(select(q.c.batch_id, q.c.sheet, q.c.row_number, q.c.reason)
                            .order_by(q.c.sheet)).all()
        moved = conn.execute(select(db.quarantine_history.c.batch_id,
                                    db.quarantine_history.c.replaced_by_batch)).all()
    assert [(b, s, n) for b, s, n, _ in left] == [(4, "HoSo", 3), (5, "SuKien", 2)]
    assert left[0][3].startswith('Cột "Ngày tiếp nhận": "1/7/2024 giờ" không phải ngày hợp lệ')
    assert sorted(moved) == [(1, 4), (1, 4), (2, 5), (3, 6)]    # nothing lost
    listing = run("quarantine")
    assert "XuatDuLieu.xlsx" not in listing                    # the original file is clean
    assert "2 dòng bị cách ly" in listing and "lô 4 (3 trang tính) · can-sua.xlsx" in listing
    with db.engine(sqlite_url).connect() as conn:
        assert conn.execute(select(db.dossiers.c.status).where(
            db.dossiers.c.dossier_code == "B")).scalar_one() == "done"
        assert conn.execute(select(db.feedback.c.satisfied)).scalar_one() is True

    # second round, same export name: the rest is fixed, the quarantine is empty
    run("quarantine", "--xlsx", str(export))
    wb = load_workbook(export)
    assert [[c.value for c in row][:2] for ws in wb for row in ws.iter_rows(min_row=2)] == [
        [4, 3], [4, 2]]
    wb["HoSo"]["H2"] = "01/07/2024"
    wb["SuKien"]["E2"] = "Xin lỗi, hẹn lại"
    wb.save(export)
    run("ingest", "--no-progress", str(export))
    assert "Không có dòng nào bị cách ly" in run("quarantine")
    assert n_rows(sqlite_url, db.dossiers) == 3 and n_rows(sqlite_url, db.dossier_events) == 1
    again = run("ingest", "--no-progress", str(export))        # idempotent
    assert "đã nạp trước đó (already loaded): lô 7" in again
    assert "Không có dòng nào bị cách ly" in run("quarantine")
