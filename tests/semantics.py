"""The 24 checks restated from prompts/check-semantics.md on the facts of parbook.facts and
parbook.registers — an independent oracle for tests (it does not use parbook.checks).

``rule_findings`` returns the (check_id, record_key) pairs that the check semantics flag for a
unit and window, reading the database exactly as the pipeline does (load_for_window).
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from parbook import db
from parbook.facts import build_facts, load_for_window
from parbook.forms import TOTAL, bieu06
from parbook.periods import Window
from parbook.registers import (
    feedback_facts,
    legal_document_facts,
    plan_task_facts,
    survey_facts,
)

CODE_RE = r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9]{2}-[0-9]{6}-[0-9]{4}$"
RATINGS = ["access", "procedure", "staff", "result", "feedback_handling", "overall"]


def _dossier_rules(f: pd.DataFrame, raw: pd.DataFrame, events: pd.DataFrame, now: pd.Timestamp
                   ) -> dict[str, pd.Series]:
    code = f["dossier_code"].astype(str)
    status = f["status"]
    future_events = events.loc[events["event_at"] > now, "dossier_code"]
    phone = raw["applicant_phone"].astype("string").str.strip()
    digits = phone.str.replace(r"[\s.\-]", "", regex=True).str.replace(r"^\+84", "0", regex=True)
    kept = ~f["withdrawn"]
    return {
        "HS01": ~code.str.match(CODE_RE)
        | (f["received_at"].notna() & (f["code_yymmdd"] != f["received_yymmdd"])),
        "HS02": f["procedure_code"].notna() & ~f["procedure_known"],
        "HS03": f[["received_at", "due_at", "procedure_code", "channel", "status"]].isna().any(axis=1),
        "HS04": (f["finished_at"] < f["received_at"]) | (f["returned_at"] < f["finished_at"])
        | (f["due_date"] < f["received_date"])
        | (f[["received_at", "finished_at", "returned_at"]] > now).any(axis=1)
        | f.index.isin(future_events),
        "HS05": (status.isin(["done", "rejected"]) & f["finished_at"].isna())
        | (status.isin(["processing", "supplementing", "paused"])
           & (f["finished_at"].notna() | f["returned_at"].notna()))
        | (f["returned_at"].notna() & ~status.isin(["done", "rejected"])),
        "HS06": pd.Series((phone.notna() & (phone != "")
                           & ~digits.str.fullmatch(r"0\d{9}").fillna(False)).to_numpy(), f.index),
        "HS07": kept & f["legal_due"].notna() & (f["due_date"] > f["legal_due"]),
        "HS08": kept & f["is_late"] & (f["apology_count"] == 0),
        "HS09": kept & f["apology_late"],
        "HS10": kept & (f["apology_count"] > 1),
        "HS11": kept & (f["supplement_request_count"] > 1),
        "HS12": kept & f["appraisal_request_late"],
        "HS13": kept & f["settled"] & (status == "rejected") & ~f["has_rejection_reason"],
        "HS14": kept & f["verification_unexpected"],
        "HS15": kept & f["returned_in_window"] & ~f["has_survey"],
    }


def rule_findings(url: str, unit_code: str, window: Window, now: datetime | None = None
                  ) -> pd.DataFrame:
    """check_id, record_key of every record the check semantics flag (sorted, unique)."""
    now_ts = pd.Timestamp(now or datetime.now())
    with db.engine(url).connect() as conn:
        data = load_for_window(conn, unit_code, window)
    f = build_facts(data, window)
    raw = data.dossiers.set_index("dossier_code", drop=False).loc[f.index]
    found: list[tuple[str, str]] = []

    def add(check: str, keys: pd.Index | pd.Series) -> None:
        found.extend((check, str(k)) for k in keys)

    for check, mask in _dossier_rules(f, raw, data.events, now_ts).items():
        add(check, f.index[mask.fillna(False).astype(bool)])
    fb = feedback_facts(data, window)
    add("PA01", fb.index[fb["in_scope"] & fb["overdue"]])
    add("PA02", fb.index[fb["resolved_at"] < fb["received_at"]])
    sv = survey_facts(data, window)
    add("KS01", sv.index[~sv["dossier_known"] | sv["dossier_returned_at"].isna()
                         | (sv["surveyed_at"] < sv["dossier_returned_at"])])
    ratings = sv[RATINGS].astype("Float64")
    add("KS02", sv.index[(ratings.notna() & ((ratings < 1) | (ratings > 5))).any(axis=1)])
    docs = legal_document_facts(data, window)
    add("VB01", docs.index[docs["needs_handling"] & ~docs["handled"]])
    add("VB02", docs.index[~docs["reviewed"]])
    tasks = plan_task_facts(data, window)
    add("NV01", tasks.index[~tasks["done"] | (tasks["done_date"] > tasks["due_date"])])
    add("NV02", tasks.index[tasks["done"] & ~tasks["has_evidence"]])
    form = bieu06(f)
    form = form[form["field"] != TOTAL]
    add("BM01", form.loc[form["received_total"] != form["settled_total"] + form["pending_total"],
                         "field"])
    return pd.DataFrame(sorted(set(found)), columns=["check_id", "record_key"])
