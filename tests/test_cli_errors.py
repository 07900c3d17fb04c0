"""One clear line and exit code 2 for what a user gets wrong on the command line (issue 18, 10/11/14):
a wrong database URL, a missing SQLite file, an unknown unit, an unwritable output, a closed pipe,
periods typed in lower case, as-of dates in both spellings and in the future."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from parbook.commands import report as report_command
from parbook.commands.main import main
from parbook.intake.ingest import ingest_files
from parbook.store.init import init_database
from tests.messy import messy_workbook

ROOT = Path(__file__).resolve().parents[1]


def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("url", ["postgres://u@localhost/x", "mysql://u@localhost/x"])
def test_wrong_database_scheme_names_the_schemes_that_work(url, capsys) -> None:
    assert main(["check", "--db", url, "--unit", "X1", "--period", "2024-Q3"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "sqlite:///" in line and "postgresql://" in line
    if url.startswith("postgres://"):
        assert "không phải postgres://" in line


def test_reading_a_missing_sqlite_file_neither_runs_nor_creates_it(tmp_path, capsys) -> None:
    path = tmp_path / "khong-co.sqlite"
    for argv in (["check", "--unit", "X1", "--period", "2024-Q3"], ["quarantine"],
                 ["report", "--unit", "X1", "--period", "2024-Q3"],
                 ["ingest", "--unit", "X1", str(tmp_path / "a.csv")]):
        assert main([*argv, "--db", f"sqlite:///{path}"]) == 2, argv
        line = _one_error_line(capsys.readouterr().err)
        assert str(path) in line and "không tồn tại" in line and "parbook init" in line
        assert not path.exists()


def test_report_of_an_unknown_unit_is_refused_before_any_notebook(sqlite_url, tmp_path, capsys) -> None:
    init_database(sqlite_url, [{"unit_code": "X1"}])
    out = tmp_path / "out" / "NOPE" / "2024-Q3"
    assert main(["report", "--db", sqlite_url, "--unit", "NOPE", "--period", "2024-Q3",
                 "--out", str(out)]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "'NOPE'" in line and "parbook init --unit NOPE" in line
    assert not (tmp_path / "out").exists()         # no folder, no .failed, no staging


def test_unwritable_output_is_one_line(sqlite_url, tmp_path, monkeypatch, capsys) -> None:
    init_database(sqlite_url, [{"unit_code": "X1"}])

    def read_only(*_args, **_kw):
        raise PermissionError(errno.EACCES, "Permission denied", "/srv/bao-cao/X1/2024-Q3")

    monkeypatch.setattr(report_command, "run_report", read_only)
    assert main(["report", "--db", sqlite_url, "--unit", "X1", "--period", "2024-Q3"]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "không có quyền (permission denied): /srv/bao-cao/X1/2024-Q3" in line
    # and for real, a file below something that is not a folder
    (tmp_path / "tep").write_text("x", encoding="utf-8")
    assert main(["template", str(tmp_path / "tep" / "mau.xlsx")]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "đã có một tệp trùng tên" in line and line.endswith(str(tmp_path / "tep"))


def test_a_closed_pipe_ends_quietly_with_code_2(sqlite_url, tmp_path) -> None:
    init_database(sqlite_url, [{"unit_code": "X1"}])
    ingest_files([messy_workbook(tmp_path / "x.xlsx")], sqlite_url, unit="X1")
    proc = subprocess.Popen([sys.executable, "-m", "parbook", "quarantine", "--db", sqlite_url],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    proc.stdout.close()                                   # `| head -0`: the reader is gone
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 2
    assert err == "", err                                 # no traceback, no "Exception ignored"


def test_period_in_lower_case_and_as_of_in_both_spellings(monkeypatch) -> None:
    from parbook.commands.check import window_from_args
    from parbook.commands.main import build_parser

    def window(*argv: str):
        return window_from_args(build_parser().parse_args(["check", "--unit", "X1", *argv]))

    assert window("--period", "2024-q3").period == "2024-Q3"
    assert window("--period", "2024-Q3", "--as-of", "2024-08-31").as_of == date(2024, 8, 31)
    assert window("--period", "2024-Q3", "--as-of", "31/08/2024").as_of == date(2024, 8, 31)


def test_as_of_in_the_future_is_refused(sqlite_url, capsys) -> None:
    init_database(sqlite_url, [{"unit_code": "X1"}])
    tomorrow = date.today() + timedelta(days=1)
    period = f"{tomorrow.year}-Q{(tomorrow.month - 1) // 3 + 1}"
    assert main(["check", "--db", sqlite_url, "--unit", "X1", "--period", period,
                 "--as-of", tomorrow.isoformat()]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "tương lai" in line and "future" in line


def test_ctrl_c_during_a_command_is_one_line_and_code_130(monkeypatch, capsys, sqlite_url) -> None:
    init_database(sqlite_url, [{"unit_code": "X1"}])

    def interrupted(*_args, **_kw):
        raise KeyboardInterrupt

    monkeypatch.setattr(report_command, "run_report", interrupted)
    assert main(["report", "--db", sqlite_url, "--unit", "X1", "--period", "2024-Q3"]) == 130
    assert _one_error_line(capsys.readouterr().err) == (
        "Đã dừng (interrupted); báo cáo cũ giữ nguyên (the previous report is unchanged).")


def test_the_script_entry_point_is_the_console_wrapper() -> None:
    """`parbook` and `python -m parbook` both go through the wrapper that handles Ctrl-C and pipes."""
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["parbook"] == "parbook.commands.console:console"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "parbook", "report", "--db", "postgres://x/y", "--unit",
                           "X1", "--period", "2024-Q3"], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 2 and "postgresql://" in _one_error_line(done.stderr)


def test_a_thread_broken_by_ctrl_c_prints_nothing(monkeypatch) -> None:
    """After a Ctrl-C the clean-up may break a background thread (its folder removed, its kernel
    gone): the user sees the one interruption line, not that thread's traceback; before any
    Ctrl-C a thread's error goes to Python's hook (printed) as usual."""
    import threading

    from parbook.commands import console as console_module

    def fail() -> None:
        raise OSError("staging folder removed")

    def run_failing_thread() -> None:
        t = threading.Thread(target=fail)
        t.start()
        t.join()

    printed: list[threading.ExceptHookArgs] = []
    monkeypatch.setattr(console_module, "_THREAD_HOOK", printed.append)
    monkeypatch.setattr(threading, "excepthook", console_module._thread_errors)
    monkeypatch.setattr(console_module, "_INTERRUPTED", [])
    run_failing_thread()
    assert [str(a.exc_value) for a in printed] == ["staging folder removed"]
    monkeypatch.setattr(console_module, "_INTERRUPTED", [True])
    run_failing_thread()
    assert len(printed) == 1
