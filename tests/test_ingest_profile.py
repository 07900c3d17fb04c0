"""Import profile tt01-mau06: a Sổ theo dõi hồ sơ (Mẫu 06, TT 01/2018) as registers look."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from parbook.intake.ingest import ingest_files
from parbook.intake.profiles import PROFILES_DIR, ProfileError, load_profile
from parbook.store import db
from parbook.store.init import init_database
from tests.messy import csv_bytes, workbook

T = datetime
HEADER_1 = ["TT", "Mã hồ sơ", "Tên TTHC", "Số lượng hồ sơ (bộ)", "Tên cá nhân, tổ chức",
            "Địa chỉ, số điện thoại", "Cơ quan chủ trì giải quyết", "Ngày, tháng, năm", None, None,
            "Ký nhận", "Ghi chú"]
HEADER_2 = [None, None, None, None, None, None, None, "Nhận hồ sơ", "Hẹn trả kết quả",
            "Trả kết quả", None, None]
NUMBERS = [f"({i})" for i in range(1, 13)]
REGISTER = [
    ["UBND XÃ AN LỘC"],
    ["SỔ THEO DÕI HỒ SƠ"],
    ["Năm 2024"],
    HEADER_1, HEADER_2, NUMBERS,
    [1, "000.00.20.H57-240701-0001", "Đăng ký khai sinh", 1, "Nguyễn Văn An",
     "Thôn 1, xã An Lộc - ĐT: 0912 345 678", "Tư pháp – Hộ tịch", T(2024, 7, 1, 8, 30),
     T(2024, 7, 1, 16, 0), T(2024, 7, 1, 15, 0), "đã ký", None],                       # row 7
    [2, "000.00.20.H57-240701-0002", "  chứng thực bản sao từ bản chính ", 2, "Lê Thị Bình",
     912345678, "Tư pháp – Hộ tịch", "01/07/2024 09:00", "01/07/2024 17:00", None, None,
     "chưa trả"],                                                                         # row 8
    [3, "000.00.20.H57-240702-0003", "Cấp giấy phép xây dựng", 1, "Trần Văn Cường",
     "Thôn 2", "Địa chính", "02/07/2024 10:00", "10/07/2024", None, None, None],        # row 9
]


@pytest.fixture
def register(tmp_path):
    return workbook(tmp_path / "SoTheoDoi.xlsx", {"Sheet1": REGISTER},
                    merges={"Sheet1": ["A1:L1", "A2:L2", "A3:L3", "H4:J4", "A4:A5", "B4:B5"]})


def test_mau06_register(any_db_url, register) -> None:
    init_database(any_db_url, [{"unit_code": "X1"}])
    results = ingest_files([register], url=any_db_url, unit="X1", profile="tt01-mau06")
    assert [(r.sheet, r.source_sheet, r.read, r.inserted, r.quarantined) for r in results] == [
        ("HoSo", "Sheet1", 3, 2, 1)]
    assert results[0].extra_columns == []             # every register column is known
    with db.engine(any_db_url).connect() as conn:
        rows = {r.dossier_code: r for r in conn.execute(select(db.dossiers))}
        reason = conn.execute(select(db.quarantine.c.row_number, db.quarantine.c.reason)).one()
    one = rows["000.00.20.H57-240701-0001"]
    assert (one.unit_code, one.procedure_code) == ("X1", "1.001193")
    assert (one.applicant_name, one.applicant_address, one.applicant_phone) == (
        "Nguyễn Văn An", "Thôn 1, xã An Lộc", "0912 345 678")
    assert (one.received_at, one.due_at, one.returned_at) == (
        T(2024, 7, 1, 8, 30), T(2024, 7, 1, 16), T(2024, 7, 1, 15))
    assert one.department == "Tư pháp – Hộ tịch"
    assert (one.channel, one.status, one.finished_at, one.digitized) == (None, None, None, None)
    two = rows["000.00.20.H57-240701-0002"]
    assert two.procedure_code == "2.000815"           # name matched case/space-insensitively
    assert (two.applicant_address, two.applicant_phone) == (None, "0912345678")
    assert two.note == "chưa trả"
    assert tuple(reason) == (9, 'Cột "Tên TTHC": "Cấp giấy phép xây dựng" không có trong danh '
                                'mục TTHC')


def test_mau06_as_csv_with_canonical_columns_too(sqlite_url, tmp_path) -> None:
    init_database(sqlite_url, [{"unit_code": "X1"}])
    path = tmp_path / "Sổ theo dõi hồ sơ.csv"
    path.write_text(csv_bytes([
        ["Mã hồ sơ", "Tên TTHC", "Nhận hồ sơ", "Phương thức nhận kết quả", "Trạng thái"],
        ["HS-1", "Đăng ký khai tử", "02/07/2024 08:00", "Qua bưu điện", "Đã trả kết quả"]]),
        encoding="utf-8")
    results = ingest_files([path], url=sqlite_url, unit="X1", profile="tt01-mau06")
    assert (results[0].sheet, results[0].inserted) == ("HoSo", 1)
    with db.engine(sqlite_url).connect() as conn:
        row = conn.execute(select(db.dossiers)).one()
    assert (row.procedure_code, row.result_delivery, row.status) == ("1.000656", "postal", "done")


def test_tt03_register_recognised_by_title_and_columns(sqlite_url, tmp_path) -> None:
    """TT 03/2025 numbers the register Mẫu số 07 and words its columns a little differently."""
    init_database(sqlite_url, [{"unit_code": "X1"}])
    path = workbook(tmp_path / "SoTheoDoi2025.xlsx", {
        "Mẫu số 07": [
            ["SỔ THEO DÕI HỒ SƠ"],
            ["STT", "Mã hồ sơ", "Tên TTHC", "Tên tổ chức, cá nhân", "Địa chỉ/SĐT",
             "Cơ quan chủ trì giải quyết", "Nhận và trả kết quả", None, None, None, "Ký nhận"],
            [None, None, None, None, None, None, "Nhận hồ sơ", "Hẹn trả kết quả", "Trả kết quả",
             "Phương thức nhận kết quả", None],
            [1, "000.00.20.H57-250702-0001", "Đăng ký khai tử", "Lê Văn Dũng",
             "Thôn 3 - 0912 345 679", "Tư pháp – Hộ tịch", T(2025, 7, 2, 8, 0),
             T(2025, 7, 4, 17, 0), T(2025, 7, 3, 9, 0), "Qua bưu điện", None]],
        "Ghi chú": [["Ghi chú của sổ"]]})
    results = ingest_files([path], url=sqlite_url, unit="X1", profile="tt01-mau06")
    assert [(r.sheet, r.source_sheet, r.inserted, r.quarantined) for r in results] == [
        ("HoSo", "Mẫu số 07", 1, 0)]
    with db.engine(sqlite_url).connect() as conn:
        row = conn.execute(select(db.dossiers)).one()
    assert (row.procedure_code, row.applicant_phone, row.result_delivery, row.received_at) == (
        "1.000656", "0912 345 679", "postal", T(2025, 7, 2, 8, 0))


def test_register_without_profile_is_not_guessed(sqlite_url, register) -> None:
    from parbook.intake.ingest import IngestError

    init_database(sqlite_url, [{"unit_code": "X1"}])
    with pytest.raises(IngestError, match="không có trang tính nào nhận ra được"):
        ingest_files([register], url=sqlite_url, unit="X1")


def test_profile_is_checked(tmp_path) -> None:
    profile = load_profile("tt01-mau06")
    assert profile.sheets["HoSo"].lookups and "status" in profile.not_provided
    bad = tmp_path / "bad.yaml"
    bad.write_text("sheets:\n  HoSo:\n    headers: {'Ngày': received_on}\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="received_on"):
        load_profile(bad)
    bad.write_text("sheets:\n  HoSo:\n    vocabulary: {status: {'Xong': finished}}\n",
                   encoding="utf-8")
    with pytest.raises(ProfileError, match="finished"):
        load_profile(bad)


@pytest.mark.parametrize("text,where,expected", [
    # a misspelt key was silently ignored before: now it is named with its place
    ("sheets:\n  HoSo:\n    header: {'Ngày': received_at}\n", "sheets.HoSo.header",
     "khóa không hợp lệ (unknown key)"),
    ("sheets:\n  HoSo:\n    headers: {'Ngày': received_on}\n", "sheets.HoSo.headers.Ngày",
     "cột 'received_on' không thuộc trang HoSo (unknown column)"),
    ("sheets:\n  HoSo:\n    lookup: {'Tên TTHC': {column: procedure_code, table: procedures}}\n",
     "sheets.HoSo.lookup.Tên TTHC.by", "thiếu mục bắt buộc (required, missing)"),
    ("sheets:\n  HoSo:\n    lookup: {'Tên': {column: procedure_code, table: x, by: y}}\n",
     "sheets.HoSo.lookup.Tên", "tra cứu sai bảng/cột (bad lookup)"),
    ("sheets:\n  SuKien:\n    split_address_phone: ['Địa chỉ']\n",
     "sheets.SuKien.split_address_phone", "cột 'applicant_address' không thuộc trang SuKien"),
    ("sheets:\n  HoSo:\n    vocabulary: {note: {'x': y}}\n", "sheets.HoSo.vocabulary.note.[key]",
     "cột 'note' không có danh mục (no vocabulary)"),
    ("sheets:\n  HoSo:\n    vocabulary: {status: {'Xong': finished}}\n",
     "sheets.HoSo.vocabulary", "'Xong' → 'finished' không phải mã của status"),
    ("sheets:\n  Hoso: {}\n", "sheets.Hoso",
     "trang tính 'Hoso' không có trong hợp đồng nhập (unknown sheet)"),
    ("sheets:\n  HoSo:\n    ignore: TT\n", "sheets.HoSo.ignore", "cần một danh sách (expected a list)"),
    ("title: Sổ\n", "sheets", "không khai báo trang tính nào (no sheets)"),
])
def test_profile_errors_name_file_place_and_expectation(tmp_path, text, where, expected) -> None:
    bad = tmp_path / "so-cua-xa.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as err:
        load_profile(bad)
    message = str(err.value)
    assert message.startswith("so-cua-xa.yaml có lỗi (configuration errors):")
    assert f"- {where}: {expected}" in message


def test_profile_models_are_pydantic() -> None:
    from parbook.intake.profiles import ProfileFile
    from parbook.store.settings import Strict, load_yaml

    data = load_yaml(PROFILES_DIR / "tt01-mau06.yaml", ProfileFile)
    assert isinstance(data, Strict) and data.sheets.HoSo.headers["Nhận hồ sơ"] == "received_at"
    assert data.sheets.HoSo.lookup["Tên TTHC"].by == "procedure_name"
