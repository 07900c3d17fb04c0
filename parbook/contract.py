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

