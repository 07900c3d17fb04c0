"""What the notebooks call: load the analysis once per kernel, show tables and charts safely.

Every notebook starts with::

    from parbook.report import notebook as nb
    analysis = nb.load(unit, period, window, as_of)

``load`` validates the parameters (unit code, period, window, as-of date) and runs
``parbook.pipeline.analyse`` once per kernel for a given set of parameters: when ``parbook
report`` runs the five notebooks in one kernel, the data is read and checked once and the other
notebooks reuse it. The database comes from the environment (PARBOOK_DB), never a parameter.

Display helpers escape every text and mask personal data (parbook.report.tables).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from parbook.analysis.trends import store_indicator_run
from parbook.pipeline import Analysis, analyse
from parbook.quality.checks import failing_records as quality_failing_records
from parbook.quality.checks import write_gx_artifacts
from parbook.report import plots
from parbook.report.files import write_check_outputs
from parbook.report.labels import column_label
from parbook.report.manifest import RUN_INFO, data_fingerprint
from parbook.report.tables import html_list, html_paragraphs, html_table
from parbook.report.workbook import write_forms_xlsx
from parbook.store import db
from parbook.store.config import db_url
from parbook.store.params import validate_unit_code
from parbook.timeline.periods import Window

# Columns never shown by default (the address is personal data; the others are internal).
_HIDDEN = frozenset({"applicant_address", "batch_id"})
_CACHE: dict[tuple[str, Window, str], Analysis] = {}


def window_of(period: str, window: str = "nd09", as_of: str | None = None) -> Window:
    """The validated window of notebook parameters (an empty as_of means the window end)."""
    return Window.parse(period, window, as_of or None)


def load(unit: str, period: str, window: str = "nd09", as_of: str | None = None,
         url: str | None = None) -> Analysis:
    """The analysis of the parameters, computed at most once per kernel (the last one is kept)."""
    validate_unit_code(unit)
    w = window_of(period, window, as_of)
    key = (unit, w, db_url(url))
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = analyse(unit, w, url)
    return _CACHE[key]


def _display(obj: Any) -> None:
    from IPython.display import display

    display(obj)


def show_html(markup: str) -> None:
    """Display HTML built by parbook (callers escape data: parbook.report.tables, .narrative)."""
    from IPython.display import HTML

    _display(HTML(markup))


def show_table(frame: pd.DataFrame, headers: dict[str, str] | None = None,
               formats: dict[str, Any] | None = None, caption: str | None = None,
               groups: list[tuple[str, int]] | None = None, max_rows: int | None = None) -> None:
    """Display a frame as an escaped HTML table with personal data masked (parbook.report.tables).

    Without ``headers`` every column is shown under its Vietnamese name (parbook.report.labels).
    """
    if headers is None:
        headers = {c: column_label(str(c)) for c in frame.columns if str(c) not in _HIDDEN}
    show_html(html_table(frame, headers=headers, formats=formats, caption=caption, groups=groups,
                         max_rows=max_rows))


def show_text(*paragraphs: str) -> None:
    """Display plain-text paragraphs (escaped)."""
    show_html(html_paragraphs(paragraphs))


def show_list(items: list[str]) -> None:
    """Display a bulleted list of plain text (escaped)."""
    show_html(html_list(items))


def show_chart(fig: Any, alt: str | None = None) -> None:
    """Display a matplotlib figure as an embedded PNG (a data URI in HTML exports).

    The alternative text (for screen readers and the HTML export) defaults to the chart's title.
    """
    from IPython.display import Image, display

    title = alt or next((ax.get_title() for ax in fig.axes if ax.get_title()), "Biểu đồ")
    display(Image(data=plots.to_png(fig), format="png"), metadata={"image/png": {"alt": title}})


def context_line(analysis: Analysis) -> str:
    """'Xã An Lộc — Quý III năm 2024 (15/06/2024–14/09/2024), số liệu chốt ngày 14/09/2024'."""
    w = analysis.window
    name = analysis.data.unit.get("unit_name") or analysis.unit_code
    kind = "kỳ NĐ 09/2019" if w.window == "nd09" else "kỳ theo tháng dương lịch"
    return (f"{name} — {w.label_vi()} ({kind}: {w.start:%d/%m/%Y}–{w.end:%d/%m/%Y}), "
            f"số liệu chốt ngày {w.as_of:%d/%m/%Y}")


def run_info(analysis: Analysis, run_id: str) -> dict[str, Any]:
    """What the host needs for the manifest: data fingerprint, import batches, row counts."""
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
    }


def export_outputs(analysis: Analysis, run_id: str, directory: str | Path = ".") -> list[str]:
    """Write the result files of the outputs folder into ``directory`` (the report's work folder).

    findings.csv, indicators.csv, bieu06.csv, forms.xlsx, gx/ (Great Expectations suites and
    scrubbed validation results), the indicators into the database's run history under
    ``run_id``, and a run-info file the report command folds into manifest.json.
    """
    out = Path(directory)
    written = [p.name for p in write_check_outputs(analysis, out)]
    written.append(write_forms_xlsx(analysis, out / "forms.xlsx").name)
    written += [Path(p).relative_to(out).as_posix() for p in write_gx_artifacts(analysis.findings, out)]
    with db.engine().begin() as conn:
        store_indicator_run(conn, analysis.unit_code, analysis.window, analysis.indicators.frame,
                            run_id)
    (out / RUN_INFO).write_text(json.dumps(run_info(analysis, run_id), ensure_ascii=False, indent=1),
                                encoding="utf-8")
    return written


def failing_records(analysis: Analysis, check_id: str) -> pd.DataFrame:
    """The records failing one check, with masked personal data and explaining columns."""
    return quality_failing_records(analysis.findings.frame, analysis.facts, analysis.forms.bieu06,
                                   check_id)
