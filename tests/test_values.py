"""Cell values → database values: dates day-first, codes kept as text, vocabularies, booleans."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, time

import pytest

from parbook.intake import values as v
from parbook.intake.rows import event_id, split_address_phone
from parbook.intake.sources import sheet_name_of_file
from parbook.intake.vocab import LOAD_ORDER, norm, sheet_for

T = datetime


@pytest.mark.parametrize("raw,expected", [
    ("03/05/2024", T(2024, 5, 3)),
    ("3/5/2024", T(2024, 5, 3)),
    ("03-05-2024", T(2024, 5, 3)),
    ("03.05.2024 7:05", T(2024, 5, 3, 7, 5)),
    ("03/05/2024 15:01", T(2024, 5, 3, 15, 1)),
    (" 03/05/2024  15:01:30 ", T(2024, 5, 3, 15, 1, 30)),
    ("15:01 03/05/2024", T(2024, 5, 3, 15, 1)),
    ("15:01:30 03/05/2024", T(2024, 5, 3, 15, 1, 30)),
    ("2024-05-03", T(2024, 5, 3)),
    ("2024-05-03 15:01:30", T(2024, 5, 3, 15, 1, 30)),
    ("2024-05-03T15:01:30.250000", T(2024, 5, 3, 15, 1, 30, 250000)),
    ("12/01/2024", T(2024, 1, 12)),                      # day first, never month first
    (T(2024, 5, 3, 15, 1), T(2024, 5, 3, 15, 1)),         # Excel date cell
    (date(2024, 5, 3), T(2024, 5, 3)),
    (None, None),
    ("   ", None),
])
def test_timestamp_accepts_listed_forms(raw, expected) -> None:
    assert v.timestamp(raw) == expected


@pytest.mark.parametrize("raw,reason", [
    ("03/05/24", "có năm hai chữ số: ghi đủ bốn chữ số (dd/mm/yyyy)"),
    ("05/13/2024", "không phải ngày có thật"),              # month-first is never guessed
    ("31/02/2024", "không phải ngày có thật"),
    ("03/05/2024 25:00", "không phải ngày có thật"),
    ("2024/05/03", f"không phải ngày hợp lệ ({v.DATE_FORMATS_VI})"),
    ("ngày 3 tháng 5", f"không phải ngày hợp lệ ({v.DATE_FORMATS_VI})"),
    ("03/05/20245", f"không phải ngày hợp lệ ({v.DATE_FORMATS_VI})"),
    ("01/01/1850", f"có năm 1850 ngoài khoảng hợp lý 1990–{date.today().year + 1} (gõ nhầm năm?)"),
    (45413, "là số, không phải ngày (định dạng ô thành Ngày hoặc ghi dd/mm/yyyy)"),
    (time(9, 30), "chỉ có giờ, thiếu ngày"),
])
def test_timestamp_refuses_with_reason(raw, reason) -> None:
    with pytest.raises(v.BadValue) as err:
        v.timestamp(raw)
    assert str(err.value) == reason


def test_day_drops_time() -> None:
    assert v.day("15/03/2023 10:00") == date(2023, 3, 15)
    assert v.day(T(2023, 3, 15, 10)) == date(2023, 3, 15)


@pytest.mark.parametrize("raw,expected", [
    ("1.001022", "1.001022"),
    (" 1.001022 ", "1.001022"),
    (1.001022, "1.001022"),
    (1.00089, "1.000890"),      # Excel dropped the trailing zero: six decimals restored
    (2.0, "2"),
    (12345, "12345"),
    (None, None),
])
def test_procedure_code_stays_text(raw, expected) -> None:
    assert v.procedure_code(raw) == expected


@pytest.mark.parametrize("raw,expected", [
    ("0912345678", "0912345678"),
    (912345678, "0912345678"),
    (912345678.0, "0912345678"),
    (2343812345, "02343812345"),
    (84912345678, "84912345678"),
    ("+84 912 345 678", "+84 912 345 678"),
])
def test_phone_keeps_or_restores_leading_zero(raw, expected) -> None:
    assert v.phone(raw) == expected


def test_code_refuses_dates_and_booleans() -> None:
    with pytest.raises(v.BadValue, match="là ô ngày tháng"):
        v.code(T(2024, 1, 5))
    with pytest.raises(v.BadValue, match="không phải mã"):
        v.code(True)
    assert v.code(1.2) == "1.2" and v.code("0012") == "0012"


@pytest.mark.parametrize("raw,expected", [
    ("Có", True), ("có", True), ("CÓ", True), ("x", True), ("X", True), (1, True),
    ("1", True), ("TRUE", True), ("true", True), (True, True),
    ("Không", False), ("không ", False), ("0", False), (0, False), ("FALSE", False),
    (None, False), ("", False), (False, False),
    (unicodedata.normalize("NFD", "Không"), False),
])
def test_boolean_words(raw, expected) -> None:
    assert v.boolean(raw) is expected


@pytest.mark.parametrize("raw", ["Chưa", "yes", 2, "đúng"])
def test_boolean_refuses_other_words(raw) -> None:
    with pytest.raises(v.BadValue):
        v.boolean(raw)


@pytest.mark.parametrize("vocab,raw,expected", [
    ("channel", "Trực tiếp", "direct"),
    ("channel", "TRỰC TUYẾN", "online"),
    ("channel", unicodedata.normalize("NFD", "bưu chính công ích"), "postal"),
    ("channel", "bcci", "postal"),
    ("channel", "online", "online"),
    ("result_delivery", "Trực tiếp", "counter"),
    ("result_delivery", "Tại  Bộ phận  Một cửa", "counter"),
    ("status", "Đã giải quyết", "done"),
    ("status", "Công dân rút", "withdrawn"),
    ("event_type", "Xin lỗi, hẹn lại", "apology"),
    ("event_type", "Gia hạn", "apology"),
    ("event_type", "Tạm dừng", "pause"),
    ("stage", "Giải quyết", "appraisal"),
    ("processing_time_unit", "Trong ngày", "same_day"),
    ("online_level", "Không", "none"),
    ("review_result", "Hết hiệu lực", "repeal"),
])
def test_vocabularies(vocab, raw, expected) -> None:
    assert v.vocabulary(vocab)(raw) == expected


def test_vocabulary_refusal_names_the_allowed_words() -> None:
    with pytest.raises(v.BadValue) as err:
        v.vocabulary("stage")("Trả kết quả")
    assert str(err.value) == "không thuộc danh mục (Tiếp nhận, Thẩm định)"


@pytest.mark.parametrize("parse,raw,expected", [
    (v.integer, "3", 3), (v.integer, 3.0, 3), (v.integer, " 5 ", 5), (v.integer, "5,0", 5),
    (v.decimal, "7,5", 7.5), (v.decimal, "7.5", 7.5), (v.decimal, 2, 2.0),
])
def test_numbers(parse, raw, expected) -> None:
    assert parse(raw) == expected


@pytest.mark.parametrize("parse,raw", [
    (v.integer, "3,5"), (v.integer, "ba"), (v.integer, 2.5), (v.integer, 10**12),
    (v.decimal, "nan"), (v.decimal, "1.234,5"), (v.decimal, float("inf")),
])
def test_numbers_refused(parse, raw) -> None:
    with pytest.raises(v.BadValue):
        parse(raw)


def test_text_is_trimmed_nfc_and_free_of_control_characters() -> None:
    assert v.text(unicodedata.normalize("NFD", "  Nguyễn Văn Ánh \t")) == "Nguyễn Văn Ánh"
    assert v.text(12.0) == "12" and v.text(T(2024, 5, 3)) == "03/05/2024"
    with pytest.raises(v.BadValue, match="ký tự điều khiển"):
        v.text("a\x00b")


def test_length_limit() -> None:
    parse = v.limited(v.code, 5)
    assert parse("abcde") == "abcde"
    with pytest.raises(v.BadValue, match="dài 6 ký tự, tối đa 5"):
        parse("abcdef")


def test_unit_code_must_be_safe() -> None:
    assert v.unit_code("XA-01") == "XA-01"
    with pytest.raises(v.BadValue, match="mã đơn vị hợp lệ"):
        v.unit_code("../etc")


def test_norm_headers_and_sheet_names() -> None:
    assert norm(unicodedata.normalize("NFD", "  MÃ   HỒ SƠ ")) == norm("mã hồ sơ")
    assert sheet_for(" hoso ").name == "HoSo" and sheet_for("dossiers").name == "HoSo"
    assert sheet_for("Sheet1") is None
    assert sheet_name_of_file("HoSo_2024Q3", list(LOAD_ORDER)) == "HoSo"
    assert sheet_name_of_file("HoSoCu", list(LOAD_ORDER)) is None


def test_event_id_is_deterministic_and_distinguishes_keys() -> None:
    a = event_id("HS-1", "apology", T(2024, 7, 4, 16), None)
    assert a == event_id("HS-1", "apology", T(2024, 7, 4, 16), None)
    assert a != event_id("HS-1", "apology", T(2024, 7, 4, 16), "appraisal")
    assert a != event_id("HS-1", "apology", T(2024, 7, 4, 16, 1), None)
    assert a.startswith("ev-") and len(a) == 35


@pytest.mark.parametrize("cell,expected", [
    ("Thôn 3, xã An Lộc - ĐT: 0912 345 678", ("Thôn 3, xã An Lộc", "0912 345 678")),
    ("Thôn 3, xã An Lộc; 0912.345.678", ("Thôn 3, xã An Lộc", "0912.345.678")),
    ("0912345678 / Thôn 1", ("Thôn 1", "0912345678")),
    ("Thôn 3, xã An Lộc", ("Thôn 3, xã An Lộc", None)),
    ("+84912345678", (None, "+84912345678")),
])
def test_split_address_phone(cell, expected) -> None:
    assert split_address_phone(cell) == expected


def test_file_hash_is_the_one_store_helper(tmp_path) -> None:
    """One file hash in the project (store.hashing, hashlib.file_digest); intake uses it."""
    import hashlib

    from parbook.intake import sources
    from parbook.store import hashing

    path = tmp_path / "HoSo.csv"
    data = ("Mã hồ sơ,Mã đơn vị\r\n" + "HS-1,X1\r\n" * 300_000).encode("utf-8")
    path.write_bytes(data)
    assert hashing.file_sha256(path) == hashlib.sha256(data).hexdigest()
    assert sources.file_sha256 is hashing.file_sha256
    assert sources.open_source(path).sha256 == hashlib.sha256(data).hexdigest()


def test_values_use_the_one_date_parser(monkeypatch) -> None:
    """values.timestamp is the store's parser plus the import's plausibility check."""
    from parbook.store import dates

    for raw in ("03/05/2024 15:01", "15:01 03/05/2024", "2024-05-03T15:01:30.250000"):
        assert v.timestamp(raw) == dates.parse_datetime(raw)
    calls = []
    monkeypatch.setattr(v, "parse_datetime", lambda s: calls.append(s) or T(2024, 5, 3))
    assert v.timestamp(" 03/05/2024 ") == T(2024, 5, 3) and calls == ["03/05/2024"]


@pytest.mark.parametrize("raw", ["HS-001\u200b", "\ufeffHS-001", "HS-\u200c001\u200d",
                                 "HS\u2060-001", "\u00a0HS-001\u200b ", "HS-0\u00ad01"])
def test_codes_lose_invisible_format_characters(raw) -> None:
    assert v.code(raw) == "HS-001"
    assert v.unit_code(raw) == "HS-001"
    assert norm("Mã\u200b hồ sơ\ufeff") == norm("Mã hồ sơ")
