"""Signs of life (issue 18.19/18.20): on a terminal `report` and `check` show which step runs (tqdm
on stderr); not on a terminal they print nothing extra — and no library warning in either case."""

from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

from parbook.commands.main import main
from parbook.commands.progress import Steps
from tests.report import fixture_db

ROOT = Path(__file__).resolve().parents[2]
WARNING_WORDS = re.compile(r"warn|fonttools|harfbuzz|deprecat|traceback", re.I)


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_steps_show_on_a_terminal_and_nowhere_else() -> None:
    tty, pipe = FakeTerminal(), io.StringIO()
    for stream in (tty, pipe):
        with Steps(3, "Báo cáo X", stream=stream) as steps:
            for label in ("kernel", "notebook 1/2 a", "notebook 2/2 b"):
                steps(label)
    assert pipe.getvalue() == ""
    shown = tty.getvalue()
    assert "Báo cáo X 0/3, kernel" in shown and "Báo cáo X 2/3, notebook 2/2 b" in shown


def test_check_shows_its_steps_on_a_terminal_only(fixture_commune, tmp_path, monkeypatch, capsys) -> None:
    argv = ["check", "--db", fixture_commune.url, "--unit", fixture_db.UNIT, "--period",
            fixture_db.PERIOD, "--out", str(tmp_path / "a")]
    assert main(argv) == 0
    assert capsys.readouterr().err == ""                        # not a terminal: nothing
    tty = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", tty)
    assert main([*argv[:-1], str(tmp_path / "b")]) == 0
    shown = tty.getvalue()
    assert "kiểm tra (checks)" in shown and "/5" in shown and not WARNING_WORDS.search(shown)


def _report(target: Path, url: str, stderr: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "parbook", "report", "--unit", fixture_db.UNIT, "--period",
                             fixture_db.PERIOD, "--db", url, "--out", str(target)],
                            stdout=subprocess.PIPE, stderr=stderr, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_report_on_a_terminal_names_each_notebook_and_warns_of_nothing(fixture_commune, tmp_path) -> None:
    leader, follower = pty.openpty()
    proc = _report(tmp_path / "out", fixture_commune.url, follower)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:                      # the process closed its end
            break
        if not chunk:
            break
        shown += chunk
    assert proc.wait(timeout=300) == 0
    os.close(leader)
    text = shown.decode("utf-8", "replace")
    for number in range(1, 6):
        assert f"notebook {number}/5" in text
    assert "HTML, PDF" in text and not WARNING_WORDS.search(text), text


def test_report_not_on_a_terminal_writes_nothing_to_stderr(fixture_commune, tmp_path) -> None:
    proc = _report(tmp_path / "out", fixture_commune.url, subprocess.PIPE)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0 and err.decode() == ""
    assert out.decode().startswith("Báo cáo Quý III năm 2024 của XA-THU")
