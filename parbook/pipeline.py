"""One analysis of a unit and window: facts, findings, indicators, Biểu 06 (``parbook check``).

``analyse()`` reads the database once and computes everything the CSV outputs, the notebooks and
the report need; notebooks call it too, so the kernel runs exactly the code the CLI runs.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy.exc import SQLAlchemyError

from parbook.analysis.forms import bieu06
from parbook.store import db
from parbook.store.config import OUTPUTS_DIR
from parbook.store.params import validate_unit_code
from parbook.timeline.facts import UnitData, build_facts, load_for_window
from parbook.timeline.periods import PeriodError, Window
from parbook.timeline.registers import (
    feedback_facts,
    legal_document_facts,
    plan_task_facts,
    survey_facts,
)

FINDINGS_COLUMNS = ["check_id", "severity", "entity", "record_key", "message"]
INDICATOR_COLUMNS = ["indicator_id", "scope", "numerator", "denominator", "value", "target", "met"]


@dataclass
class Analysis:
    """Everything computed for one unit and window (and its year to date)."""

    window: Window
    data: UnitData
    facts: pd.DataFrame
    returned: pd.DataFrame
    ytd_facts: pd.DataFrame
    ytd_returned: pd.DataFrame
    feedback: pd.DataFrame
    surveys: pd.DataFrame
    legal_documents: pd.DataFrame
    plan_tasks: pd.DataFrame
    bieu06: pd.DataFrame
    findings: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FINDINGS_COLUMNS))
    indicators: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=INDICATOR_COLUMNS))
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def unit_code(self) -> str:
        return self.data.unit_code


def _split(wide: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Facts in scope, and every dossier returned in the window (in scope or not)."""
    return wide[wide["in_scope"]].copy(), wide[wide["returned_in_window"]].copy()


def prepare(data: UnitData, window: Window) -> Analysis:
    """Facts and forms of a window from already-loaded unit data (no checks, no indicators)."""
    facts, returned = _split(build_facts(data, window, include_returned=True))
    ytd_facts, ytd_returned = _split(build_facts(data, window.year_to_date(), include_returned=True))
    return Analysis(
        window=window,
        data=data,
        facts=facts,
        returned=returned,
        ytd_facts=ytd_facts,
        ytd_returned=ytd_returned,
        feedback=feedback_facts(data, window),
        surveys=survey_facts(data, window),
        legal_documents=legal_document_facts(data, window),
        plan_tasks=plan_task_facts(data, window),
        bieu06=bieu06(facts),
    )


def analyse(unit_code: str, window: Window, url: str | None = None, backend: str = "pandas"
            ) -> Analysis:
    """Load the unit's data, then compute facts, checks, indicators and Biểu 06."""
    validate_unit_code(unit_code)
    with db.engine(url).connect() as conn:
        data = load_for_window(conn, unit_code, window)
    analysis = prepare(data, window)
    from parbook.quality.checks import run_checks

    analysis.findings = run_checks(analysis, backend=backend, url=url)
    analysis.indicators = _indicators(analysis)
    return analysis


def _indicators(analysis: Analysis) -> pd.DataFrame:
    """indicators.csv rows; an empty frame with the contract columns until parbook.analysis.indicators exists."""
    try:
        from parbook.analysis.indicators import compute_indicators
    except ModuleNotFoundError as exc:
        if exc.name != "parbook.analysis.indicators":
            raise
        return pd.DataFrame(columns=INDICATOR_COLUMNS)
    return compute_indicators(analysis)


def default_out_dir(unit_code: str, window: Window) -> Path:
    """outputs/<unit_code>/<period>/ (DESIGN.md §8; the window kind is in the manifest)."""
    return OUTPUTS_DIR / unit_code / window.period


def write_check_outputs(analysis: Analysis, out_dir: Path) -> list[Path]:
    """findings.csv, indicators.csv and bieu06.csv (DESIGN.md §8 columns, UTF-8)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "findings.csv": analysis.findings[FINDINGS_COLUMNS],
        "indicators.csv": analysis.indicators[INDICATOR_COLUMNS],
        "bieu06.csv": analysis.bieu06,
    }
    paths = []
    for name, frame in files.items():
        path = out_dir / name
        frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        paths.append(path)
    return paths


def window_from_args(args: argparse.Namespace) -> Window:
    """The window of --period/--window/--as-of, validated."""
    return Window.parse(args.period, args.window, args.as_of)


def cmd_check(args: argparse.Namespace) -> int:
    try:
        window = window_from_args(args)
        analysis = analyse(args.unit, window, args.db, backend=args.backend)
    except (PeriodError, KeyError, ValueError) as exc:
        print(f"Lỗi (error): {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        print(f"Lỗi đọc CSDL — đã chạy 'parbook init' chưa? (database error — did you run "
              f"'parbook init'?): {type(exc).__name__}", file=sys.stderr)
        return 2
    out_dir = Path(args.out) if args.out else default_out_dir(args.unit, window)
    write_check_outputs(analysis, out_dir)
    counts = analysis.findings.groupby("severity").size().to_dict()
    print(f"{analysis.data.unit['unit_name'] or args.unit} — {window.label_vi()} "
          f"({window.start:%d/%m/%Y}–{window.end:%d/%m/%Y}, chốt {window.as_of:%d/%m/%Y})")
    print(f"Hồ sơ trong phạm vi (dossiers in scope): {len(analysis.facts)}")
    print("Phát hiện (findings): " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
                                      or "không có (none)"))
    print(f"Kết quả (outputs): {out_dir}")
    return 0
