"""Ctrl-C during ``parbook report`` (issue 18.7): at any moment the run stops within seconds with one
line and exit code 130, stops its kernel, removes its work folder and leaves the previous report as
it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from tests.report import fixture_db

ROOT = Path(__file__).resolve().parents[2]
LINE = "Đã dừng (interrupted); báo cáo cũ giữ nguyên (the previous report is unchanged)."


def _staging(target: Path) -> list[Path]:
    return list(target.parent.glob(f".{target.name}.tmp-*"))


def _after_imports(_target: Path) -> bool:
    return False                                   # the 1-second timeout alone decides


def _staging_exists(target: Path) -> bool:
    return bool(_staging(target))


def _first_notebook_runs(target: Path) -> bool:
    return any((s / "notebooks" / "00_tong_hop.ipynb").exists() for s in _staging(target))


def _district_report_renders(target: Path) -> bool:
    return any((s / "report.html").exists() for s in _staging(target))


MOMENTS: dict[str, tuple[Callable[[Path], bool], float]] = {
    "during-imports": (_after_imports, 1.0),
    "kernel-starting": (_staging_exists, 120),
    "notebook-00": (_first_notebook_runs, 120),
    "rendering-pdf": (_district_report_renders, 180),
}


@pytest.mark.parametrize("moment", list(MOMENTS))
def test_ctrl_c_stops_cleanly_and_keeps_the_previous_report(moment, fixture_commune, tmp_path) -> None:
    target = tmp_path / "out" / fixture_db.UNIT / fixture_db.PERIOD
    target.mkdir(parents=True)
    previous = {"report.pdf": b"%PDF-OLD", "manifest.json": b'{"old": true}',
                "findings.csv": b"old findings\n"}
    for name, content in previous.items():
        (target / name).write_bytes(content)
    reached, limit = MOMENTS[moment]
    proc = subprocess.Popen(
        [sys.executable, "-m", "parbook", "report", "--unit", fixture_db.UNIT, "--period",
         fixture_db.PERIOD, "--db", fixture_commune.url, "--out", str(target)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    children: set[int] = set()
    deadline = time.monotonic() + limit
    while not reached(target) and time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode()
        children |= {c.pid for c in psutil.Process(proc.pid).children(recursive=True)}
        time.sleep(0.02)
    if moment != "during-imports":
        assert reached(target), f"the run never reached {moment}"
    children |= {c.pid for c in psutil.Process(proc.pid).children(recursive=True)}
    stopped_at = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    took = time.monotonic() - stopped_at
    assert proc.returncode == 130, (out, err)
    assert took < 10, f"took {took:.1f} s to stop"
    lines = [line for line in err.decode().splitlines() if line.strip()]
    assert lines == [LINE]
    assert not _staging(target) and not (target.parent / f"{target.name}.failed").exists()
    assert {p.name: p.read_bytes() for p in target.iterdir()} == previous
    time.sleep(0.5)
    alive = [pid for pid in children if psutil.pid_exists(pid)
             and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
    assert not alive, f"kernel processes left running: {alive}"
