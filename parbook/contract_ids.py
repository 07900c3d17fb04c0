"""Identifiers fixed by DESIGN.md (contract): indicator ids (§7) and check ids (§6).

Configuration files (the plan, the PAR criteria) may only bind to these ids; their loaders
validate against the tuples below.
"""

from __future__ import annotations

INDICATOR_IDS: tuple[str, ...] = (
    "ontime_rate", "ontime_rate_766", "online_rate", "postal_rate", "apology_coverage",
    "multi_supplement_count", "verification_rate", "survey_coverage", "satisfaction_rate",
    "feedback_ontime_rate", "legal_docs_reviewed_rate", "legal_docs_handled_rate",
    "digitized_rate", "electronic_result_rate", "plan_task_ontime_rate", "tt01_total",
)
INDICATOR_SCOPES: tuple[str, ...] = ("period", "ytd")

CHECK_IDS: tuple[str, ...] = (
    *(f"HS{n:02d}" for n in range(1, 16)),
    "PA01", "PA02", "KS01", "KS02", "VB01", "VB02", "NV01", "NV02", "BM01",
)

# Short Vietnamese labels of the indicators, for tables and figures.
INDICATOR_LABELS_VI: dict[str, str] = {
    "ontime_rate": "Tỷ lệ hồ sơ giải quyết đúng hạn, trước hạn",
    "ontime_rate_766": "Tỷ lệ đúng hạn theo QĐ 766 (bổ sung quá 1 lần tính quá hạn)",
    "online_rate": "Tỷ lệ hồ sơ tiếp nhận trực tuyến",
    "postal_rate": "Tỷ lệ hồ sơ nhận hoặc trả qua BCCI",
    "apology_coverage": "Tỷ lệ hồ sơ trễ hạn có văn bản xin lỗi",
    "multi_supplement_count": "Số hồ sơ yêu cầu bổ sung quá 1 lần",
    "verification_rate": "Tỷ lệ hồ sơ chuyển xác minh",
    "survey_coverage": "Tỷ lệ hồ sơ đã trả kết quả có phiếu đánh giá",
    "satisfaction_rate": "Tỷ lệ đánh giá hài lòng (mức 4–5)",
    "feedback_ontime_rate": "Tỷ lệ PAKN xử lý trong 15 ngày làm việc",
    "legal_docs_reviewed_rate": "Tỷ lệ văn bản QPPL được rà soát",
    "legal_docs_handled_rate": "Tỷ lệ văn bản cần sửa đổi, bãi bỏ đã được xử lý",
    "digitized_rate": "Tỷ lệ hồ sơ được số hóa",
    "electronic_result_rate": "Tỷ lệ hồ sơ có kết quả điện tử",
    "plan_task_ontime_rate": "Tỷ lệ nhiệm vụ hoàn thành đúng hạn",
    "tt01_total": "Tổng điểm chất lượng giải quyết TTHC (TT 01/2018)",
}
# Indicators whose value is a count or points, not a rate.
NON_RATE_INDICATORS: frozenset[str] = frozenset({"multi_supplement_count", "tt01_total"})
SCOPE_LABELS_VI: dict[str, str] = {"period": "trong kỳ", "ytd": "lũy kế năm"}
