"""The Vietnamese words of the coded values parbook stores (status, timeliness, channel…).

One table for every place that shows a code to a reader: finding messages, auditors' tables,
the workbook. (The import vocabularies — which words a commune's export may use — are the
intake's: parbook.intake.vocab.)
"""

from __future__ import annotations

# column → code → word
VALUE_LABELS: dict[str, dict[str, str]] = {
    "status": {"processing": "đang xử lý", "supplementing": "chờ bổ sung", "paused": "tạm dừng",
               "done": "đã giải quyết", "rejected": "từ chối", "withdrawn": "rút hồ sơ",
               "stopped": "dừng giải quyết"},
    "timeliness": {"early": "trước hạn", "on_time": "đúng hạn", "late": "quá hạn",
                   "pending_within": "đang giải quyết trong hạn",
                   "pending_overdue": "đang giải quyết quá hạn", "withdrawn": "rút hồ sơ",
                   "stopped": "dừng giải quyết"},
    "channel": {"direct": "trực tiếp", "online": "trực tuyến", "postal": "bưu chính công ích",
                "vneid": "VNeID"},
    "result_delivery": {"counter": "tại Bộ phận Một cửa", "postal": "bưu chính công ích",
                        "online": "trực tuyến"},
    "review_result": {"valid": "còn hiệu lực", "amend": "cần sửa đổi", "repeal": "cần bãi bỏ"},
    "severity": {"error": "lỗi dữ liệu", "violation": "vi phạm quy trình", "warning": "cần xem lại"},
    "element": {"access": "Tiếp cận dịch vụ", "procedure": "Thủ tục hành chính", "staff": "Công chức",
                "result": "Kết quả", "feedback_handling": "Tiếp nhận, xử lý PAKN",
                "overall": "Đánh giá tổng thể"},
    "entity": {"dossier": "hồ sơ TTHC", "feedback": "PAKN", "survey": "phiếu đánh giá",
               "legal_document": "văn bản QPPL", "plan_task": "nhiệm vụ kế hoạch", "form": "biểu mẫu"},
}


