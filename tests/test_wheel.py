"""Installed, not only checked out (issue 19.6): the wheel, installed into a fresh virtual
environment outside the checkout, runs `parbook demo` in an empty folder and writes there."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _uv() -> list[str]:
    found = shutil.which("uv")
    return [found] if found else [sys.executable, "-m", "uv"]


def _run(cmd: list[str], cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{cmd}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.mark.e2e
def test_installed_wheel_runs_the_demo_in_an_empty_folder(tmp_path) -> None:
    uv = _uv()
    _run([*uv, "build", "--wheel", "-q", "-o", str(tmp_path / "dist"), str(ROOT)], ROOT)
    wheel = next((tmp_path / "dist").glob("parbook-*.whl"))
    pins = _run([*uv, "export", "--frozen", "--no-hashes", "--no-emit-project", "--no-dev"], ROOT).stdout
    (tmp_path / "pins.txt").write_text(pins, encoding="utf-8")     # the locked versions, as CI has
    venv = tmp_path / "venv"
    _run([*uv, "venv", "-q", "--python", "3.11", str(venv)], tmp_path)
    _run([*uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python"), "-c",
          str(tmp_path / "pins.txt"), str(wheel)], tmp_path)
    where = _run([str(venv / "bin" / "python"), "-c", "from parbook.store import config; "
                  "print(config.CHECKOUT, config.NOTEBOOKS_DIR, config.REFERENCE_DIR, config.CHECKS_DIR)"],
                 tmp_path).stdout.split()
    assert where[0] == "False" and all(str(venv) in p for p in where[1:])
    empty = tmp_path / "empty"
    empty.mkdir()
    out = _run([str(venv / "bin" / "parbook"), "demo"], empty, timeout=1200).stdout
    reports = list((empty / "outputs" / "DEMO-ANLOC").glob("*/report.pdf"))
    assert len(reports) == 1 and reports[0].read_bytes().startswith(b"%PDF")
    assert str(reports[0]) in out and (empty / "data" / "demo.sqlite").is_file()
