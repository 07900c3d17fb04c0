"""CSV injection: no cell of a CSV output starts with a character a spreadsheet runs as a formula,
and the raw value stays available (one leading apostrophe removed, parbook.store.spreadsheet)."""

from __future__ import annotations

import csv

from parbook.pipeline import analyse_data
from parbook.report.files import write_check_outputs
from parbook.store.spreadsheet import FORMULA_PREFIXES, read_csv
from parbook.timeline.periods import Window
from tests.builders import dossier, unit_data

HOSTILE = ["=cmd|' /C calc'!A0", "@SUM(1)", "+1+1", "-2+3", "'=already quoted"]


def test_check_outputs_neutralise_formulas_and_keep_the_raw_value(tmp_path) -> None:
    rows = [dossier(code, received="2024-07-01 09:00", due="2024-07-03") for code in HOSTILE]
    a = analyse_data(unit_data(rows), Window.parse("2024-Q3"))
    assert set(HOSTILE) <= set(a.findings.frame["record_key"]), "HS01 flags each malformed code"
    paths = write_check_outputs(a, tmp_path)
    for path in paths:
        with path.open(encoding="utf-8", newline="") as f:
            cells = [cell for row in csv.reader(f) for cell in row]
        assert not [c for c in cells if c.startswith(FORMULA_PREFIXES)], path.name
    findings = read_csv(tmp_path / "findings.csv")
    assert set(HOSTILE) <= set(findings["record_key"])
    assert findings.drop(columns=[]).shape == a.findings.frame.shape
    indicators = read_csv(tmp_path / "indicators.csv")
    assert (indicators["numerator"].fillna(-1) == a.indicators.frame["numerator"].fillna(-1)).all()
