"""Names fixed by DESIGN.md (contract): check ids (§6), indicator ids (§7), output columns (§8).

Configuration files (the plan, the PAR criteria) may only bind to these ids, and every stage
writes its outputs with these columns.
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

FINDING_COLUMNS = ["check_id", "severity", "entity", "record_key", "message"]
"""A finding as the workbook's sheet Phát hiện shows it (the columns of 2024)."""
FINDINGS_COLUMNS = [*FINDING_COLUMNS, "regime"]
"""findings.csv: each finding and the legal regime of its record, last (DESIGN.md §12)."""
INDICATOR_COLUMNS = ["indicator_id", "scope", "numerator", "denominator", "value", "target", "met"]
BIEU06_COLUMNS = [
    "field", "received_total", "received_online", "received_direct_postal", "carried_over",
    "settled_total", "early", "on_time", "late", "pending_total", "pending_within",
    "pending_overdue",
]
# Status codes beside Biểu 06 (outside every rate): withdrawn by the applicant, and stopped at
# the applicant's request (NĐ 118/2025 Điều 21, TT 03/2025 Mẫu số 05) — which is required a date.
WITHDRAWN_STATUSES = ("withdrawn", "stopped")
CLOSED_STATUSES = ("done", "rejected", *WITHDRAWN_STATUSES)
# Channels counted as online everywhere: the portal, and VNeID (NĐ 367/2025/NĐ-CP).
ONLINE_CHANNELS = ("online", "vneid")
TOTAL = "TOTAL"          # the last row of bieu06.csv
