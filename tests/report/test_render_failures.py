"""Failures: validated parameters, a failing cell, foreign folders, killed runs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from parbook.commands import report as report_command
from parbook.commands.main import main
from parbook.report import run as render
from parbook.store.config import NOTEBOOKS_DIR
from parbook.timeline.periods import PeriodError, Window
from tests.report import fixture_db


@pytest.mark.parametrize("unit", ["../etc", "a/b", "x'; import os; '", "", "..", "ab\ncd"])
def test_unit_code_is_validated_before_anything_runs(unit: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        render.run_report(unit, Window.parse("2024-Q3"), url="sqlite:///nowhere", out_dir=tmp_path / "o")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("period,as_of", [("2024-Q5", None), ("2024-Q3'; import os #", None),
                                          ("2024-Q3", "2024-09-14\nimport os"), ("2024-Q3", "14/13/2024"),
                                          ("2024-Q3", "2024-01-01")])
def test_period_and_as_of_are_validated(period: str, as_of: str | None) -> None:
    with pytest.raises(PeriodError):
        Window.parse(period, "nd09", as_of)
    argv = ["report", "--unit", "XA-THU", "--period", period] + (["--as-of", as_of] if as_of else [])
    assert main(argv) == 2


def test_foreign_folder_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "luan-van.docx").write_text("x", encoding="utf-8")
    with pytest.raises(render.ReportError, match="luan-van.docx"):
        render.run_report("XA-THU", Window.parse("2024-Q3"), url="sqlite:///nowhere", out_dir=target)
    assert (target / "luan-van.docx").exists()


def test_stale_work_folders_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    target = tmp_path / "2024-Q3"
    dead = tmp_path / ".2024-Q3.tmp-999999999-abc"
    live = tmp_path / f".2024-Q3.tmp-{os.getpid()}-abc"
    other = tmp_path / ".other.tmp-999999999-abc"
    for d in (dead, live, other):
        d.mkdir()
    render._clean_stale(target)
    assert not dead.exists() and live.exists() and other.exists()


def test_publish_replaces_a_previous_folder(tmp_path: Path) -> None:
    target, staging = tmp_path / "out", tmp_path / ".out.tmp-1-x"
    target.mkdir()
    (target / "findings.csv").write_text("old", encoding="utf-8")
    staging.mkdir()
    (staging / "findings.csv").write_text("new", encoding="utf-8")
    render.publish(staging, target)
    assert (target / "findings.csv").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def _notebooks_with(tmp_path: Path, source: str) -> Path:
    """A copy of the notebooks whose 02_giai_quyet_tthc runs ``source`` in its fifth cell."""
    notebooks = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS_DIR, notebooks)
    path = notebooks / "02_giai_quyet_tthc.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(4, new_code_cell(source))
    nbformat.write(nb, path)
    return notebooks


def test_failing_cell_stops_the_run_and_keeps_the_notebook(fixture_commune, window, tmp_path: Path) -> None:
    notebooks = _notebooks_with(tmp_path, 'raise RuntimeError("hỏng có chủ ý")')
    target = tmp_path / "out" / "XA-THU" / "2024-Q3"
    target.mkdir(parents=True)
    (target / "findings.csv").write_text("previous complete run", encoding="utf-8")
    with pytest.raises(render.ReportError) as caught:
        render.run_report(fixture_db.UNIT, window, url=fixture_commune.url, out_dir=target,
                          notebooks_dir=notebooks)
    err = caught.value
    assert err.notebook == "02_giai_quyet_tthc" and err.cell is not None
    assert "02_giai_quyet_tthc.ipynb" in str(err) and "hỏng có chủ ý" in str(err)
    assert (target / "findings.csv").read_text(encoding="utf-8") == "previous complete run"
    failed = target.parent / "2024-Q3.failed"
    assert err.kept == failed and not (failed / "manifest.json").exists()
    assert "hỏng có chủ ý" in (failed / "LOI-BAO-CAO.txt").read_text(encoding="utf-8")
    executed = nbformat.read(failed / "notebooks" / "02_giai_quyet_tthc.ipynb", as_version=4)
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors and errors[0]["ename"] == "RuntimeError"
    assert not (failed / "notebooks" / "03_hai_long_va_pakn.ipynb").exists()
    assert not list(target.parent.glob(".2024-Q3.tmp-*"))


@pytest.mark.parametrize(("source", "error"), [("import time; time.sleep(120)", "CellTimeoutError"),
                                              ("import os; os._exit(1)", "DeadKernelError")])
def test_a_cell_past_its_timeout_or_a_dying_kernel_stops_the_run(fixture_commune, window, tmp_path: Path,
                                                                 source: str, error: str) -> None:
    import time

    notebooks = _notebooks_with(tmp_path, source)
    target = tmp_path / "out" / "2024-Q3"
    started = time.perf_counter()
    with pytest.raises(render.ReportError) as caught:
        render.run_report(fixture_db.UNIT, window, url=fixture_commune.url, out_dir=target,
                          notebooks_dir=notebooks, cell_timeout=5)
    assert time.perf_counter() - started < 100, "the run waited for the cell (or the dead kernel)"
    assert caught.value.notebook == "02_giai_quyet_tthc" and error in str(caught.value)
    assert (target.parent / "2024-Q3.failed" / "notebooks" / "02_giai_quyet_tthc.ipynb").is_file()


def test_cmd_report_names_the_failing_cell(monkeypatch, capsys, tmp_path: Path) -> None:
    def fail(*_args, **_kw):
        raise render.ReportError("Notebook 01_kiem_tra_du_lieu.ipynb dừng ở ô [4]: KeyError: 'x'",
                                 notebook="01_kiem_tra_du_lieu", cell=4, kept=tmp_path / "x.failed")

    monkeypatch.setattr(report_command, "run_report", fail)
    (tmp_path / "x.sqlite").touch()
    assert main(["report", "--unit", "XA-THU", "--period", "2024-Q3", "--db",
                 f"sqlite:///{tmp_path / 'x.sqlite'}"]) == 1
    err = capsys.readouterr().err
    assert "ô [4]" in err and "x.failed" in err


def test_a_killed_run_leaves_no_folder_presented_as_complete(fixture_commune, window, tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    target = tmp_path / "out" / "2024-Q3"
    proc = subprocess.Popen([sys.executable, "-m", "parbook", "report", "--unit", fixture_db.UNIT,
                             "--period", "2024-Q3", "--db", fixture_commune.url, "--out", str(target)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while not list(target.parent.glob(".2024-Q3.tmp-*/notebooks/00_tong_hop.ipynb")):
            assert proc.poll() is None and time.time() < deadline, "the run ended before it could be killed"
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert not target.exists()
    leftovers = list(target.parent.glob(".2024-Q3.tmp-*"))
    assert len(leftovers) == 1 and not (leftovers[0] / "manifest.json").exists()
    folder = render.run_report(fixture_db.UNIT, window, url=fixture_commune.url, out_dir=target)
    assert (folder / "manifest.json").exists() and not leftovers[0].exists()
