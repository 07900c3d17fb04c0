"""The import contract in one place (DESIGN.md §4): sheets, headers, vocabularies, examples.

The template (``parbook template``), the import (``parbook ingest``) and ``write_workbook`` all
read these definitions, so a header or a vocabulary word is spelt in exactly one place.

Matching rule for headers, sheet names and vocabulary words: Unicode NFC, trimmed, inner
whitespace collapsed, case-folded (:func:`norm`). Either the Vietnamese label or the canonical
name/code is accepted. The first label of a vocabulary entry is the one written to workbooks.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Integer, String, Table

from parbook.store import db

# ---------------------------------------------------------------------------------------------
# normalisation


def nfc(text: str) -> str:
    """NFC-normalised and trimmed (every text value of an import)."""
    return unicodedata.normalize("NFC", text).strip()


def without_format_chars(value: str) -> str:
    """Text without invisible format characters (Unicode category Cf: zero-width space U+200B,
    BOM U+FEFF, ZWNJ/ZWJ U+200C/D, word joiner U+2060, soft hyphen U+00AD, bidi marks…): a code
    copied from a web page or a chat matches the same code typed by hand.

    >>> without_format_chars("\ufeffHS-\u200b001\u2060")
    'HS-001'
    """
    if value.isascii():
        return value
    return "".join(ch for ch in value if unicodedata.category(ch) != "Cf")


def norm(text: object) -> str:
    """Matching form of a header, sheet name or vocabulary word: NFC, without invisible format
    characters, collapsed, case-folded."""
    value = without_format_chars(str(text))
    folded = " ".join(unicodedata.normalize("NFC", value).split()).casefold()
    return unicodedata.normalize("NFC", folded)


# ---------------------------------------------------------------------------------------------
# vocabularies: canonical code → accepted Vietnamese words (the first is written to workbooks)

VOCABULARIES: dict[str, dict[str, tuple[str, ...]]] = {
    "channel": {
        "direct": ("Trực tiếp",),
        "online": ("Trực tuyến",),
        "postal": ("Bưu chính công ích", "BCCI"),
        # NĐ 367/2025/NĐ-CP: nộp trực tuyến qua ứng dụng VNeID — online for every rate (§12)
        "vneid": ("VNeID", "Ứng dụng VNeID"),
    },
    "result_delivery": {
        "counter": ("Tại Bộ phận Một cửa", "Trực tiếp"),
        "postal": ("Bưu chính công ích", "BCCI"),
        "online": ("Trực tuyến",),
    },
    "status": {
        "processing": ("Đang xử lý",),
        "supplementing": ("Chờ bổ sung",),
        "paused": ("Tạm dừng",),
        "done": ("Đã có kết quả", "Đã giải quyết", "Đã trả kết quả"),
        "rejected": ("Từ chối",),
        "withdrawn": ("Rút hồ sơ", "Công dân rút"),
        # NĐ 118/2025 Điều 21, TT 03/2025 Mẫu số 05 Thông báo dừng giải quyết hồ sơ (§12)
        "stopped": ("Dừng giải quyết", "Dừng"),
    },
    "event_type": {
        "supplement_request": ("Yêu cầu bổ sung",),
        "supplement_received": ("Nhận bổ sung",),
        # NĐ 61/2018 Đ19.9: the new appointment of a late dossier is made with the apology letter
        "apology": ("Xin lỗi", "Xin lỗi, hẹn lại", "Gia hạn"),
        "verification_transfer": ("Chuyển xác minh",),
        "pause": ("Tạm dừng",),
        "resume": ("Tiếp tục",),
        "rejection": ("Từ chối",),
    },
    "stage": {
        "reception": ("Tiếp nhận",),
        "appraisal": ("Thẩm định", "Giải quyết"),
    },
    "processing_time_unit": {
        "working_days": ("Ngày làm việc",),
        "same_day": ("Trong ngày",),
        "immediate": ("Ngay",),
    },
    "online_level": {
        "full": ("Toàn trình",),
        "partial": ("Một phần",),
        "none": ("Không",),
    },
    "review_result": {
        "valid": ("Còn hiệu lực",),
        "amend": ("Cần sửa đổi",),
        "repeal": ("Cần bãi bỏ", "Hết hiệu lực"),
    },
}

# Booleans are a vocabulary too; a blank cell of a present boolean column reads as false.
BOOL_WORDS: dict[bool, tuple[str, ...]] = {
    True: ("Có", "x", "1", "TRUE"),
    False: ("Không", "0", "FALSE"),
}


def vocabulary_lookup(name: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Matching form of every accepted word (and canonical code) → canonical code."""
    lookup: dict[str, str] = {}
    for code, words in VOCABULARIES[name].items():
        lookup[norm(code)] = code
        for word in words:
            lookup[norm(word)] = code
    for word, code in (extra or {}).items():
        lookup[norm(word)] = code
    return lookup


def bool_lookup() -> dict[str, bool]:
    """Matching form of every boolean word → True/False ('true'/'false' included)."""
    return {norm(w): value for value, words in BOOL_WORDS.items() for w in words}


def label_of(vocabulary: str, code: str) -> str:
    """The Vietnamese word written for a canonical code (the code itself if unknown)."""
    words = VOCABULARIES[vocabulary].get(code)
    return words[0] if words else code


# ---------------------------------------------------------------------------------------------
# sheets and columns

# Column kinds: code (identifier kept as text), unit (unit code), phone, text, datetime, date,
# int, float, bool, vocab.
TEXTUAL_KINDS = ("code", "unit", "phone", "text")


@dataclass(frozen=True)
class ColumnSpec:
    """One column of an import sheet."""

    name: str
    label: str
    kind: str
    help: str
    example: object = None
    vocabulary: str | None = None


@dataclass(frozen=True)
class SheetSpec:
    """One sheet of the import workbook and the table it loads into."""

    name: str
    table: Table
    title: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...]
    required: tuple[str, ...] = ()
    derived_key: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)
    # Columns whose header must be present, or the sheet loads nothing: its key, or for events
    # the parts of their natural key; the unit code may come from --unit instead (default: the
    # key without unit_code). Missing dates and other non-key values load as NULL (checks).
    header_required: tuple[str, ...] = ()
    # (column, code, required column, reason): a row whose column holds the code and whose
    # required column is blank is quarantined with the reason.
    required_when: tuple[tuple[str, str, str, str], ...] = ()

    @cached_property
    def by_name(self) -> dict[str, ColumnSpec]:
        return {c.name: c for c in self.columns}

    @cached_property
    def required_headers(self) -> tuple[str, ...]:
        """Columns the sheet cannot load without (see ``header_required``)."""
        return self.header_required or tuple(k for k in self.key if k != "unit_code")

    def max_length(self, column: str) -> int | None:
        """The database's limit on a text column (None for unlimited)."""
        col_type = self.table.c[column].type
        return col_type.length if isinstance(col_type, String) else None

    def is_int(self, column: str) -> bool:
        return isinstance(self.table.c[column].type, Integer)


def _c(name: str, label: str, kind: str, help: str, example: object = None,
       vocabulary: str | None = None) -> ColumnSpec:
    if kind == "vocab" and vocabulary is None:
        vocabulary = name
    return ColumnSpec(name, label, kind, help, example, vocabulary)


UNIT = _c("unit_code", "Mã đơn vị", "unit",
          "Mã xã/đơn vị (như khi chạy parbook init --unit). Để trống nếu nhập bằng --unit.",
          "DEMO-ANLOC")

SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec(
        "DanhMucTTHC", db.procedures, "Danh mục thủ tục hành chính cấp xã",
        (
            _c("procedure_code", "Mã TTHC", "code",
               "Mã TTHC trên Cơ sở dữ liệu quốc gia về TTHC (dạng 1.001022), ghi dạng chữ.",
               "1.001022"),
            _c("procedure_name", "Tên TTHC", "text", "Tên thủ tục hành chính.",
               "Đăng ký nhận cha, mẹ, con"),
            _c("field", "Lĩnh vực", "text", "Lĩnh vực (dùng để lập Biểu 06).", "Hộ tịch"),
            _c("processing_time_value", "Thời hạn giải quyết", "int",
               "Số ngày làm việc (để trống nếu giải quyết trong ngày hoặc ngay).", 3),
            _c("processing_time_unit", "Đơn vị thời hạn", "vocab",
               "Cách tính thời hạn giải quyết.", "Ngày làm việc"),
            _c("verification_extra_days", "Số ngày xác minh", "int",
               "Số ngày làm việc được cộng thêm khi phải xác minh (để trống nếu không có).", 5),
            _c("fee", "Phí, lệ phí", "bool", "Có thu phí, lệ phí không.", "Có"),
            _c("online_level", "Mức độ DVC trực tuyến", "vocab",
               "Mức độ dịch vụ công trực tuyến của thủ tục.", "Toàn trình"),
            _c("department", "Bộ phận", "text", "Bộ phận, công chức chuyên môn giải quyết.",
               "Tư pháp – Hộ tịch"),
        ),
        key=("procedure_code",),
    ),
    SheetSpec(
        "HoSo", db.dossiers, "Hồ sơ thủ tục hành chính",
        (
            _c("dossier_code", "Mã hồ sơ", "code",
               "Mã hồ sơ trên Hệ thống thông tin giải quyết TTHC (mỗi hồ sơ một dòng).",
               "000.00.20.H57-240503-0001"),
            UNIT,
            _c("procedure_code", "Mã TTHC", "code", "Mã TTHC của hồ sơ, ghi dạng chữ.",
               "1.001022"),
            _c("applicant_name", "Người nộp", "text",
               "Họ tên người nộp (dữ liệu cá nhân: không hiện trong báo cáo).", "Nguyễn Văn An"),
            _c("applicant_phone", "Số điện thoại", "phone",
               "Số điện thoại người nộp, ghi dạng chữ để giữ số 0 đầu.", "0912345678"),
            _c("applicant_address", "Địa chỉ", "text", "Địa chỉ người nộp.", "Thôn 1, xã An Lộc"),
            _c("channel", "Hình thức nộp", "vocab", "Cách nộp hồ sơ.", "Trực tiếp"),
            _c("received_at", "Ngày tiếp nhận", "datetime",
               "Ngày giờ tiếp nhận (dd/mm/yyyy hh:mm).", "03/05/2024 08:30"),
            _c("due_at", "Ngày hẹn trả", "datetime",
               "Ngày hẹn trả kết quả ghi trên Giấy tiếp nhận (sau xin lỗi: ngày hẹn lại).",
               "07/05/2024 17:00"),
            _c("finished_at", "Ngày có kết quả", "datetime",
               "Ngày giờ có kết quả giải quyết (hoặc từ chối, rút hồ sơ; dừng giải quyết: ngày "
               "dừng, bắt buộc).", "06/05/2024 10:15"),
            _c("returned_at", "Ngày trả kết quả", "datetime",
               "Ngày giờ trả kết quả cho người dân.", "07/05/2024 09:00"),
            _c("result_delivery", "Hình thức trả kết quả", "vocab", "Cách trả kết quả.",
               "Tại Bộ phận Một cửa"),
            _c("status", "Trạng thái", "vocab", "Trạng thái hồ sơ tại ngày xuất dữ liệu.",
               "Đã trả kết quả"),
            _c("handler", "Cán bộ xử lý", "text", "Công chức giải quyết hồ sơ.", "Trần Thị Bình"),
            _c("department", "Bộ phận", "text",
               "Bộ phận giải quyết (để trống: lấy theo danh mục TTHC).", "Tư pháp – Hộ tịch"),
            _c("digitized", "Số hóa", "bool", "Hồ sơ, kết quả đã được số hóa chưa.", "Có"),
            _c("electronic_result", "Kết quả điện tử", "bool",
               "Có trả kết quả điện tử không.", "Không"),
            _c("note", "Ghi chú", "text", "Ghi chú tự do.", ""),
        ),
        key=("dossier_code",),
        required=("unit_code",),
        required_when=(("status", "stopped", "finished_at",
                        'Hồ sơ "Dừng giải quyết" thiếu "Ngày có kết quả" (ngày dừng giải quyết '
                        "ghi trên Thông báo dừng giải quyết hồ sơ, bắt buộc)"),),
    ),
    SheetSpec(
        "SuKien", db.dossier_events, "Sự kiện trong quá trình giải quyết hồ sơ",
        (
            _c("dossier_code", "Mã hồ sơ", "code",
               "Mã hồ sơ (phải có trong trang HoSo hoặc đã có trong CSDL).",
               "000.00.20.H57-240503-0001"),
            _c("event_type", "Loại sự kiện", "vocab", "Loại sự kiện.", "Xin lỗi, hẹn lại"),
            _c("event_at", "Thời điểm", "datetime", "Ngày giờ xảy ra sự kiện.",
               "06/05/2024 16:00"),
            _c("new_due_at", "Ngày hẹn mới", "datetime",
               "Ngày hẹn trả mới (phiếu xin lỗi và hẹn lại).", "10/05/2024 17:00"),
            _c("reason", "Lý do", "text", "Lý do (bắt buộc với từ chối, xin lỗi).",
               "Cần xác minh thêm"),
            _c("stage", "Giai đoạn", "vocab",
               "Giai đoạn của yêu cầu bổ sung (tiếp nhận hay thẩm định).", "Thẩm định"),
        ),
        key=("event_id",),
        required=("dossier_code",),
        derived_key=True,
        header_required=("dossier_code", "event_type", "event_at"),
        notes=("Không có cột mã sự kiện: mã được tạo từ Mã hồ sơ, Loại sự kiện, Thời điểm và "
               "Giai đoạn, nên nạp lại cùng tệp không tạo sự kiện trùng.",),
    ),
    SheetSpec(
        "PAKN", db.feedback, "Phản ánh, kiến nghị",
        (
            _c("feedback_id", "Mã PAKN", "code", "Mã phản ánh, kiến nghị.", "PAKN-2024-001"),
            UNIT,
            _c("received_at", "Ngày tiếp nhận", "datetime", "Ngày giờ tiếp nhận PAKN.",
               "10/05/2024 09:00"),
            _c("channel", "Kênh", "text", "Kênh tiếp nhận (ghi tự do).", "Hộp thư góp ý"),
            _c("subject", "Nội dung", "text", "Tóm tắt nội dung.", "Chậm trả kết quả"),
            _c("dossier_code", "Mã hồ sơ", "code", "Mã hồ sơ liên quan (nếu có).",
               "000.00.20.H57-240503-0001"),
            _c("in_scope", "Thuộc thẩm quyền", "bool", "Thuộc thẩm quyền giải quyết của xã.", "Có"),
            _c("resolved_at", "Ngày xử lý xong", "datetime", "Ngày giờ xử lý xong.",
               "20/05/2024 16:00"),
            _c("outcome", "Kết quả", "text", "Kết quả xử lý.", "Đã trả lời công dân"),
            _c("about_staff", "Về thái độ cán bộ", "bool",
               "PAKN về thái độ, hành vi của công chức.", "Không"),
            _c("satisfied", "Hài lòng", "bool", "Người phản ánh hài lòng với kết quả.", "Có"),
        ),
        key=("unit_code", "feedback_id"),          # two communes may share an id (DESIGN.md §12)
    ),
    SheetSpec(
        "DanhGia", db.surveys, "Phiếu đánh giá sự hài lòng",
        (
            _c("survey_id", "Mã phiếu", "code", "Mã phiếu đánh giá.", "DG-2024-0001"),
            _c("dossier_code", "Mã hồ sơ", "code", "Mã hồ sơ được đánh giá.",
               "000.00.20.H57-240503-0001"),
            _c("surveyed_at", "Ngày đánh giá", "datetime", "Ngày giờ đánh giá.",
               "07/05/2024 09:10"),
            _c("channel", "Kênh", "text", "Kênh đánh giá (ghi tự do).", "Máy tính bảng tại quầy"),
            _c("access", "Tiếp cận dịch vụ", "int", "Điểm 1–5.", 5),
            _c("procedure", "Thủ tục hành chính", "int", "Điểm 1–5.", 4),
            _c("staff", "Công chức", "int", "Điểm 1–5.", 5),
            _c("result", "Kết quả", "int", "Điểm 1–5.", 5),
            _c("feedback_handling", "Tiếp nhận PAKN", "int", "Điểm 1–5.", 4),
            _c("overall", "Tổng thể", "int", "Điểm 1–5.", 5),
        ),
        key=("survey_id",),
    ),
    SheetSpec(
        "VBQPPL", db.legal_documents, "Văn bản quy phạm pháp luật của xã",
        (
            _c("document_id", "Số, ký hiệu", "code", "Số, ký hiệu văn bản (ghi dạng chữ).",
               "05/2023/QĐ-UBND"),
            UNIT,
            _c("title", "Trích yếu", "text", "Trích yếu nội dung.", "Quy định về ..."),
            _c("issued_at", "Ngày ban hành", "date", "Ngày ban hành (dd/mm/yyyy).", "15/03/2023"),
            _c("reviewed_at", "Ngày rà soát", "date", "Ngày rà soát gần nhất.", "10/04/2024"),
            _c("review_result", "Kết quả rà soát", "vocab", "Kết luận rà soát.", "Cần sửa đổi"),
            _c("handled_at", "Ngày xử lý", "date", "Ngày xử lý (sửa đổi, bãi bỏ).", "20/05/2024"),
            _c("handling", "Hình thức xử lý", "text", "Hình thức xử lý.", "Ban hành văn bản sửa đổi"),
        ),
        key=("unit_code", "document_id"),          # two communes may share an id (DESIGN.md §12)
    ),
    SheetSpec(
        "NhiemVu", db.plan_tasks, "Nhiệm vụ của kế hoạch",
        (
            _c("task_id", "Mã nhiệm vụ", "code", "Mã nhiệm vụ.", "NV-01"),
            UNIT,
            _c("plan_code", "Kế hoạch", "code", "Mã kế hoạch.", "kh-par-sipas-2024"),
            _c("requirement_id", "Yêu cầu", "code", "Mã yêu cầu của kế hoạch (R1…).", "R1"),
            _c("department", "Bộ phận chủ trì", "text", "Bộ phận chủ trì.", "Văn phòng – Thống kê"),
            _c("title", "Nội dung", "text", "Nội dung nhiệm vụ.", "Niêm yết công khai TTHC"),
            _c("due_date", "Hạn hoàn thành", "date", "Hạn hoàn thành (dd/mm/yyyy).", "31/03/2024"),
            _c("done_date", "Ngày hoàn thành", "date", "Ngày hoàn thành thực tế.", "28/03/2024"),
            _c("evidence", "Tài liệu kiểm chứng", "text", "Tài liệu kiểm chứng.",
               "Thông báo số 12/TB-UBND"),
        ),
        key=("unit_code", "task_id"),          # two communes may share an id (DESIGN.md §12)
    ),
    SheetSpec(
        "TuChamDiem", db.self_scores, "Tự chấm điểm chỉ số CCHC",
        (
            UNIT,
            _c("year", "Năm", "int", "Năm đánh giá.", 2024),
            _c("criterion_id", "Mã tiêu chí", "code", "Mã tiêu chí, tiêu chí thành phần.", "1.1"),
            _c("score", "Điểm tự chấm", "float", "Điểm tự chấm (dấu phẩy hoặc chấm thập phân).",
               1.5),
            _c("evidence", "Tài liệu kiểm chứng", "text", "Tài liệu kiểm chứng.",
               "Kế hoạch số 05/KH-UBND"),
            _c("note", "Ghi chú", "text", "Ghi chú.", ""),
        ),
        key=("unit_code", "year", "criterion_id"),
    ),
)

SHEET_BY_NAME: dict[str, SheetSpec] = {s.name: s for s in SHEETS}
SHEET_BY_TABLE: dict[str, SheetSpec] = {s.table.name: s for s in SHEETS}
LOAD_ORDER: tuple[str, ...] = tuple(s.name for s in SHEETS)  # dependency order

# Helper sheets of our own workbooks, skipped without a notice.
INSTRUCTION_SHEET = "HuongDan"
LISTS_SHEET = "DanhSach"
HELPER_SHEETS = (INSTRUCTION_SHEET, LISTS_SHEET)

# Columns that `parbook quarantine --xlsx` adds for staff. Not loaded when the file comes back:
# "Lô nhập" and "Dòng gốc" say which quarantined row each row of the export fixes.
QUARANTINE_BATCH_HEADER = "Lô nhập"
QUARANTINE_ROW_HEADER = "Dòng gốc"
QUARANTINE_REASON_HEADER = "Lý do cách ly"

def sheet_for(name: str) -> SheetSpec | None:
    """The sheet whose canonical name (or table name) matches, ignoring case and spaces."""
    wanted = norm(name).replace(" ", "")
    for spec in SHEETS:
        if wanted in (spec.name.casefold(), spec.table.name):
            return spec
    return None


def is_helper_sheet(name: str) -> bool:
    wanted = norm(name).replace(" ", "")
    return wanted in {h.casefold() for h in HELPER_SHEETS}
