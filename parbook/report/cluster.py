"""The worker side of ``parbook batch`` on Dask: one commune's report rendered on a worker.

A worker (on this machine or another one with parbook installed) keeps one ``parbook`` kernel for
all the communes it renders, renders each into a folder of its own and returns the files to the
host, which writes them where the command runs (parbook.commands.batch). Importing this
module is cheap: the report machinery is imported by the first commune a worker renders.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parbook.timeline.periods import PeriodError, Window

OUT = "out"          # a commune's outputs folder on the worker (out.failed, out.ghi-chu.yaml beside)


@dataclass
class UnitResult:
    """One commune of a batch."""

    unit_code: str
    ok: bool
    folder: str | None
    seconds: float
    error: str | None = None


_SESSION: Any = None
_WORK: dict[str, Any] = {"root": None, "count": 0, "done": []}


def _session(url: str) -> Any:
    """This worker's kernel (a KernelSession), started by its first commune and kept for the
    next ones until close_session."""
    from parbook.report.run import KernelSession

    global _SESSION
    if _SESSION is None or _SESSION.url != url:
        close_session()
        _SESSION = KernelSession(url).start()
    return _SESSION


def close_session() -> None:
    """Shut this worker's kernel down and remove its folders (the host runs it on every worker
    at the end of a batch)."""
    global _SESSION
    if _SESSION is not None:
        _SESSION.close()
        _SESSION = None
    if _WORK["root"] is not None:
        shutil.rmtree(_WORK["root"], ignore_errors=True)
        _WORK.update(root=None, done=[])


def _commune_folder() -> Path:
    """A new folder of this worker for one commune (under one private folder per worker)."""
    if _WORK["root"] is None:
        _WORK["root"] = Path(tempfile.mkdtemp(prefix="parbook-batch-"))
    _WORK["count"] += 1
    folder = _WORK["root"] / str(_WORK["count"])
    folder.mkdir()
    return folder


def _tidy(folder: Path, moved: bool) -> None:
    """Remove the communes' folders the kernel has left. The kernel works inside the folder of
    the last commune whose notebooks ran (``moved``: this one's did) and must not lose it."""
    _WORK["done"].append(folder)
    if moved:
        for old in _WORK["done"][:-1]:
            shutil.rmtree(old, ignore_errors=True)
        _WORK["done"] = [folder]


def _files(folder: Path) -> dict[str, bytes]:
    """Every file (and, ending with '/', every folder) below ``folder`` by relative path."""
    return {p.relative_to(folder).as_posix() + ("" if p.is_file() else "/"):
            p.read_bytes() if p.is_file() else b"" for p in sorted(folder.rglob("*"))}


def render_one(unit_code: str, period: str, window_kind: str, as_of: str | None, url: str,
               notes: bytes | None = None) -> tuple[UnitResult, dict[str, bytes]]:
    """One commune's report, rendered into a folder of the worker; returns its result and the
    files for the host to write: ``out/…`` (or ``out.failed/…`` for a run that failed; folders
    end with ``/``) and the notes ``out.ghi-chu.yaml``. ``notes``: the host's notes file of the
    period, when it has one."""
    from parbook.report.notes import notes_path
    from parbook.report.run import ReportError, run_report
    from parbook.report.signing import SigningError

    started = time.perf_counter()
    folder = _commune_folder()
    target = folder / OUT
    if notes is not None:
        notes_path(target).write_bytes(notes)
    session = None
    ran = 0
    try:
        window = Window.parse(period, window_kind, as_of)
        session = _session(url)
        ran = session.notebooks_run
        run_report(unit_code, window, url=url, out_dir=target, session=session, sign=True)
        result = UnitResult(unit_code, True, None, 0.0)
    except (ReportError, SigningError, ValueError, KeyError, PeriodError) as exc:
        result = UnitResult(unit_code, False, None, 0.0, str(exc))
    files = _files(folder)
    _tidy(folder, session is not None and session.notebooks_run > ran)
    if not result.ok and session is not None and session.notebooks_run > ran:
        close_session()     # a cell past its timeout may still run: the next commune starts afresh
    result.seconds = time.perf_counter() - started
    return result, files
