"""Vietnamese wording of the report: severities, channels, entities, table headers.

Indicator names and units are in data/reference/indicators.yaml (parbook.analysis.figures).
"""

from __future__ import annotations

import pandas as pd

from parbook.store.words import VALUE_LABELS

SEVERITY_LABELS = {"error": "Lỗi dữ liệu", "violation": "Vi phạm quy trình", "warning": "Cần xem lại"}
SEVERITY_ORDER = ("violation", "error", "warning")
CHANNEL_LABELS = {"direct": "Trực tiếp", "online": "Trực tuyến", "postal": "Bưu chính công ích",
                  "vneid": "VNeID"}
ENTITY_LABELS = {
    "dossier": "Hồ sơ TTHC", "feedback": "Phản ánh, kiến nghị", "survey": "Phiếu đánh giá",
    "legal_document": "Văn bản QPPL", "plan_task": "Nhiệm vụ kế hoạch", "form": "Biểu mẫu",
}
BIEU06_HEADERS = {
    "field": "Lĩnh vực",
    "received_total": "Tổng số",
    "received_online": "Trực tuyến",
    "received_direct_postal": "Trực tiếp, bưu chính",
    "carried_over": "Từ kỳ trước",
    "settled_total": "Tổng số",
    "early": "Trước hạn",
    "on_time": "Đúng hạn",
    "late": "Quá hạn",
    "pending_total": "Tổng số",
    "pending_within": "Trong hạn",
    "pending_overdue": "Quá hạn",
}
# The form's upper header row (Biểu 06/VPCP/KSTT): label and the number of columns it spans.
BIEU06_GROUPS = [("", 1), ("Số hồ sơ nhận giải quyết", 4), ("Số hồ sơ đã giải quyết", 4),
                 ("Số hồ sơ đang giải quyết", 3)]
BIEU06_TOTAL_LABEL = "Tổng cộng"
INDICATOR_HEADERS = {
    "indicator_id": "Mã chỉ số", "label": "Chỉ số", "scope": "Phạm vi", "numerator": "Tử số",
    "denominator": "Mẫu số", "value": "Giá trị", "target": "Mục tiêu", "met": "Đạt",
}
FINDING_HEADERS = {
    "check_id": "Mã kiểm tra", "severity": "Mức độ", "entity": "Đối tượng",
    "record_key": "Mã bản ghi", "message": "Nội dung",
}
MET_LABELS = {True: "Đạt", False: "Chưa đạt"}



# Vietnamese headers of columns that notebooks show (raw name kept for anything else).
COLUMN_LABELS: dict[str, str] = {
    **FINDING_HEADERS, **INDICATOR_HEADERS,
    "dossier_code": "Mã hồ sơ", "feedback_id": "Mã PAKN", "survey_id": "Mã phiếu",
    "document_id": "Số, ký hiệu", "task_id": "Mã nhiệm vụ", "procedure_code": "Mã TTHC",
    "procedure_name": "Tên TTHC", "field": "Lĩnh vực", "department": "Bộ phận", "handler": "Cán bộ xử lý",
    "applicant_name": "Người nộp (đã che)", "applicant_phone": "Số điện thoại (đã che)",
    "applicant_name_masked": "Người nộp (đã che)", "applicant_phone_masked": "Số điện thoại (đã che)",
    "channel": "Kênh", "status": "Trạng thái", "timeliness": "Tiến độ", "received_at": "Ngày tiếp nhận",
    "due_at": "Ngày hẹn trả", "finished_at": "Ngày có kết quả", "returned_at": "Ngày trả kết quả",
    "legal_due": "Hạn theo quy định", "apology_count": "Số lần xin lỗi",
    "supplement_request_count": "Số lần yêu cầu bổ sung", "subject": "Nội dung",
    "in_scope": "Thuộc thẩm quyền",
    "resolved_at": "Ngày xử lý xong", "limit_date": "Hạn xử lý", "overdue": "Quá hạn",
    "about_staff": "Về thái độ cán bộ", "satisfied": "Hài lòng", "title": "Nội dung",
    "title_vi": "Nội dung kiểm tra", "basis": "Căn cứ", "count": "Số trường hợp", "label_vi": "Chỉ số",
    "value_text": "Giá trị", "empty_reason": "Lý do chưa tính", "name_vi": "Tên", "name": "Tên",
    "group": "Nhóm", "score": "Điểm", "max": "Tối đa", "max_score": "Tối đa", "gap": "Còn thiếu",
    "evidence": "Tài liệu kiểm chứng", "due_date": "Hạn hoàn thành", "done_date": "Ngày hoàn thành",
    "n_ratings": "Số lượt đánh giá", "n_satisfied": "Số lượt hài lòng", "rate": "Tỷ lệ",
    "reliability": "Độ tin cậy", "section": "Bộ phận", "status_vi": "Tình trạng",
    "period": "Kỳ", "as_of": "Ngày chốt số liệu", "change": "Thay đổi so với kỳ trước",
    "run_id": "Mã lượt chạy", "element": "Yếu tố", "late": "Số hồ sơ trễ hạn",
    "without_apology": "Trễ hạn không xin lỗi", "repeated": "Trễ hạn từ 2 hồ sơ", "indicator": "Chỉ số",
    "level": "Cấp chấm", "n_dossiers": "Số hồ sơ", "included": "Được tính", "component": "Thành phần",
    "ratio": "Tỷ lệ", "threshold": "Ngưỡng điểm tối đa", "requirement_id": "Yêu cầu", "total": "Tổng",
    "band": "Xếp loại", "source": "Nguồn", "national_2023": "Cả nước 2023", "national_2024": "Cả nước 2024",
    "gap_2023": "Chênh lệch so với cả nước 2023", "computable": "Tính được", "reason": "Lý do",
    "group_name_vi": "Tên nhóm", "computed_max": "Tối đa của phần tính được", "max_total": "Tối đa",
    "unit": "Đơn vị tính", "class_label": "Xếp loại",
    # explaining columns of the checks (notebook 01)
    "access": "Tiếp cận dịch vụ", "procedure": "Thủ tục hành chính", "staff": "Công chức",
    "result": "Kết quả", "feedback_handling": "Tiếp nhận PAKN", "overall": "Tổng thể",
    "apology_deadline": "Hạn ban hành văn bản xin lỗi",
    "appraisal_request_limit": "Hạn yêu cầu bổ sung ở khâu thẩm định",
    "appraisal_supplement_request_count": "Số lần yêu cầu bổ sung ở khâu thẩm định",
    "received_total": "Tổng số nhận giải quyết", "received_online": "Tiếp nhận trực tuyến",
    "received_direct_postal": "Tiếp nhận trực tiếp, bưu chính", "carried_over": "Từ kỳ trước",
    "settled_total": "Đã giải quyết", "pending_total": "Đang giải quyết",
    "accounted_total": "Đã giải quyết + đang giải quyết",
    "clock_restarted": "Tính lại thời hạn sau bổ sung", "code_yymmdd": "Ngày trong mã hồ sơ",
    "received_yymmdd": "Ngày tiếp nhận (yymmdd)", "dossier_known": "Hồ sơ có trong CSDL",
    "dossier_returned_at": "Ngày trả kết quả của hồ sơ",
    "effective_receipt_day": "Ngày bắt đầu tính thời hạn", "finished_asof": "Ngày có kết quả (đến ngày chốt)",
    "finished_date": "Ngày có kết quả", "first_apology_at": "Xin lỗi lần đầu",
    "last_apology_at": "Xin lỗi lần cuối", "handled_at": "Ngày xử lý",
    "has_rejection_reason": "Có lý do từ chối", "has_survey": "Có phiếu đánh giá",
    "issued_at": "Ngày ban hành", "last_appraisal_request_date": "Ngày yêu cầu bổ sung (thẩm định)",
    "last_event_at": "Sự kiện gần nhất", "paused_workdays": "Số ngày làm việc tạm dừng",
    "rejection_event_count": "Số sự kiện từ chối", "resolved_date": "Ngày xử lý xong (đến ngày chốt)",
    "returned_date": "Ngày trả kết quả", "review_result": "Kết quả rà soát",
    "reviewed_at": "Ngày rà soát", "surveyed_at": "Ngày đánh giá",
    "verification_extra_applied": "Số ngày xác minh được cộng",
    "verification_extra_days": "Số ngày xác minh (danh mục)",
    "verification_transfer_count": "Số lần chuyển xác minh", "record_key": "Mã bản ghi",
    "severity_vi": "Loại", "check_id": "Mã kiểm tra", "on_faulty": "Trong đó trên bản ghi có lỗi dữ liệu",
    "numerator_vi": "Tử số là", "denominator_vi": "Mẫu số là", "function": "Hàm tính (parbook)",
    "in_numerator": "Tính vào tử số", "in_denominator": "Tính vào mẫu số", "target_text": "Mục tiêu",
    "month": "Tháng báo cáo", "cumulative_numerator": "Tử số lũy kế",
    "cumulative_denominator": "Mẫu số lũy kế", "cumulative_value": "Tỷ lệ lũy kế",
    "settled_late": "Đã giải quyết quá hạn", "pending_overdue": "Đang giải quyết quá hạn",
    "share": "Tỷ lệ", "invalid": "Không hợp lệ", "missing": "Bỏ trống",
    # self-assessment and plan inspection (notebook 04)
    "criterion_id": "Mã tiêu chí", "parent_id": "Thuộc tiêu chí", "level_name": "Loại",
    "section_code": "Mã bộ phận", "is_leaf": "Chấm trực tiếp", "flagged": "Cần lưu ý",
    "note": "Ghi chú", "requirements": "Yêu cầu của Kế hoạch", "plan_ref": "Mục của Kế hoạch",
    "requirement": "Nội dung yêu cầu", "sections": "Bộ phận thực hiện", "evaluation": "Cách đánh giá",
    "measure": "Căn cứ đánh giá", "status_code": "Mã trạng thái", "figure": "Số liệu",
    "next_due": "Hạn tiếp theo", "problem": "Vấn đề", "days_late": "Số ngày trễ",
}

def vietnamese_values(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose coded values (status, timeliness, channel…) read in Vietnamese."""
    out = frame.copy()
    for column, words in VALUE_LABELS.items():
        if column in out.columns:
            out[column] = out[column].map(lambda v, w=words: w.get(v, v) if isinstance(v, str) else v)
    return out


def column_label(name: str) -> str:
    """The Vietnamese header of a column (the raw name when none is known)."""
    return COLUMN_LABELS.get(name, name)


def severity_label(severity: str) -> str:
    """'violation' → 'Vi phạm quy trình' (unknown values unchanged)."""
    return SEVERITY_LABELS.get(severity, severity)
