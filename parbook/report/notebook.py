"""What the notebooks call: load the analysis once per kernel, show prose, tables and charts.

Every notebook starts with::

    from parbook.report import notebook as nb
    analysis = nb.load(unit, period, window, as_of)
    nb.show_provenance(analysis, manifest)

``load`` validates the parameters (unit code, period, window, as-of date) and runs
``parbook.pipeline.analyse`` once per kernel for a given set of parameters: when ``parbook
report`` runs the five notebooks in one kernel, the data is read and checked once and the other
notebooks reuse it. The database comes from the environment (PARBOOK_DB), never a parameter.
``show_provenance`` records, as the notebook's first output, which database and which data
(their fingerprint) the notebook read, and warns when the parameters differ from a manifest the
run is compared with.

Display helpers escape every text and mask personal data (parbook.report.tables). Nothing is
written anywhere unless the caller asks (``export_outputs`` with an export folder).
"""

from __future__ import annotations

import base64
import json
import pickle
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from parbook import vnformat
from parbook.analysis.definitions import definitions
from parbook.analysis.derivation import derivation_table
from parbook.analysis.figures import format_value
from parbook.analysis.indicators import indicator_breakdown
from parbook.analysis.trends import store_indicator_run
from parbook.analysis.tt01 import personnel_in_reports as tt01_personnel_in_reports
from parbook.heap import freeze_imported
from parbook.pipeline import Analysis, analyse
from parbook.quality.checks import failing_records as quality_failing_records
from parbook.quality.checks import write_gx_artifacts
from parbook.report import plots
from parbook.report.files import write_check_outputs
from parbook.report.labels import column_label, vietnamese_values
from parbook.report.manifest import RUN_INFO, data_fingerprint, database_label, read_manifest
from parbook.report.narrative import on_faulty_records
from parbook.report.notes import ReportNotes, read_notes
from parbook.report.page import ReportHeader, report_header
from parbook.report.tables import Block, html_list, html_paragraphs, html_prose, html_table
from parbook.report.templating import render
from parbook.report.workbook import PERSONNEL_FILE, write_forms_xlsx, write_personnel_xlsx
from parbook.store import db
from parbook.store.config import TIMEZONE, db_url
from parbook.store.params import validate_unit_code
from parbook.timeline.periods import Window, parse_date

# Columns never shown by default (the address is personal data; the others are internal).
_HIDDEN = frozenset({"applicant_address", "batch_id"})
_CACHE: dict[tuple[str, Window, str], Analysis] = {}


def window_of(period: str, window: str = "nd09", as_of: str | None = None) -> Window:
    """The validated window of notebook parameters (an empty as_of means the window end)."""
    return Window.parse(period, window, as_of or None)


def _key(unit: str, period: str, window: str, as_of: str | None, url: str | None
         ) -> tuple[str, Window, str]:
    validate_unit_code(unit)
    return unit, window_of(period, window, as_of), db_url(url)


def load(unit: str, period: str, window: str = "nd09", as_of: str | None = None,
         url: str | None = None) -> Analysis:
    """The analysis of the parameters, computed at most once per kernel (the last one is kept)."""
    key = _key(unit, period, window, as_of, url)
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = analyse(key[0], key[1], url)
    return _CACHE[key]


def settle() -> None:
    """Move what the imports created out of the garbage collector's sight (parbook.heap): the
    notebooks' later collections no longer walk the modules' hundreds of thousands of objects.
    Once per kernel, before any analysis: one frozen in would never be collected."""
    freeze_imported("notebooks")


def preload(path: str, unit: str, period: str, window: str = "nd09", as_of: str | None = None
            ) -> None:
    """Take the analysis of these parameters that ``parbook report`` computed, with the same
    ``parbook.pipeline.analyse``, while this kernel was starting (parbook.report.run): ``load``
    then returns it. The file is the host's pickle of this run, read once and deleted by the
    host; a notebook run alone never sees one and computes its analysis itself."""
    with open(path, "rb") as handle:
        analysis = pickle.load(handle)  # noqa: S301 — written by this run's own host process
    _CACHE.clear()
    _CACHE[_key(unit, period, window, as_of, None)] = analysis


def _display(obj: Any) -> None:
    from IPython.display import display

    display(obj)


def show_html(markup: str) -> None:
    """Display HTML built by parbook's escaping templates (parbook.report.tables, templating)."""
    from IPython.display import HTML

    _display(HTML(str(markup)))


def show_table(frame: pd.DataFrame, headers: dict[str, str] | None = None,
               formats: dict[str, Any] | None = None, caption: str | None = None,
               groups: list[tuple[str, int]] | None = None, max_rows: int | None = None) -> None:
    """Display a frame as an escaped HTML table with personal data masked (parbook.report.tables).

    Without ``headers`` every column is shown under its Vietnamese name, and coded values
    (status, timeliness, channel…) read in Vietnamese (parbook.report.labels).
    """
    if headers is None:
        headers = {c: column_label(str(c)) for c in frame.columns if str(c) not in _HIDDEN}
    show_html(html_table(vietnamese_values(frame), headers=headers, formats=formats, caption=caption,
                         groups=groups, max_rows=max_rows))


def show_prose(blocks: list[Block]) -> None:
    """Display paragraphs and list items of the report (parbook.report.narrative)."""
    show_html(html_prose(blocks))


def show_text(*paragraphs: str) -> None:
    """Display plain-text paragraphs (escaped)."""
    show_html(html_paragraphs(paragraphs))


def show_list(items: list[str]) -> None:
    """Display a bulleted list of plain text (escaped)."""
    show_html(html_list(items))


def show_chart(fig: Any, caption: str, note: str | None = None) -> None:
    """Display a chart as a numbered, captioned figure ("Biểu đồ 1. …") with an embedded PNG
    (a data URI: the HTML and PDF exports need no file and no network)."""
    png = base64.b64encode(plots.to_png(fig)).decode("ascii")
    show_html(render("figure.html.j2", png=png, caption=caption, note=note))


def context_line(analysis: Analysis) -> str:
    """'Xã An Lộc — Quý III năm 2024 (15/06/2024–14/09/2024), số liệu chốt ngày 14/09/2024'."""
    w = analysis.window
    name = analysis.data.unit.get("unit_name") or analysis.unit_code
    kind = "kỳ NĐ 09/2019" if w.window == "nd09" else "kỳ theo tháng dương lịch"
    return (f"{name} — {w.label_vi()} ({kind}: {w.start:%d/%m/%Y}–{w.end:%d/%m/%Y}), "
            f"số liệu chốt ngày {w.as_of:%d/%m/%Y}")


# ------------------------------------------------------------------------------------------------
# provenance


def _parameters(analysis: Analysis) -> dict[str, str]:
    w = analysis.window
    return {"unit": analysis.unit_code, "period": w.period, "window": w.window,
            "as_of": w.as_of.isoformat()}


def provenance(analysis: Analysis, manifest: str | Path | None = None) -> list[Block]:
    """Which database and data the notebook read, with the parameters; a warning per parameter
    that differs from the manifest the run is compared with (``manifest``: a manifest.json or
    an outputs folder)."""
    label = database_label(None)
    fingerprint = data_fingerprint(analysis.data)["sha256"]
    params = _parameters(analysis)
    out = [Block(f"Nguồn dữ liệu (data read): CSDL {label['backend']} "
                 f"«{label['database']}» — dấu vân tay dữ liệu (data fingerprint) sha256 "
                 f"{fingerprint[:16]}…; tham số (parameters): "
                 + ", ".join(f"{k}={v}" for k, v in params.items()), css="provenance")]
    if manifest:
        path = Path(manifest)
        recorded = read_manifest(path if path.is_dir() else path.parent)
        expected = {k: str(v) for k, v in recorded.get("parameters", {}).items() if k in params}
        for key, value in expected.items():
            if params[key] != value:
                out.append(Block(f"CẢNH BÁO: tham số {key} = {params[key]} khác với manifest "
                                 f"({value}) — kết quả không so sánh được với lần chạy đó "
                                 f"(warning: parameter differs from the manifest).",
                                 css="warning"))
        old = ((recorded.get("data") or {}).get("fingerprint") or {}).get("sha256")
        if old and old != fingerprint:
            out.append(Block("CẢNH BÁO: dữ liệu đã thay đổi so với lần chạy của manifest "
                             "(warning: the data fingerprint differs from the manifest's).",
                             css="warning"))
    return out


def show_provenance(analysis: Analysis, manifest: str | Path | None = None) -> None:
    """Display :func:`provenance` (the first output of every notebook)."""
    show_prose(provenance(analysis, manifest))


# ------------------------------------------------------------------------------------------------
# the report's header, notes and appendix headings


def notes(notes_file: str | Path | None) -> ReportNotes:
    """The period's notes (parbook.report.notes); empty when no file is given or present."""
    return read_notes(notes_file)


def data_after_as_of(analysis: Analysis) -> bool:
    """True when the data holds a result, return, event, PAKN resolution or survey dated after
    the as-of date (the data were exported later: the report is signed after them)."""
    end = pd.Timestamp(datetime.combine(analysis.window.as_of, time.max))
    data = analysis.data
    columns = [data.dossiers["finished_at"], data.dossiers["returned_at"], data.events["event_at"],
               data.feedback["resolved_at"], data.surveys["surveyed_at"]]
    return any(bool((pd.to_datetime(c) > end).any()) for c in columns)


def header(analysis: Analysis, report_notes: ReportNotes, report_date: str = "") -> ReportHeader:
    """The report's header: report_header.yaml, the notes (number, date), the day it is made
    (``report_date`` when given — a re-run keeps the original date)."""
    made_on = parse_date(report_date) if report_date else datetime.now(ZoneInfo(TIMEZONE)).date()
    return report_header(analysis.data.unit, analysis.window, report_notes, made_on=made_on,
                         data_after_as_of=data_after_as_of(analysis))


def appendix_heading(title: str, head: ReportHeader, form: str | None = None) -> list[Block]:
    """An appendix's title and the NĐ 30/2020 line "(Kèm theo Báo cáo số …/BC-UBND ngày … của …)"."""
    day = f"{head.report_date:%d/%m/%Y}" if isinstance(head.report_date, date) else "…"
    out = [Block(title, css="appendix-subtitle")]
    if form:
        out.append(Block(form, css="appendix-subtitle"))
    out.append(Block(f"(Kèm theo Báo cáo số {head.number or '…'}/{head.symbol} ngày {day} của "
                     f"{head.issuer_name})", css="appendix-attached"))
    return out


# ------------------------------------------------------------------------------------------------
# tables and files


def failing_records(analysis: Analysis, check_id: str) -> pd.DataFrame:
    """The records failing one check, with masked personal data and explaining columns."""
    return quality_failing_records(analysis.findings.frame, analysis.facts, analysis.forms.bieu06,
                                   check_id)


def checks_overview(analysis: Analysis) -> pd.DataFrame:
    """Every check of the catalogue with its severity, basis, auditors' note, number of findings,
    and how many of its violations rest on records that also carry a data error (to verify
    first)."""
    findings = analysis.findings.frame
    doubtful = findings[on_faulty_records(findings)].groupby("check_id").size()
    summary = analysis.findings.summary()
    return summary.assign(on_faulty=summary["check_id"].map(doubtful).fillna(0).astype(int))[
        ["check_id", "title_vi", "severity", "entity", "basis", "note", "count", "on_faulty"]]


def indicator_table(analysis: Analysis, scope: str = "period") -> pd.DataFrame:
    """How each indicator of a scope is obtained: what is counted above and below the line, the
    two counts, the value, target and verdict, and the function holding the counting rule
    (parbook.analysis.derivation; the counts equal indicators.csv)."""
    table = derivation_table(analysis.facts.of(scope), analysis.indicators.frame)
    details = analysis.indicators.details
    details = details[details["scope"] == scope].set_index("indicator_id")
    table["value_text"] = table["indicator_id"].map(details["value_text"])
    table["target_text"] = [analysis.indicators.figure(i, scope).target_text() or vnformat.EMPTY
                            for i in table["indicator_id"]]
    table["met"] = table["indicator_id"].map(details["met"])
    return table


def breakdown(analysis: Analysis, by: str, scope: str = "period") -> pd.DataFrame:
    """parbook.analysis.indicators.indicator_breakdown with each value written in its indicator's
    unit (98,1% · 1 hồ sơ) as ``value_text``."""
    frame = indicator_breakdown(analysis.facts.of(scope), by)
    units = {i: spec.unit for i, spec in definitions().items()}
    frame["value_text"] = [format_value(v, units[i]) for v, i in
                           zip(frame["value"], frame["indicator_id"], strict=True)]
    return frame


def personnel_in_reports(analysis: Analysis) -> bool:
    """Whether officials' names with their ratings may be shown (unit setting
    ``personnel_in_reports``; by default they stay in the internal workbook of noi-bo/)."""
    return tt01_personnel_in_reports(analysis.unit_code)


def run_info(analysis: Analysis, run_id: str, head: ReportHeader | None = None) -> dict[str, Any]:
    """What the host needs for the manifest and the page: data fingerprint, import batches, row
    counts, the unit row and the report's header."""
    return {
        "run_id": run_id,
        "unit": analysis.unit_code,
        "unit_row": {k: (None if v is None else str(v)) for k, v in analysis.data.unit.items()},
        "period": analysis.window.period,
        "window": analysis.window.window,
        "as_of": analysis.window.as_of.isoformat(),
        "data_fingerprint": data_fingerprint(analysis.data),
        "batches": [int(b) for b in analysis.data.batches],
        "counts": {"dossiers_in_scope": int(len(analysis.facts.period.dossiers)),
                   "findings": int(len(analysis.findings.frame)),
                   "feedback": int(len(analysis.facts.period.feedback)),
                   "surveys": int(len(analysis.facts.period.surveys))},
        "report_header": None if head is None else head.as_dict(),
    }


def export_outputs(analysis: Analysis, run_id: str, directory: str | Path,
                   store_history: bool = False, head: ReportHeader | None = None) -> list[str]:
    """Write the result files of the outputs folder into ``directory`` (the report's work folder).

    findings.csv, indicators.csv, bieu06.csv, forms.xlsx (Biểu 06 addressed to the report's
    recipient), the internal personnel workbook noi-bo/danh-gia-can-bo.xlsx unless the unit lets
    officials' ratings into forms.xlsx, gx/ (Great Expectations suites and
    scrubbed validation results) and a run-info file the report command folds into
    manifest.json; with ``store_history`` also the indicators into the database's run history
    under ``run_id`` (``parbook verify --rerun`` runs without it: it never writes the database).
    """
    out = Path(directory)
    written = [p.name for p in write_check_outputs(analysis, out)]
    recipient = head.recipients_to if head is not None else None
    written.append(write_forms_xlsx(analysis, out / "forms.xlsx", recipient=recipient).name)
    if not personnel_in_reports(analysis):
        written.append(write_personnel_xlsx(analysis, out / PERSONNEL_FILE).relative_to(out).as_posix())
    written += [Path(p).relative_to(out).as_posix() for p in write_gx_artifacts(analysis.findings, out)]
    if store_history:
        with db.engine().begin() as conn:
            store_indicator_run(conn, analysis.unit_code, analysis.window, analysis.indicators.frame,
                                run_id)
    (out / RUN_INFO).write_text(json.dumps(run_info(analysis, run_id, head), ensure_ascii=False,
                                           indent=1), encoding="utf-8")
    return written
