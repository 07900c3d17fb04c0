"""``parbook template / ingest / quarantine`` as a user runs them: output, exit codes, xlsx."""

from __future__ import annotations

import io
import json
import re

from openpyxl import load_workbook

from parbook.commands.main import main
from parbook.intake.progress import Progress
from parbook.store.init import init_database
from tests.messy import csv_bytes, messy_workbook, workbook


def test_template_command(tmp_path, capsys) -> None:
    assert main(["template", str(tmp_path / "mau.xlsx")]) == 0
    assert (tmp_path / "mau.xlsx").exists()
    assert "HuongDan" in capsys.readouterr().out


def test_ingest_prints_counts_and_exits_zero_with_quarantine(sqlite_url, tmp_path, capsys) -> None:
    init_database(sqlite_url, [{"unit_code": "X1"}])
    path = messy_workbook(tmp_path / "XuatDuLieu.xlsx")
    assert main(["ingest", "--db", sqlite_url, "--unit", "X1", "--no-progress", str(path)]) == 0
    out = capsys.readouterr()
    table = {m[0]: tuple(map(int, m[1:])) for m in re.findall(
        r"^\s+(\w+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$", out.out, re.M)}
    assert table == {"DanhMucTTHC": (2, 1, 0, 1, 0), "HoSo": (9, 3, 0, 0, 6),
                     "SuKien": (7, 2, 0, 0, 5), "PAKN": (0, 0, 0, 0, 0)}
    assert "read" in out.out and "quarantined" in out.out and "cập nhật" in out.out
    assert '"Mã vạch" (cột J)' in out.out
    assert "Tệp (file) XuatDuLieu.xlsx — lô nhập (batch) 1 (3 trang tính)" in out.out
    assert "parbook quarantine --batch 1" in out.out       # the file's lô, not a sheet's batch
    assert "Bỏ qua trang tính không nhận ra (sheet skipped): 'Ghi chép'" in out.out
    assert "\r" not in out.err                               # no progress bar: not a terminal


def test_ingest_unreadable_file_exits_non_zero(sqlite_url, tmp_path, capsys) -> None:
    init_database(sqlite_url, [{"unit_code": "X1"}])
    path = tmp_path / "HoSo.xlsx"
    path.write_text("đây không phải Excel", encoding="utf-8")
    assert main(["ingest", "--db", sqlite_url, str(path)]) != 0
    err = capsys.readouterr().err
    assert str(path) in err and "không phải tệp Excel" in err
    assert main(["ingest", "--db", sqlite_url, str(tmp_path / "khong-co.csv")]) != 0
    assert "không có tệp này" in capsys.readouterr().err


def test_ingest_bad_unit_or_profile_exits_non_zero(sqlite_url, tmp_path, capsys) -> None:
    init_database(sqlite_url, [{"unit_code": "X1"}])
    path = messy_workbook(tmp_path / "x.xlsx")
    assert main(["ingest", "--db", sqlite_url, "--unit", "../x", str(path)]) == 2
    assert "Mã đơn vị không hợp lệ" in capsys.readouterr().err
    assert main(["ingest", "--db", sqlite_url, "--profile", "khong-co", str(path)]) == 2
    assert "tt01-mau06" in capsys.readouterr().err


def test_quarantine_listing_and_xlsx_fix_and_reimport(sqlite_url, tmp_path, capsys) -> None:
    init_database(sqlite_url, [{"unit_code": "X1"}])
    path = tmp_path / "HoSo.csv"
    path.write_text(csv_bytes([
        ["Mã hồ sơ", "Người nộp", "Trạng thái", "Ngày tiếp nhận"],
        ["A", "Nguyễn Văn An", "Xong", "01/07/2024"],
        ["B", "=cmd|' /C calc'!A0", "Đang xử lý", "01/07/24"],
        ["C", "Lê Thị Cúc", "Đang xử lý", "02/07/2024"]]), encoding="utf-8")
    assert main(["ingest", "--db", sqlite_url, "--unit", "X1", str(path)]) == 0
    capsys.readouterr()
    out_xlsx = tmp_path / "cach-ly.xlsx"
    assert main(["quarantine", "--db", sqlite_url, "--xlsx", str(out_xlsx)]) == 0
    listing = capsys.readouterr().out
    assert "2 dòng bị cách ly" in listing
    assert 'dòng 2: Cột "Trạng thái": "Xong" không thuộc danh mục' in listing
    assert 'dòng 3: Cột "Ngày tiếp nhận": "01/07/24" có năm hai chữ số' in listing
    assert "Nguyễn Văn An" not in listing and "cmd" not in listing      # no row contents

    wb = load_workbook(out_xlsx)
    ws = wb["HoSo"]
    header = [c.value for c in ws[1]]
    assert header == ["Lô nhập", "Dòng gốc", "Lý do cách ly", "Mã hồ sơ", "Người nộp",
                      "Trạng thái", "Ngày tiếp nhận"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert [r[1] for r in rows] == [2, 3] and rows[0][4] == "Nguyễn Văn An"
    assert rows[1][4] == "'=cmd|' /C calc'!A0"                        # formula-safe
    rows_fixed = ws
    rows_fixed.cell(2, 6).value = "Đã trả kết quả"
    rows_fixed.cell(3, 7).value = "01/07/2024"
    wb.save(out_xlsx)
    assert main(["ingest", "--db", sqlite_url, "--unit", "X1", str(out_xlsx)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^\s+HoSo\s+2\s+2\s+0\s+0\s+0$", out, re.M)
    # issue 18: the fixed export clears the rejects it fixes, whatever its file name
    assert main(["quarantine", "--db", sqlite_url]) == 0
    assert "Không có dòng nào bị cách ly" in capsys.readouterr().out
    assert main(["quarantine", "--db", sqlite_url, "--batch", "2"]) == 0
    assert "Không có dòng nào bị cách ly" in capsys.readouterr().out


def test_quarantine_raw_is_the_original_row(sqlite_url, tmp_path) -> None:
    from sqlalchemy import select

    from parbook.store import db

    init_database(sqlite_url, [{"unit_code": "X1"}])
    path = workbook(tmp_path / "PAKN.xlsx", {"PAKN": [
        ["Mã PAKN", "Mã đơn vị", "Ngày tiếp nhận", "Hài lòng", "Khác"],
        [None, "X1", 45413, "không rõ", 3.5]]})
    from parbook.intake.ingest import ingest_files

    ingest_files([path], url=sqlite_url)
    with db.engine(sqlite_url).connect() as conn:
        q = conn.execute(select(db.quarantine)).one()
    assert q.row_number == 2 and q.sheet == "PAKN"
    assert json.loads(q.raw) == {"Mã PAKN": None, "Mã đơn vị": "X1", "Ngày tiếp nhận": 45413,
                                 "Hài lòng": "không rõ", "Khác": 3.5}
    assert q.reason == (
        'Cột "Ngày tiếp nhận": "45413" là số, không phải ngày (định dạng ô thành Ngày hoặc ghi '
        'dd/mm/yyyy); Cột "Hài lòng": "không rõ" không phải Có/Không (Có, x, 1, TRUE hoặc '
        'Không, 0, FALSE); Thiếu "Mã PAKN" (cột khóa, không được để trống)')


def test_progress_bar_draws_and_clears() -> None:
    stream = io.StringIO()
    bar = Progress(enabled=True, stream=stream)
    bar.stage("HoSo.xlsx › HoSo", 1000)
    bar.update(500, force=True)
    bar.close()
    text = stream.getvalue()
    assert "HoSo.xlsx › HoSo" in text and "50%" in text and "500/1000" in text
    assert text.endswith("\r")                      # the line is cleared when done
    silent = io.StringIO()
    off = Progress(enabled=False, stream=silent)
    off.stage("x", 10)
    off.update(5, force=True)
    off.close()
    assert silent.getvalue() == ""
