"""Messy import files built by hand, as communes' exports really look (for the ingest tests)."""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def to_cp1258(text: str) -> bytes:
    """Encode as Windows-1258 does: precomposed base letters plus combining tone marks."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        base, marks = parts[0], list(parts[1:])
        for mark in list(marks):  # fold the mark cp1258 has precomposed (â, ê, ô, ơ, ư, ă)
            combined = unicodedata.normalize("NFC", base + mark)
            if len(combined) == 1:
                try:
                    combined.encode("cp1258")
                except UnicodeEncodeError:
                    continue
                base = combined
                marks.remove(mark)
                break
        out += (base + "".join(marks)).encode("cp1258")
    return bytes(out)


def workbook(path: Path, sheets: dict[str, list[list[Any]]],
             merges: dict[str, list[str]] | None = None) -> Path:
    """Write rows as given (None = empty cell) into sheets; ``merges`` per sheet."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(r, c, value)
        for rng in (merges or {}).get(name, []):
            ws.merge_cells(rng)
    wb.save(path)
    return path


def csv_bytes(rows: list[list[Any]], delimiter: str = ",") -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue()


T = datetime

HOSO_HEADER = [nfd("Mã hồ sơ"), "  MÃ   ĐƠN VỊ ", "Mã TTHC", "Số điện thoại", "Hình thức nộp",
               "Ngày tiếp nhận", "Ngày hẹn trả", "Trạng thái", "Số hóa", "Mã vạch"]

# Excel rows 1–3: title rows (two merged), a blank row; row 4 the header.
MESSY_HOSO = [
    ["ỦY BAN NHÂN DÂN XÃ AN LỘC"],
    ["DANH SÁCH HỒ SƠ QUÝ 3/2024"],
    [],
    HOSO_HEADER,
    ["HS-001 ", "X1", "1.001022", "0912345678", "trực TUYẾN", T(2024, 7, 1, 9, 0),
     "05/07/2024 17:00", "Đã trả kết quả", "x", "abc"],                                    # 5
    [None, None, "   ", None],                                                             # 6 blank
    ["HS-002", None, 1.00089, 912345678, "BCCI", "01/07/2024", "2024-07-03", "đang xử lý",
     "Không", None],                                                                        # 7
    ["HS-003", "X1", "2.000635", None, "Qua mạng", "31/02/2024", None, "Đang xử lý"],    # 8
    ["HS-004", "X1", "2.000635", None, "Trực tiếp", "01/07/24", None, "Đang xử lý"],     # 9
    ["HS-005", "X1", "2.000635", None, "Trực tiếp", "02/07/2024", None, "Đang xử lý"],   # 10
    ["HS-005", "X1", "2.000635", None, "Trực tiếp", "03/07/2024", None, "Đang xử lý"],   # 11
    [None, "X1", "2.000635", None, "Trực tiếp", "02/07/2024", None, "Đang xử lý"],       # 12
    ["HS-006", "X1", "2.000635", None, "Trực tiếp", "02/07/2024", None, "Đang xử lý",
     "Chưa"],                                                                               # 13
    ["HS-007", "X1", "2.000635", "+84 912 345 678", "direct", "14:30 02/07/2024", None,
     "PROCESSING", 1],                                                                      # 14
]

MESSY_HOSO_REASONS = {
    8: 'Cột "Hình thức nộp": "Qua mạng" không thuộc danh mục (Trực tiếp, Trực tuyến, Bưu chính '
       'công ích, VNeID); Cột "Ngày tiếp nhận": "31/02/2024" không phải ngày có thật',
    9: 'Cột "Ngày tiếp nhận": "01/07/24" có năm hai chữ số: ghi đủ bốn chữ số (dd/mm/yyyy)',
    10: 'Mã hồ sơ "HS-005" lặp lại 2 lần trong tệp (dòng 10, 11)',
    11: 'Mã hồ sơ "HS-005" lặp lại 2 lần trong tệp (dòng 10, 11)',
    12: 'Thiếu "Mã hồ sơ" (cột khóa, không được để trống)',
    13: 'Cột "Số hóa": "Chưa" không phải Có/Không (Có, x, 1, TRUE hoặc Không, 0, FALSE)',
}

MESSY_SUKIEN = [
    ["Mã hồ sơ", "Loại sự kiện", "Thời điểm", "Giai đoạn", "Lý do"],
    ["HS-001", "xin lỗi, hẹn lại", T(2024, 7, 4, 16, 0), None, "Chậm xác minh"],           # 2
    ["HS-999", "Xin lỗi", "04/07/2024 16:00", None, None],                                 # 3
    [None, "Xin lỗi", "04/07/2024 16:00", None, None],                                      # 4
    ["HS-003", "Tạm dừng", "04/07/2024 16:00", None, None],                                 # 5
    ["HS-002", "Yêu cầu bổ sung", "02/07/2024 10:00", "thẩm định", "Thiếu giấy tờ"],        # 6
    ["HS-002", "Yêu cầu bổ sung", "02/07/2024 10:00", "Thẩm định", "Thiếu giấy tờ"],        # 7
    ["HS-007", "Từ chối", "03/07/2024 08:00", None, "Không đủ điều kiện"],                  # 8
]

MESSY_SUKIEN_REASONS = {
    3: 'Cột "Mã hồ sơ": "HS-999" — hồ sơ chưa có trong CSDL (sự kiện của hồ sơ không xác định)',
    4: 'Sự kiện không có "Mã hồ sơ"',
    5: 'Cột "Mã hồ sơ": "HS-003" — hồ sơ chưa có trong CSDL (sự kiện của hồ sơ không xác định)',
    6: "Sự kiện (cùng Mã hồ sơ, Loại sự kiện, Thời điểm, Giai đoạn) lặp lại 2 lần trong tệp "
       "(dòng 6, 7)",
    7: "Sự kiện (cùng Mã hồ sơ, Loại sự kiện, Thời điểm, Giai đoạn) lặp lại 2 lần trong tệp "
       "(dòng 6, 7)",
}

MESSY_DANHMUC = [
    ["Mã TTHC", "Tên TTHC", "Lĩnh vực", "Thời hạn giải quyết", "Đơn vị thời hạn", "Phí, lệ phí"],
    ["9.000001", "Thủ tục thử nghiệm", "Thử nghiệm", "5", "ngày làm việc", "Có"],
    ["1.001022", "Đăng ký nhận cha, mẹ, con", "Hộ tịch", 3, "Ngày làm việc", "Có"],
]


def messy_workbook(path: Path) -> Path:
    """HoSo with title rows, SuKien, DanhMucTTHC, an empty PAKN sheet and an unknown sheet."""
    return workbook(path, {
        "hoso": MESSY_HOSO,
        "SuKien": MESSY_SUKIEN,
        "DanhMucTTHC": MESSY_DANHMUC,
        "PAKN": [],
        "Ghi chép": [["ghi chú của cán bộ"]],
    }, merges={"hoso": ["A1:F1", "A2:F2"]})
