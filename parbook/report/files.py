"""The result files of an outputs folder that ``parbook check`` writes too (DESIGN.md §8)."""

from __future__ import annotations

from pathlib import Path

from parbook.contract import FINDINGS_COLUMNS, INDICATOR_COLUMNS
from parbook.pipeline import Analysis
from parbook.store.spreadsheet import write_csv


def write_check_outputs(analysis: Analysis, out_dir: Path) -> list[Path]:
    """findings.csv, indicators.csv and bieu06.csv (DESIGN.md §8 columns, UTF-8; text cells a
    spreadsheet would run get a leading apostrophe — parbook.store.spreadsheet). The findings
    are written in pieces, their messages formatted piece by piece (Findings.chunks)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "findings.csv": (chunk[FINDINGS_COLUMNS] for chunk in analysis.findings.chunks()),
        "indicators.csv": analysis.indicators.frame[INDICATOR_COLUMNS],
        "bieu06.csv": analysis.forms.bieu06,
    }
    paths = []
    for name, frame in files.items():
        paths.append(write_csv(frame, out_dir / name))
    return paths
