"""Golden outputs of the checks: findings.csv and the GX validation results, byte for byte.

Captured before the checks were made to scale (issue 17) on the mixed test data set and on the
demo commune's database; any optimisation of parbook.quality.checks must leave both unchanged.
``PARBOOK_REGOLDEN=1`` rewrites the files (only when a change of the findings is intended).
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from parbook.demo import profile, write_demo
from parbook.quality.checks import Findings, write_gx_artifacts
from parbook.store import db
from parbook.store.spreadsheet import write_csv
from parbook.timeline import scope
from parbook.timeline.periods import Window
from tests.builders import findings_of
from tests.test_checks import NOW, PERIOD, data_of, mixed_records

GOLDEN = Path(__file__).parent / "golden" / "checks"
REGOLDEN = os.environ.get("PARBOOK_REGOLDEN") == "1"
DEMO_NOW = datetime(2025, 1, 20, 8, 0)


def _outputs(findings: Findings, out: Path) -> dict[str, bytes]:
    """findings.csv and gx/validations/*.json as the outputs folder holds them."""
    out.mkdir(parents=True, exist_ok=True)
    write_csv(findings.frame, out / "findings.csv")
    write_gx_artifacts(findings, out)
    files = [out / "findings.csv", *sorted((out / "gx" / "validations").glob("*.json"))]
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in files}


def _compare(name: str, produced: dict[str, bytes]) -> None:
    folder = GOLDEN / name
    if REGOLDEN:
        for rel, content in produced.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_bytes(content)
    expected = {p.relative_to(folder).as_posix(): p.read_bytes()
                for p in folder.rglob("*") if p.is_file()}
    assert sorted(produced) == sorted(expected)
    for rel, content in produced.items():
        assert content == expected[rel], f"{name}/{rel} differs from the golden file"


def test_mixed_data_set_gives_the_golden_outputs(tmp_path: Path) -> None:
    findings = findings_of(data_of(mixed_records()), Window.parse(PERIOD), now=NOW)
    _compare("mixed", _outputs(findings, tmp_path))


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The default demo commune written into a SQLite file."""
    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder / 'demo.sqlite'}"
    write_demo(url, ground_truth_dir=folder)
    return url


@pytest.mark.parametrize("period", ["2024-Q4", "2024"])
def test_demo_commune_gives_the_golden_outputs(demo_url: str, tmp_path: Path, period: str) -> None:
    url = demo_url
    window = Window.parse(period, "nd09")
    with db.engine(url).connect() as conn:
        data = scope.load(conn, profile.UNIT_CODE, window)
    findings = findings_of(data, window, now=DEMO_NOW)
    _compare(f"demo-{period}", _outputs(findings, tmp_path / "out"))


def test_synthetic_bench_data_gives_the_golden_outputs(tmp_path: Path) -> None:
    """The benchmark's synthetic dossiers (many findings of each dossier check)."""
    from bench.synth import UNIT, build_database

    url = build_database(tmp_path / "synth.sqlite", 500)
    window = Window.parse("2024")
    with db.engine(url).connect() as conn:
        data = scope.load(conn, UNIT, window)
    findings = findings_of(data, window, now=DEMO_NOW)
    _compare("synthetic-500", _outputs(findings, tmp_path / "out"))
