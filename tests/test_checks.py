"""The 24 checks of DESIGN.md §6 on hand-made records at their boundaries (GX on pandas).

Every case names its records after the check (``HS07-late``), so the cases can also be merged
into one mixed data set (tests/test_checks_backends.py). Each test asserts the exact set of
record keys a check flags: the check fires on the records listed and on no other.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from parbook.analysis.forms import build_forms
from parbook.contract import FINDINGS_COLUMNS
from parbook.pipeline import Analysis, analyse_data
from parbook.plan.status import plan_status
from parbook.quality.catalogue import check_catalogue, load_catalogue
from parbook.quality.checks import failing_records, findings_summary, run_checks
from parbook.store.spreadsheet import write_csv
from parbook.timeline.periods import Window
from tests.builders import dossier, event, facts_of, findings_of, unit_data

PERIOD = "2024-Q3"          # nd09: 2024-06-15 … 2024-09-14, as-of 2024-09-14
NOW = datetime(2024, 9, 20, 8, 0)
REGISTERS = ("surveys", "feedback", "legal_documents", "plan_tasks")


def done(code: str, finished: str = "2024-07-02 10:00", due: str = "2024-07-03",
         status: str = "done", **kw: Any) -> dict[str, Any]:
    """A dossier received Mon 2024-07-01 09:00 (2 working days → legal due 2024-07-03), settled."""
    return dossier(code, due=due, finished=finished, status=status, **kw)


def survey(sid: str, code: str | None, at: str, **ratings: Any) -> dict[str, Any]:
    return {"survey_id": sid, "dossier_code": code, "surveyed_at": at, **ratings}


def feedback(fid: str, received: str, resolved: str | None, in_scope: bool = True
             ) -> dict[str, Any]:
    return {"feedback_id": fid, "unit_code": "TEST01", "received_at": received,
            "resolved_at": resolved, "in_scope": in_scope}


def document(did: str, issued: str = "2024-01-10", reviewed: str | None = None,
             result: str | None = None, handled: str | None = None) -> dict[str, Any]:
    return {"document_id": did, "unit_code": "TEST01", "issued_at": issued,
            "reviewed_at": reviewed, "review_result": result, "handled_at": handled}


def task(tid: str, due: str, done_date: str | None = None, evidence: str | None = "Biên bản"
         ) -> dict[str, Any]:
    return {"task_id": tid, "unit_code": "TEST01", "requirement_id": "R1", "due_date": due,
            "done_date": done_date, "evidence": evidence}


# check id → (records, the keys the check must flag). Defaults: period 2024-Q3, now = NOW.
CASES: dict[str, tuple[dict[str, list], set[str]]] = {
    "HS01": ({"dossiers": [
        dossier("000.17.22.H57-240701-0001"),                                     # fine
        dossier("000.17.22.H57-240702-0002"),                                     # date differs
        dossier("000.17.22.h57-240701-0003"),                                     # lower case
        dossier("000.17.22.H57-240701-004"),                                      # 3-digit number
        dossier("000.17.22.H57-240701-0005", received="2024-07-01 23:59:59"),     # same day
        dossier("000.17.22.H57-240630-0006", received=None),                      # no receipt: HS03
        done("HS01-withdrawn", status="withdrawn"),                               # withdrawn too
    ]}, {"000.17.22.H57-240702-0002", "000.17.22.h57-240701-0003", "000.17.22.H57-240701-004",
         "HS01-withdrawn"}),
    "HS02": ({"dossiers": [
        dossier("HS02-unknown", procedure="9.999999"),
        dossier("HS02-null", procedure=None),                                     # HS03, not HS02
        dossier("HS02-known", procedure="1.004873"),
        done("HS02-withdrawn", procedure="9.999999", status="withdrawn"),
    ]}, {"HS02-unknown", "HS02-withdrawn"}),
    "HS03": ({"dossiers": [
        dossier("HS03-received", received=None, due="2024-07-03"),
        dossier("HS03-due", due=None),
        dossier("HS03-procedure", procedure=None, due="2024-07-03"),
        dossier("HS03-channel", channel=None, due="2024-07-03"),
        dossier("HS03-status", status=None, due="2024-07-03"),
        dossier("HS03-complete", due="2024-07-03"),
        done("HS03-withdrawn", status="withdrawn", channel=None),
    ]}, {"HS03-received", "HS03-due", "HS03-procedure", "HS03-channel", "HS03-status",
         "HS03-withdrawn"}),
    "HS04": ({"dossiers": [
        done("HS04-finished-early", received="2024-07-01 15:00:01", finished="2024-07-01 15:00:00"),
        done("HS04-finished-same", received="2024-07-01 15:00:00", finished="2024-07-01 15:00:00"),
        done("HS04-returned-early", finished="2024-07-02 10:00:00", returned_at="2024-07-02 09:59:59"),
        dossier("HS04-due-early", received="2024-07-02 09:00", due="2024-07-01"),
        dossier("HS04-due-same-day", received="2024-07-02 09:00", due="2024-07-02"),
        done("HS04-future", finished="2024-09-20 08:00:01", due="2024-09-20"),
        done("HS04-now", finished="2024-09-20 08:00:00", due="2024-09-20"),
        dossier("HS04-event-future", due="2024-07-03"),
        dossier("HS04-event-now", due="2024-07-03"),
        done("HS04-withdrawn", status="withdrawn", received="2024-07-01 09:00",
             finished="2024-06-30 09:00"),
    ], "events": [
        event("HS04-event-future", "apology", "2024-09-20 08:00:01"),
        event("HS04-event-now", "apology", "2024-09-20 08:00:00"),
    ]}, {"HS04-finished-early", "HS04-returned-early", "HS04-due-early", "HS04-future",
         "HS04-event-future", "HS04-withdrawn"}),
    "HS05": ({"dossiers": [
        dossier("HS05-done-unfinished", due="2024-07-03", status="done"),
        done("HS05-done"),
        done("HS05-rejected-returned", status="rejected", returned_at="2024-07-02 11:00"),
        dossier("HS05-processing-finished", due="2024-07-03", finished="2024-07-02 10:00"),
        dossier("HS05-supplementing-returned", due="2024-07-03", status="supplementing",
                returned_at="2024-07-02 10:00"),
        dossier("HS05-paused", due="2024-07-03", status="paused"),
        done("HS05-withdrawn-returned", status="withdrawn", returned_at="2024-07-02 11:00"),
        done("HS05-withdrawn", status="withdrawn"),
        done("HS05-nostatus-returned", status=None, returned_at="2024-07-02 11:00"),
        done("HS05-finished-after-asof", finished="2024-09-16 10:00", due="2024-09-16"),
    ]}, {"HS05-done-unfinished", "HS05-processing-finished", "HS05-supplementing-returned",
         "HS05-withdrawn-returned", "HS05-nostatus-returned"}),
    "HS06": ({"dossiers": [
        dossier(f"HS06-{i}", due="2024-07-03", applicant_phone=phone)
        for i, phone in enumerate([
            "0912 345 678", "+84 912.345.678", "+84-912-345-678", " 0912-345-678 ",  # fine
            "091234567", "0912a45678", "84912345678", "(091) 2345678", "00912345678",  # bad
            "+840912345678", "", "   ", None,                                       # bad; blank
        ])
    ] + [done("HS06-withdrawn", status="withdrawn", applicant_phone="0912-345-67")]},
        {"HS06-4", "HS06-5", "HS06-6", "HS06-7", "HS06-8", "HS06-9", "HS06-withdrawn"}),
    "HS07": ({"dossiers": [
        dossier("HS07-legal", due="2024-07-03"),
        dossier("HS07-late", due="2024-07-04"),
        dossier("HS07-early", due="2024-07-02"),
        done("HS07-withdrawn", due="2024-07-04", status="withdrawn"),
        dossier("HS07-restart", received="2024-06-03 09:00", due="2024-06-11"),
        dossier("HS07-no-due", due=None),
    ], "events": [
        event("HS07-restart", "supplement_request", "2024-06-04 10:00", "appraisal"),
        event("HS07-restart", "supplement_received", "2024-06-07 16:00"),
    ]}, {"HS07-late"}),
    "HS08": ({"dossiers": [
        done("HS08-late", finished="2024-07-04 08:00"),
        done("HS08-late-apology", finished="2024-07-04 08:00"),
        done("HS08-on-time", finished="2024-07-03 17:00"),
        dossier("HS08-overdue", due="2024-09-13"),
        dossier("HS08-within", due="2024-09-14"),
        dossier("HS08-apology-after-asof", due="2024-09-13"),
        done("HS08-withdrawn", finished="2024-07-04 08:00", status="withdrawn"),
        done("HS08-finished-after-asof", finished="2024-09-16 08:00", due="2024-09-13"),
    ], "events": [
        event("HS08-late-apology", "apology", "2024-07-02 09:00"),
        event("HS08-apology-after-asof", "apology", "2024-09-15 09:00"),
    ]}, {"HS08-late", "HS08-overdue", "HS08-apology-after-asof", "HS08-finished-after-asof"}),
    "HS09": ({"dossiers": [
        dossier("HS09-day-before", due="2024-07-03"),
        dossier("HS09-due-day", due="2024-07-03"),
        dossier("HS09-friday", received="2024-07-03 09:00", due="2024-07-08"),
        dossier("HS09-saturday", received="2024-07-03 09:00", due="2024-07-08"),
        dossier("HS09-one-late", due="2024-07-03"),
        dossier("HS09-after-asof", received="2024-09-12 09:00", due="2024-09-16"),
    ], "events": [
        event("HS09-day-before", "apology", "2024-07-02 23:59"),
        event("HS09-due-day", "apology", "2024-07-03 08:00"),
        event("HS09-friday", "apology", "2024-07-05 16:00"),
        event("HS09-saturday", "apology", "2024-07-06 09:00"),
        event("HS09-one-late", "apology", "2024-07-01 10:00"),
        event("HS09-one-late", "apology", "2024-07-04 10:00"),
        event("HS09-after-asof", "apology", "2024-09-16 10:00"),
    ]}, {"HS09-due-day", "HS09-saturday", "HS09-one-late"}),
    "HS10": ({"dossiers": [
        dossier("HS10-two", due="2024-07-03"),
        dossier("HS10-one", due="2024-07-03"),
        dossier("HS10-second-after-asof", due="2024-07-03"),
    ], "events": [
        event("HS10-two", "apology", "2024-07-01 10:00"),
        event("HS10-two", "apology", "2024-07-02 10:00"),
        event("HS10-one", "apology", "2024-07-02 10:00"),
        event("HS10-second-after-asof", "apology", "2024-07-02 10:00"),
        event("HS10-second-after-asof", "apology", "2024-09-15 10:00"),
    ]}, {"HS10-two"}),
    "HS11": ({"dossiers": [
        dossier("HS11-two", due="2024-07-03"),
        dossier("HS11-one", due="2024-07-03"),
        dossier("HS11-second-after-asof", due="2024-07-03"),
    ], "events": [
        event("HS11-two", "supplement_request", "2024-07-01 10:00", "reception"),
        event("HS11-two", "supplement_request", "2024-07-02 10:00", "appraisal"),
        event("HS11-one", "supplement_request", "2024-07-01 10:00", "reception"),
        event("HS11-second-after-asof", "supplement_request", "2024-07-01 10:00", "reception"),
        event("HS11-second-after-asof", "supplement_request", "2024-09-15 10:00", "appraisal"),
    ]}, {"HS11-two"}),
    "HS12": ({"dossiers": [
        dossier("HS12-third-day", due="2024-07-03"),
        dossier("HS12-fourth-day", due="2024-07-03"),
        dossier("HS12-reception", due="2024-07-03"),
        dossier("HS12-saturday-ok", received="2024-07-06 10:00", due="2024-07-10"),
        dossier("HS12-saturday-late", received="2024-07-06 10:00", due="2024-07-10"),
    ], "events": [
        event("HS12-third-day", "supplement_request", "2024-07-04 17:00", "appraisal"),
        event("HS12-fourth-day", "supplement_request", "2024-07-05 08:00", "appraisal"),
        event("HS12-reception", "supplement_request", "2024-07-10 08:00", "reception"),
        event("HS12-saturday-ok", "supplement_request", "2024-07-11 16:00", "appraisal"),
        event("HS12-saturday-late", "supplement_request", "2024-07-12 08:00", "appraisal"),
    ]}, {"HS12-fourth-day", "HS12-saturday-late"}),
    "HS13": ({"dossiers": [
        done("HS13-reason", status="rejected"),
        done("HS13-blank", status="rejected"),
        done("HS13-note-only", status="rejected", note="Thiếu giấy tờ"),
        done("HS13-not-settled", status="rejected", finished="2024-09-16 10:00", due="2024-09-16"),
        done("HS13-event-after-asof", status="rejected"),
        done("HS13-done"),
        done("HS13-withdrawn", status="withdrawn"),
    ], "events": [
        event("HS13-reason", "rejection", "2024-07-02 10:00", reason="Thiếu giấy tờ"),
        event("HS13-blank", "rejection", "2024-07-02 10:00", reason="  "),
        event("HS13-event-after-asof", "rejection", "2024-09-15 10:00", reason="Thiếu giấy tờ"),
    ]}, {"HS13-blank", "HS13-note-only", "HS13-event-after-asof"}),
    "HS14": ({"dossiers": [
        dossier("HS14-no-step", due="2024-07-03"),
        dossier("HS14-with-step", procedure="1.001022", received="2024-07-01 09:00",
                due="2024-07-11"),
        dossier("HS14-unknown-procedure", procedure="9.999999", due="2024-07-03"),
        dossier("HS14-no-transfer", due="2024-07-03"),
        dossier("HS14-after-asof", due="2024-07-03"),
    ], "events": [
        event("HS14-no-step", "verification_transfer", "2024-07-02 10:00"),
        event("HS14-with-step", "verification_transfer", "2024-07-02 10:00"),
        event("HS14-unknown-procedure", "verification_transfer", "2024-07-02 10:00"),
        event("HS14-after-asof", "verification_transfer", "2024-09-15 10:00"),
    ]}, {"HS14-no-step"}),
    "HS15": ({"dossiers": [
        done("HS15-no-survey", returned_at="2024-07-02 14:00"),
        done("HS15-survey-on-asof", received="2024-09-11 09:00", finished="2024-09-12 10:00",
             due="2024-09-13", returned_at="2024-09-13 09:00"),
        done("HS15-survey-after-asof", received="2024-09-11 09:00", finished="2024-09-12 10:00",
             due="2024-09-13", returned_at="2024-09-13 09:00"),
        dossier("HS15-returned-before-window", received="2024-06-03 09:00", due="2024-06-05",
                returned_at="2024-06-10 09:00"),
        done("HS15-rejected", status="rejected", returned_at="2024-07-02 14:00"),
        done("HS15-returned-after-cut", received="2024-09-11 09:00", finished="2024-09-12 10:00",
             due="2024-09-13", returned_at="2024-09-15 09:00"),
        dossier("HS15-first-day", received="2024-06-10 09:00", due="2024-06-12",
                returned_at="2024-06-15 00:00"),
        done("HS15-withdrawn", status="withdrawn", returned_at="2024-07-02 14:00"),
        # settled before the window start, returned inside it: outside the window's scope, but
        # in the base of survey_coverage — HS15 looks at every dossier returned in the window
        done("HS15-settled-before", received="2024-06-10 09:00", finished="2024-06-12 10:00",
             due="2024-06-12", returned_at="2024-06-17 09:00"),
        done("HS15-settled-before-surveyed", received="2024-06-10 09:00",
             finished="2024-06-12 10:00", due="2024-06-12", returned_at="2024-06-17 09:00"),
        done("HS15-settled-and-returned-before", received="2024-06-10 09:00",
             finished="2024-06-12 10:00", due="2024-06-12", returned_at="2024-06-13 09:00"),
    ], "surveys": [
        survey("HS15-s1", "HS15-survey-on-asof", "2024-09-14 23:00", overall=5),
        survey("HS15-s2", "HS15-survey-after-asof", "2024-09-15 08:00", overall=5),
        survey("HS15-s3", "HS15-settled-before-surveyed", "2024-06-17 10:00", overall=5),
    ]}, {"HS15-no-survey", "HS15-survey-after-asof", "HS15-rejected", "HS15-first-day",
         "HS15-settled-before"}),
    "PA01": ({"feedback": [
        feedback("PA01-on-limit", "2024-07-01 09:00", "2024-07-22 16:00"),
        feedback("PA01-late", "2024-07-01 09:00", "2024-07-23 08:00"),
        feedback("PA01-open", "2024-07-01 09:00", None),
        feedback("PA01-out-of-scope", "2024-07-01 09:00", None, in_scope=False),
        feedback("PA01-resolved-after-asof", "2024-07-01 09:00", "2024-09-16 08:00"),
        feedback("PA01-limit-after-asof", "2024-09-02 09:00", None),
    ]}, {"PA01-late", "PA01-open", "PA01-resolved-after-asof"}),
    "PA02": ({"feedback": [
        feedback("PA02-before", "2024-07-01 15:00:01", "2024-07-01 15:00:00"),
        feedback("PA02-same", "2024-07-01 15:00:00", "2024-07-01 15:00:00"),
        feedback("PA02-out-of-scope", "2024-07-02 09:00", "2024-07-01 09:00", in_scope=False),
    ]}, {"PA02-before", "PA02-out-of-scope"}),
    "KS01": ({"dossiers": [
        done("KS01-dossier", returned_at="2024-07-02 15:00:01"),
        dossier("KS01-unreturned", due="2024-07-03"),
    ], "surveys": [
        survey("KS01-before-return", "KS01-dossier", "2024-07-02 15:00:00"),
        survey("KS01-at-return", "KS01-dossier", "2024-07-02 15:00:01"),
        survey("KS01-unknown", "KS01-nope", "2024-07-03 09:00"),
        survey("KS01-not-returned", "KS01-unreturned", "2024-07-03 09:00"),
        survey("KS01-no-code", None, "2024-07-03 09:00"),
        survey("KS01-outside-window", "KS01-nope", "2024-06-14 09:00"),
    ]}, {"KS01-before-return", "KS01-unknown", "KS01-not-returned", "KS01-no-code"}),
    "KS02": ({"dossiers": [done("KS02-dossier", returned_at="2024-07-02 14:00")], "surveys": [
        survey("KS02-zero", "KS02-dossier", "2024-07-03 09:00", access=0),
        survey("KS02-six", "KS02-dossier", "2024-07-03 09:00", overall=6),
        survey("KS02-bounds", "KS02-dossier", "2024-07-03 09:00", access=1, procedure=5, staff=1,
               result=5, feedback_handling=1, overall=5),
        survey("KS02-empty", "KS02-dossier", "2024-07-03 09:00"),
    ]}, {"KS02-zero", "KS02-six"}),
    "VB01": ({"legal_documents": [
        document("VB01-open", reviewed="2024-03-01", result="amend"),
        document("VB01-handled-on-asof", reviewed="2024-03-01", result="repeal",
                 handled="2024-09-14"),
        document("VB01-handled-after-asof", reviewed="2024-03-01", result="amend",
                 handled="2024-09-15"),
        document("VB01-valid", reviewed="2024-03-01", result="valid"),
        document("VB01-reviewed-after-asof", reviewed="2024-09-15", result="repeal"),
    ]}, {"VB01-open", "VB01-handled-after-asof"}),
    "VB02": ({"legal_documents": [
        document("VB02-never"),
        document("VB02-on-asof", reviewed="2024-09-14", result="valid"),
        document("VB02-after-asof", reviewed="2024-09-15", result="valid"),
        document("VB02-issued-after-asof", issued="2024-09-15"),
    ]}, {"VB02-never", "VB02-after-asof"}),
    "NV01": ({"plan_tasks": [
        task("NV01-open", "2024-08-01"),
        task("NV01-late", "2024-08-01", "2024-08-02"),
        task("NV01-on-due", "2024-08-01", "2024-08-01"),
        task("NV01-due-after-asof", "2024-09-15"),
        task("NV01-done-after-asof", "2024-08-01", "2024-09-16"),
        task("NV01-old-done", "2023-11-01", "2023-11-01"),
        task("NV01-old-open", "2023-11-01"),
        task("NV01-due-on-asof", "2024-09-14", "2024-09-14"),
        task("NV01-done-early-due-later", "2024-12-14", "2024-08-20", evidence=None),   # NV02 only
    ]}, {"NV01-open", "NV01-late", "NV01-done-after-asof", "NV01-old-open"}),
    "NV02": ({"plan_tasks": [
        task("NV02-none", "2024-08-01", "2024-08-01", evidence=None),
        task("NV02-empty", "2024-08-01", "2024-08-01", evidence=""),
        task("NV02-blank", "2024-08-01", "2024-08-01", evidence="  "),
        task("NV02-evidence", "2024-08-01", "2024-08-01", evidence="Báo cáo số 12/BC-UBND"),
        task("NV02-not-done", "2024-08-01", None, evidence=None),
        task("NV02-done-after-asof", "2024-08-01", "2024-09-16", evidence=None),
        # done within the year to date whatever the due date: a task finished early still
        # needs its evidence (DESIGN.md §6, amended)
        task("NV02-done-early-due-later", "2024-12-14", "2024-08-20", evidence=None),
        task("NV02-done-early-with-evidence", "2024-12-14", "2024-08-20", evidence="Biên bản"),
        task("NV02-done-before-ytd-due-later", "2024-12-14", "2023-12-01", evidence=None),
        task("NV02-due-later-done-after-asof", "2024-12-14", "2024-09-20", evidence=None),
    ]}, {"NV02-none", "NV02-empty", "NV02-blank", "NV02-done-early-due-later"}),
    "BM01": ({"dossiers": [
        dossier("BM01-clean", procedure="1.004873", due="2024-07-04"),            # Hộ tịch
        dossier("BM01-no-receipt", received=None, due="2024-09-20"),              # Chứng thực
        dossier("BM01-no-due", procedure="9.999999", due=None),                   # Không xác định
        dossier("BM01-cu-tru", procedure="1.004222", channel=None, due="2024-07-10"),  # Cư trú
    ]}, {"Chứng thực", "Không xác định", "Cư trú (Công an xã)"}),
}


def data_of(records: dict[str, list]) -> Any:
    return unit_data(records.get("dossiers", []), records.get("events"),
                     **{k: records.get(k) for k in REGISTERS})


def analysis_of(records: dict[str, list], as_of: str | None = None) -> Analysis:
    return analyse_data(data_of(records), Window.parse(PERIOD, as_of=as_of), now=NOW)


def run(records: dict[str, list], as_of: str | None = None, now: datetime = NOW,
        **kw: Any) -> pd.DataFrame:
    return findings_of(data_of(records), Window.parse(PERIOD, as_of=as_of), now=now, **kw).frame


def _facts(records: dict[str, list]) -> pd.DataFrame:
    return facts_of(data_of(records), Window.parse(PERIOD)).period.dossiers


def _failing(analysis: Analysis) -> tuple:
    return analysis.findings.frame, analysis.facts, analysis.forms.bieu06


def flagged(findings: pd.DataFrame, check_id: str) -> set[str]:
    return set(findings.loc[findings["check_id"] == check_id, "record_key"])


def record_keys(records: dict[str, list]) -> set[str]:
    """The keys of every record of a case."""
    key_of = {"dossiers": "dossier_code", "surveys": "survey_id", "feedback": "feedback_id",
              "legal_documents": "document_id", "plan_tasks": "task_id"}
    return {row[key_of[kind]] for kind, rows in records.items() if kind in key_of for row in rows}


NAMES = ("Nguyễn Thị Hồng Nhung", "Trần Văn Quyết", "Lê Minh Khôi")
ADDRESS = "12 Lê Lợi, phường Vĩnh Ninh, Huế"
PHONE = "0987 654 321"


def mixed_records() -> dict[str, list]:
    """Every case of every check in one data set (record keys are unique across cases), with
    names, phones and addresses."""
    merged: dict[str, list] = {}
    for records, _ in CASES.values():
        for kind, rows in records.items():
            merged.setdefault(kind, []).extend(rows)
    merged["dossiers"] = [
        {**d, "applicant_name": NAMES[i % len(NAMES)], "applicant_address": ADDRESS,
         "applicant_phone": d.get("applicant_phone", PHONE)}
        for i, d in enumerate(merged["dossiers"])]
    return merged


# Biểu 06 rows aggregate the dossiers of a field: BM01's case is judged on its own data set
AGGREGATE_CHECKS = {"BM01"}


@pytest.fixture(scope="module")
def all_findings() -> pd.DataFrame:
    """The checks run once on every case together (one GX validation for the module)."""
    return run(mixed_records())


@pytest.mark.parametrize("check_id", sorted(CASES))
def test_check_fires_exactly_on_its_cases(check_id: str, all_findings: pd.DataFrame) -> None:
    # a record is judged on its own: among its case's records, the check flags exactly these
    records, expected = CASES[check_id]
    if check_id in AGGREGATE_CHECKS:
        assert flagged(run(records), check_id) == expected
    else:
        assert flagged(all_findings, check_id) & record_keys(records) == expected


def test_mixed_findings_are_complete_and_unique(all_findings: pd.DataFrame) -> None:
    assert list(all_findings.columns) == FINDINGS_COLUMNS
    assert set(all_findings["check_id"]) == set(check_catalogue()["id"])
    assert not all_findings.duplicated(["check_id", "record_key"]).any()


@pytest.mark.e2e
@pytest.mark.parametrize("check_id", sorted(CASES))
def test_check_fires_exactly_on_its_cases_alone(check_id: str) -> None:
    # each case as its own data set: the check fires on its listed records and on no other
    records, expected = CASES[check_id]
    findings = run(records)
    assert flagged(findings, check_id) == expected
    assert list(findings.columns) == FINDINGS_COLUMNS
    assert not findings.duplicated(["check_id", "record_key"]).any()


def test_every_check_has_cases() -> None:
    assert set(CASES) == set(check_catalogue()["id"])


def test_hs04_compares_with_the_moment_of_the_check() -> None:
    records = {"dossiers": [dossier(f"HS04-{h}", due="2024-07-03") for h in ("a", "b")],
               "events": [event("HS04-a", "apology", "2024-09-05 10:00"),
                          event("HS04-b", "apology", "2024-09-11 10:00")]}
    now = datetime(2024, 9, 10, 12, 0)
    # an event after the as-of date but before now is normal data; one after now is not
    assert flagged(run(records, as_of="2024-08-31", now=now), "HS04") == {"HS04-b"}
    assert flagged(run(records, as_of="2024-08-31", now=datetime(2024, 9, 12)), "HS04") == set()


def test_pa01_limit_against_the_as_of_date() -> None:
    records = {"feedback": [feedback("PA01-open", "2024-07-01 09:00", None)]}
    assert flagged(run(records, as_of="2024-07-22"), "PA01") == set()       # the 15th working day
    assert flagged(run(records, as_of="2024-07-23"), "PA01") == {"PA01-open"}


def test_clean_dossier_has_no_findings() -> None:
    code = "000.17.22.H57-240701-0001"
    records = {
        "dossiers": [done(code, returned_at="2024-07-02 14:00", applicant_phone="0912345678"),
                     dossier("000.17.22.H57-240912-0001", received="2024-09-12 09:00",
                             due="2024-09-16", channel="online")],                # pending within
        "surveys": [survey("S1", code, "2024-07-02 15:00", access=5, procedure=4, staff=5,
                           result=5, feedback_handling=4, overall=5)],
        "feedback": [feedback("F1", "2024-07-01 09:00", "2024-07-05 09:00")],
        "legal_documents": [document("D1", reviewed="2024-03-01", result="valid")],
        "plan_tasks": [task("T1", "2024-08-01", "2024-07-30")],
    }
    findings = run(records)
    assert findings.empty, findings.to_string()


def test_messages_are_vietnamese_and_explain_the_failure() -> None:
    records, _ = CASES["HS09"]
    findings = run(records).set_index(["check_id", "record_key"])
    message = findings.loc[("HS09", "HS09-due-day"), "message"]
    assert message == ("Hồ sơ HS09-due-day: phiếu xin lỗi ngày 03/07/2024 muộn hơn hạn 02/07/2024 "
                       "(hẹn trả 03/07/2024).")
    records, _ = CASES["HS04"]
    findings = run(records).set_index(["check_id", "record_key"])
    assert findings.loc[("HS04", "HS04-finished-early"), "message"] == (
        "Hồ sơ HS04-finished-early: ngày có kết quả 01/07/2024 15:00:00 trước ngày tiếp nhận "
        "01/07/2024 15:00:01.")
    assert findings.loc[("HS04", "HS04-withdrawn"), "severity"] == "error"


def test_findings_are_sorted_and_complete_beyond_twenty() -> None:
    rows = [dossier(f"HS03-{i:03d}", due=None) for i in range(45)]
    findings = run({"dossiers": rows})
    assert flagged(findings, "HS03") == {f"HS03-{i:03d}" for i in range(45)}
    ordered = findings.sort_values(["check_id", "record_key"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(findings, ordered)


def test_empty_unit_runs_clean() -> None:
    findings = run({})
    assert findings.empty and list(findings.columns) == FINDINGS_COLUMNS


def test_summary_and_failing_records() -> None:
    records, _ = CASES["HS08"]
    records = {**records, "dossiers": [
        {**d, "applicant_name": "Trần Thị Bích Ngọc", "applicant_phone": "0987 654 321"}
        for d in records["dossiers"]]}
    analysis = analysis_of(records)
    summary = findings_summary(analysis.findings.frame).set_index("check_id")
    assert len(summary) == 24 and summary.loc["HS08", "count"] == 4
    assert summary.loc["HS11", "count"] == 0 and summary.loc["HS08", "severity"] == "violation"
    table = failing_records(*_failing(analysis), "HS08")
    assert set(table["dossier_code"]) == CASES["HS08"][1]
    assert set(table["applicant_name_masked"]) == {"Trần T. B. N."}
    assert set(table["applicant_phone_masked"]) == {"09xx xxx 321"}
    assert {"timeliness", "due_date", "apology_count", "message"} <= set(table.columns)
    assert "0987 654 321" not in table.to_string() and "Bích Ngọc" not in table.to_string()


def test_catalogue_matches_the_contract() -> None:
    table = check_catalogue()
    contract = {
        "HS01": ("dossier", "warning"), "HS02": ("dossier", "error"), "HS03": ("dossier", "error"),
        "HS04": ("dossier", "error"), "HS05": ("dossier", "error"), "HS06": ("dossier", "warning"),
        **{f"HS{i:02d}": ("dossier", "violation") for i in range(7, 14)},
        "HS14": ("dossier", "warning"), "HS15": ("dossier", "warning"),
        "PA01": ("feedback", "violation"), "PA02": ("feedback", "error"),
        "KS01": ("survey", "error"), "KS02": ("survey", "error"),
        "VB01": ("legal_document", "violation"), "VB02": ("legal_document", "violation"),
        "NV01": ("plan_task", "violation"), "NV02": ("plan_task", "warning"),
        "BM01": ("form", "error"),
    }
    assert {r.id: (r.entity, r.severity) for r in table.itertuples()} == contract
    assert table[["title_vi", "title_en", "basis"]].ne("").all().all()
    for spec in load_catalogue():
        for check in spec.checks:
            assert check.rules, check.id
            assert all(r.type.startswith("expect_") for r in check.rules)


def test_surveys_of_a_unit_without_dossiers() -> None:
    records = {"surveys": [survey("KS01-alone", "NOPE", "2024-07-03 09:00", overall=5)]}
    assert flagged(run(records), "KS01") == {"KS01-alone"}


def test_failing_records_of_a_register() -> None:
    records, expected = CASES["KS02"]
    analysis = analysis_of(records)
    table = failing_records(*_failing(analysis), "KS02")
    assert set(table["survey_id"]) == expected
    assert table.set_index("survey_id").loc["KS02-six", "overall"] == 6
    assert table.set_index("survey_id").loc["KS02-zero", "message"] == \
        "Phiếu KS02-zero: tiếp cận dịch vụ = 0."
    assert "applicant_phone_masked" not in table.columns


def test_catalogue_rejects_personal_data_in_messages(tmp_path) -> None:
    from parbook.quality.catalogue import CatalogueError, compile_condition, load_entity

    text = (Path(__file__).resolve().parent.parent / "checks" / "dossier.yaml").read_text("utf-8")
    bad = tmp_path / "dossier.yaml"
    bad.write_text(text.replace("Hồ sơ {record_key}: {reasons}.", "Hồ sơ {applicant_name}.", 1),
                   encoding="utf-8")
    with pytest.raises(CatalogueError, match="cá nhân"):
        load_entity(bad)
    with pytest.raises(CatalogueError):
        compile_condition(["status", "LIKE", "x"])
    assert compile_condition({"any": [["status", "NOT_IN", ["done"]], ["status", "IS_NULL"]]}) == {
        "type": "or", "conditions": [
            {"type": "comparison", "column": {"name": "status"}, "operator": "NOT_IN",
             "parameter": ["done"]},
            {"type": "nullity", "column": {"name": "status"}, "is_null": True}]}


@pytest.mark.parametrize("old,new,where,expected", [
    ("    explain: [received_at, code_yymmdd, received_yymmdd]\n",
     "    explain: [received_at, code_yymmdd, received_yymmdd]\n    explian: [status]\n",
     "checks[1].explian", "khóa không hợp lệ (unknown key), gặp ['status']"),
    ("severity: warning", "severity: warn", "checks[1].severity",
     "giá trị không được phép (not an allowed value): 'error', 'violation' or 'warning', "
     "gặp 'warn'"),
    ("    title_en: Dossier code malformed or its date differs from the receipt date\n", "",
     "checks[1].title_en", "thiếu mục bắt buộc (required, missing)"),
    ('when: [[withdrawn, "==", false]', 'when: [[withdrawn, "LIKE", false]',
     "checks[8].expectations[1].when", "Toán tử không hợp lệ (invalid operator): "
     "['withdrawn', 'LIKE', False]"),
    ('scope: [in_scope, "==", true]', 'scope: [applicant_name, "==", true]', "scope",
     "cột cá nhân ['applicant_name'] (personal columns)"),
    ("Hồ sơ {record_key}: {reasons}.", "Hồ sơ {applicant_name}.", "checks[1]",
     "HS01: thông điệp không được chứa dữ liệu cá nhân (no personal data in messages)"),
])
def test_catalogue_errors_name_file_place_and_expectation(tmp_path, old, new, where,
                                                          expected) -> None:
    from parbook.quality.catalogue import CatalogueError, load_entity

    text = (Path(__file__).resolve().parent.parent / "checks" / "dossier.yaml").read_text("utf-8")
    assert old in text
    bad = tmp_path / "dossier.yaml"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CatalogueError) as err:
        load_entity(bad)
    message = str(err.value)
    assert message.startswith("dossier.yaml có lỗi (configuration errors):")
    assert f"- {where}: {expected}" in message


def test_check_scope_replaces_the_file_scope() -> None:
    from parbook.quality.catalogue import get_check

    in_scope, returned = ["in_scope", "==", True], ["returned_in_window", "==", True]
    assert get_check("HS01").scope == in_scope and get_check("HS01").rules[0].when == in_scope
    assert get_check("HS15").scope == returned
    assert get_check("HS15").rules[0].when == {"all": [returned, ["withdrawn", "==", False]]}
    assert get_check("PA01").scope is None


def test_facts_columns_the_checks_add() -> None:
    """facts.py: last_apology_date (HS09), last_appraisal_request_date (HS12), last_event_at (HS04)."""
    f = _facts(CASES["HS12"][0])
    assert f.loc["HS12-fourth-day", "last_appraisal_request_date"] == pd.Timestamp("2024-07-05")
    assert pd.isna(f.loc["HS12-reception", "last_appraisal_request_date"])
    f = _facts(CASES["HS09"][0])
    assert f.loc["HS09-one-late", "last_apology_date"] == pd.Timestamp("2024-07-04")
    assert pd.isna(f.loc["HS09-after-asof", "last_apology_date"])        # not yet happened
    f = _facts(CASES["HS04"][0])
    assert f.loc["HS04-event-future", "last_event_at"] == pd.Timestamp("2024-09-20 08:00:01")
    assert f.loc["HS04-event-future", "apology_count"] == 0                 # after the as-of date
    assert pd.isna(f.loc["HS04-due-early", "last_event_at"])


def test_a_check_gx_cannot_evaluate_stops_the_run() -> None:
    """DESIGN.md §10: text dates make GX comparisons fail with the error only in
    exception_info; run_checks raises instead of reporting no findings."""
    from parbook.quality.checks import CheckRunError

    facts = facts_of(data_of(CASES["HS04"][0]), Window.parse(PERIOD))
    facts.period.dossiers["finished_at"] = facts.period.dossiers["finished_at"].astype(str)
    with pytest.raises(CheckRunError, match="HS04"):
        run_checks(facts, build_forms(facts.period).bieu06, now=NOW)


def test_messages_formatted_when_read_in_pieces_equal_the_whole(tmp_path: Path) -> None:
    # the messages wait for their reader: pieces of any size, one check's only, the CSV
    # written in pieces — each the same as the whole frame's
    findings = findings_of(data_of(mixed_records()), Window.parse(PERIOD), now=NOW)
    assert "frame" not in findings.__dict__          # nothing formatted by the run itself
    pieces = list(findings.chunks(size=3))
    assert max(len(p) for p in pieces) == 3 and "frame" not in findings.__dict__
    some = findings.frame_of(["HS07", "NV01"])
    whole = findings.frame
    pd.testing.assert_frame_equal(pd.concat(pieces), whole)
    pd.testing.assert_frame_equal(findings.records.astype(object), whole.drop(columns="message"))
    shown = whole["check_id"].isin(["HS07", "NV01"])
    assert shown.any() and (~shown).any()
    pd.testing.assert_series_equal(some["message"][shown], whole["message"][shown])
    assert some["message"][~shown].isna().all()
    pd.testing.assert_frame_equal(some.drop(columns="message"), whole.drop(columns="message"))
    write_csv(findings.chunks(size=5), tmp_path / "pieces.csv")
    write_csv(whole, tmp_path / "whole.csv")
    assert (tmp_path / "pieces.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    # once formatted, the pieces and a check's messages are read from the frame
    pd.testing.assert_frame_equal(pd.concat(findings.chunks(size=4)), whole)
    pd.testing.assert_frame_equal(findings.frame_of(["HS07", "NV01"]), some)


def test_plan_reads_only_the_duty_checks_messages() -> None:
    analysis = analysis_of(mixed_records())
    full = plan_status(analysis.facts, analysis.indicators.frame, analysis.findings.frame)
    assert len(full.duties) and full.inspection["status"].nunique() > 1
    pd.testing.assert_frame_equal(analysis.plan.inspection, full.inspection)
    pd.testing.assert_frame_equal(analysis.plan.duties, full.duties)
