"""Stand-in of parbook.checks (TEST DOUBLE): a few checks of DESIGN.md §6 in plain pandas."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

from parbook.pipeline import FINDINGS_COLUMNS
from parbook.privacy import mask_name, mask_phone

CATALOGUE = [
    ("HS02", "dossier", "error", "Mã TTHC không có trong danh mục", "Unknown procedure", "TT 01/2018"),
    ("HS06", "dossier", "warning", "Số điện thoại không hợp lệ", "Invalid phone", "NĐ 61/2018"),
    ("HS08", "dossier", "violation", "Hồ sơ trễ hạn không có văn bản xin lỗi", "Late, no apology",
     "NĐ 61/2018 Điều 19.9"),
    ("PA01", "feedback", "violation", "PAKN xử lý quá 15 ngày làm việc", "PAKN late", "TT 01/2018"),
    ("KS02", "survey", "error", "Điểm đánh giá ngoài 1–5", "Rating outside 1-5", "QĐ 1001/QĐ-BNV"),
    ("VB01", "legal_document", "violation", "VBQPPL cần xử lý chưa xử lý", "Not handled", "KH 2024"),
    ("VB02", "legal_document", "violation", "VBQPPL chưa rà soát", "Not reviewed", "KH 2024"),
    ("NV01", "plan_task", "violation", "Nhiệm vụ quá hạn", "Task overdue", "KH 2024"),
    ("NV02", "plan_task", "warning", "Hoàn thành thiếu kiểm chứng", "No evidence", "KH 2024"),
]


def _phone_ok(phone: Any) -> bool:
    digits = re.sub(r"[\s.\-]", "", str(phone))
    digits = "0" + digits[3:] if digits.startswith("+84") else digits
    return bool(re.fullmatch(r"0\d{9}", digits))


def run_checks(analysis: Any, backend: str = "pandas", url: str | None = None, now: Any = None
               ) -> pd.DataFrame:
    f, raw = analysis.facts, analysis.data.dossiers.set_index("dossier_code")
    rows: list[tuple[str, str]] = []
    rows += [("HS02", k) for k in f.index[~f["procedure_known"] & f["procedure_code"].notna()]]
    phones = raw["applicant_phone"].reindex(f.index)
    rows += [("HS06", k) for k in f.index[phones.notna() & ~phones.map(_phone_ok)]]
    rows += [("HS08", k) for k in f.index[f["is_late"] & (f["apology_count"] == 0)]]
    fb = analysis.feedback
    rows += [("PA01", k) for k in fb.index[fb["in_scope"] & fb["overdue"]]]
    sv = analysis.surveys
    bad = sv[["access", "procedure", "staff", "result", "feedback_handling", "overall"]]
    rows += [("KS02", k) for k in sv.index[(bad.notna() & ((bad < 1) | (bad > 5))).any(axis=1)]]
    docs = analysis.legal_documents
    rows += [("VB01", k) for k in docs.index[docs["needs_handling"] & ~docs["handled"]]]
    rows += [("VB02", k) for k in docs.index[~docs["reviewed"]]]
    tasks = analysis.plan_tasks
    rows += [("NV01", k) for k in tasks.index[~tasks["done_on_time"]]]
    rows += [("NV02", k) for k in tasks.index[tasks["done"] & ~tasks["has_evidence"]]]
    meta = {c[0]: c for c in CATALOGUE}
    out = pd.DataFrame([{"check_id": c, "severity": meta[c][2], "entity": meta[c][1], "record_key": str(k),
                         "message": f"{meta[c][3]} ({k})"} for c, k in rows], columns=FINDINGS_COLUMNS)
    analysis.extras["standin.checks"] = True
    return out.sort_values(["check_id", "record_key"], ignore_index=True)


def check_catalogue() -> pd.DataFrame:
    return pd.DataFrame(CATALOGUE, columns=["id", "entity", "severity", "title_vi", "title_en", "basis"])


def findings_summary(findings: pd.DataFrame) -> pd.DataFrame:
    counts = findings.groupby("check_id").size()
    cat = check_catalogue().rename(columns={"id": "check_id"})
    cat["count"] = cat["check_id"].map(counts).fillna(0).astype("int64")
    return cat


def failing_records(analysis: Any, check_id: str) -> pd.DataFrame:
    found = analysis.findings[analysis.findings["check_id"] == check_id]
    out = pd.DataFrame({"record_key": found["record_key"].to_numpy()})
    if len(found) and found["entity"].iloc[0] == "dossier":
        raw = analysis.data.dossiers.set_index("dossier_code")
        out["applicant_name_masked"] = [mask_name(raw["applicant_name"].get(k)) for k in out["record_key"]]
        out["applicant_phone_masked"] = [mask_phone(raw["applicant_phone"].get(k)) for k in out["record_key"]]
    out["message"] = found["message"].to_numpy()
    return out


def write_gx_artifacts(analysis: Any, out_dir: Path | str) -> list[Path]:
    folder = Path(out_dir) / "gx" / "validations"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "standin.json"
    counts = analysis.findings.groupby("check_id").size().to_dict()
    path.write_text(json.dumps({"stand_in": True, "counts": counts}, sort_keys=True), encoding="utf-8")
    return [path]
