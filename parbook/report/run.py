"""``parbook report``: execute the notebooks with papermill and write the outputs folder (§8).

How the work is split (DESIGN.md §10):

- **One kernel per report** (``KernelSession``): the five notebooks run one after the other in
  the same ``parbook`` kernel, its user namespace reset between notebooks (so each notebook still
  stands alone and re-runs alone). ``parbook.report.notebook.load`` computes the analysis once — one
  database read, one Great Expectations run — and the other notebooks reuse it. ``parbook
  batch`` keeps the kernel across communes, so the kernel start and the GX import are paid once
  per worker.
- **The kernel writes the result files, the host reads them back**: the summary notebook's last
  cell (tagged ``audit-only``) writes findings.csv, indicators.csv, bieu06.csv, forms.xlsx and the
  GX artefacts into the work folder and a run-info file with the data fingerprint. The host never
  imports Great Expectations nor recomputes anything; it renders HTML/PDF from the executed
  notebooks, hashes the files and writes manifest.json. (Reading results back out of notebook
  outputs would need a serialisation round-trip for every table; files are what auditors get
  anyway.)
- **Crash safety**: everything is written into a hidden work folder next to the target and
  renamed into place at the end, manifest last; a killed run leaves no half-written folder
  presented as complete. A failed cell stops the run: the folder is kept as ``<target>.failed``
  with the executed notebooks (error cell included) and the command exits non-zero naming the
  notebook and cell.
- **Signatures** (``sign=True``, a certificate configured for the unit, parbook.report.signing):
  the certificate is opened before the kernel starts; report.pdf is signed as soon as it is
  rendered, manifest.json right after it is written (manifest.json.sig), both before the rename.
  The kernel's environment never holds a certificate password.
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import pickle
import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from parbook.errors import ParbookError
from parbook.heap import freeze_imported
from parbook.report.manifest import (
    MANIFEST,
    MANIFEST_SIG,
    RUN_INFO,
    build_manifest,
    code_version,
    write_manifest,
)
from parbook.report.notes import ensure_notes_file, notes_path
from parbook.report.signing import ReportSigner, password_variables, unit_signer
from parbook.store import db
from parbook.store.config import KERNEL_NAME, NOTEBOOKS_DIR, db_url, outputs_dir
from parbook.store.params import validate_unit_code
from parbook.store.unitdata import require_unit
from parbook.timeline.periods import PeriodError, Window

log = logging.getLogger(__name__)

NOTEBOOKS = ("00_tong_hop", "01_kiem_tra_du_lieu", "02_giai_quyet_tthc", "03_hai_long_va_pakn",
             "04_tu_cham_diem")
# kernel start, the notebooks, rendering, manifest (see run_report's on_step)
REPORT_STEPS = len(NOTEBOOKS) + 3
SUMMARY_NOTEBOOK = "00_tong_hop"
NOTEBOOK_TITLES = {
    "00_tong_hop": "Báo cáo tổng hợp quý",
    "01_kiem_tra_du_lieu": "Kiểm tra dữ liệu và quy trình",
    "02_giai_quyet_tthc": "Giải quyết thủ tục hành chính",
    "03_hai_long_va_pakn": "Mức độ hài lòng và phản ánh, kiến nghị",
    "04_tu_cham_diem": "Tự chấm điểm CCHC và theo dõi kế hoạch",
}
CELL_TIMEOUT_S = 600
STARTUP_TIMEOUT_S = 120
ENGINE_NAME = "parbook-shared-kernel"
INTERNAL_DIR = "noi-bo"
# What a finished outputs folder may contain: --out refuses a folder holding anything else.
NOTES_COPY = "ghi-chu.yaml"
OUTPUT_ENTRIES = frozenset({NOTES_COPY, "findings.csv", "indicators.csv", "bieu06.csv", "forms.xlsx",
                            "report.html", "report.pdf", "manifest.json", MANIFEST_SIG, "notebooks",
                            "audit", "gx",
                            INTERNAL_DIR})
# the analysis the host hands the kernel (deleted as soon as the kernel has read it)
HANDOFF = ".analysis.pickle"


class ReportError(ParbookError):
    """A report that could not be produced; names the notebook and cell when a cell failed."""

    def __init__(self, message: str, notebook: str | None = None, cell: int | None = None,
                 kept: Path | None = None) -> None:
        super().__init__(message)
        self.notebook, self.cell, self.kept = notebook, cell, kept


# ------------------------------------------------------------------------------------------------
# the shared kernel


def _register_engine() -> None:
    import nbformat
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

    class StartEndSaves(NotebookExecutionManager):
        """papermill's execution record, written to disk when the notebook starts and when it
        ends (also when a cell fails or the run stops) — not twice per cell: each write is a JSON
        dump of the whole notebook, charts included. The long-cell autosave stays."""

        _quiet = False

        def save(self, **kwargs: Any) -> None:
            if self._quiet:
                return
            if self.output_path:
                nbformat.write(self.nb, self.output_path)
            self.last_save_time = self.now()

        def _unsaved(self, step: Callable[..., None], *args: Any, **kwargs: Any) -> None:
            self._quiet = True
            try:
                step(*args, **kwargs)
            finally:
                self._quiet = False

        def cell_start(self, cell: Any, cell_index: int | None = None, **kwargs: Any) -> None:
            self._unsaved(super().cell_start, cell, cell_index, **kwargs)

        def cell_complete(self, cell: Any, cell_index: int | None = None, **kwargs: Any) -> None:
            self._unsaved(super().cell_complete, cell, cell_index, **kwargs)

    class SharedKernelEngine(NBClientEngine):
        """papermill's nbclient engine on the kernel of a KernelSession (``session=``), which it
        keeps running, through the session's client: it is connected (and waited for) once,
        not once per notebook. The notebook is saved at its start and end only (StartEndSaves)."""

        @classmethod
        def execute_notebook(cls, nb: Any, kernel_name: str, output_path: Any = None,
                             progress_bar: bool = True, log_output: bool = False,
                             autosave_cell_every: int = 30, **kwargs: Any) -> Any:
            nb_man = StartEndSaves(nb, output_path=output_path, progress_bar=progress_bar,
                                   log_output=log_output, autosave_cell_every=autosave_cell_every)
            nb_man.notebook_start()
            try:
                cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
            finally:
                nb_man.cleanup_pbar()
                nb_man.notebook_complete()
            return nb_man.nb

        @classmethod
        def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, log_output: bool = False,
                                     stdout_file: Any = None, stderr_file: Any = None,
                                     start_timeout: int = 60, execution_timeout: int | None = None,
                                     **kwargs: Any) -> Any:
            session = kwargs.pop("session")
            kwargs.pop("input_path", None)
            client = PapermillNotebookClient(
                nb_man, km=session.km, timeout=execution_timeout, startup_timeout=start_timeout,
                kernel_name=kernel_name, log=logging.getLogger("papermill"), log_output=log_output,
                stdout_file=stdout_file, stderr_file=stderr_file)
            client.kc = session.notebook_client      # None: nbclient connects one (kept below)
            try:
                return client.execute()
            finally:
                session.notebook_client = client.kc

    papermill_engines.register(ENGINE_NAME, SharedKernelEngine)


def own_kernel_spec(folder: Path, name: str = KERNEL_NAME) -> Path:
    """A kernel spec ``name`` running this very interpreter, in ``folder``/kernels (returned).

    The report's kernel is always the Python that runs parbook — the checkout's venv or an
    installed wheel's environment — whatever kernels Jupyter has registered elsewhere.
    """
    spec_dir = folder / "kernels" / name
    spec_dir.mkdir(parents=True, exist_ok=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "parbook (Python 3.11)", "language": "python",
    }), encoding="utf-8")
    return folder / "kernels"


class KernelSession:
    """One ``parbook`` Jupyter kernel executing notebooks in turn (see the module docstring).

    The kernel gets PARBOOK_DB in its environment (never in a notebook parameter) and talks to
    the host over IPC sockets in a private temporary folder.
    """

    def __init__(self, url: str | None = None, kernel_name: str = KERNEL_NAME,
                 extra_env: dict[str, str] | None = None, startup_timeout: int = STARTUP_TIMEOUT_S
                 ) -> None:
        self.url = db_url(url)
        self.kernel_name = kernel_name
        self.extra_env = dict(extra_env or {})
        self.startup_timeout = startup_timeout
        self.km: Any = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.log_path: Path | None = None
        self._log: Any = None
        self.notebooks_run = 0
        self._shell: Any = None               # the client of setup code (_run_silently)
        self.notebook_client: Any = None      # the notebooks' client, connected by the first one

    def start(self) -> KernelSession:
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import KernelManager

        _register_engine()
        self._tmp = tempfile.TemporaryDirectory(prefix="parbook-kernel-")
        self.log_path = Path(self._tmp.name) / "kernel.log"
        self._log = open(self.log_path, "w", encoding="utf-8")  # noqa: SIM115 — closed in close()
        env = {**os.environ, **self.extra_env, "PARBOOK_DB": self.url}
        for name in password_variables():       # the notebooks never need a certificate password
            env.pop(name, None)
        specs = KernelSpecManager(kernel_dirs=[str(own_kernel_spec(Path(self._tmp.name),
                                                                   self.kernel_name))])
        # The notebooks' client (km.client(), papermill's) is asynchronous: with a blocking one
        # nbclient's wait for a cell's output holds its event loop, so neither the cell timeout
        # nor the check that the kernel is alive ever runs (a cell ran past cell_timeout; a
        # kernel dying mid-cell hung the run). Setup code uses blocking clients (_send).
        self.km = KernelManager(kernel_name=self.kernel_name, kernel_spec_manager=specs,
                                transport="ipc", ip=str(Path(self._tmp.name) / "kernel"),
                                client_class="jupyter_client.asynchronous.AsyncKernelClient")
        self.km.start_kernel(env=env, cwd=self._tmp.name, stdout=self._log, stderr=self._log)
        kc = self.km.blocking_client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=self.startup_timeout)
        finally:
            kc.stop_channels()
        return self

    @property
    def alive(self) -> bool:
        return self.km is not None and self.km.is_alive()

    def _prepare(self, cwd: Path) -> None:
        """Reset the user namespace (fresh execution counts) and move the kernel into ``cwd``."""
        self._run_silently("get_ipython().reset(new_session=True)\n"
                           f"import os as _os; _os.chdir({json.dumps(str(cwd))}); del _os\n")

    def preload(self, path: Path, parameters: dict[str, Any]) -> None:
        """Hand the kernel an analysis computed by the host (parbook.report.notebook.preload)."""
        args = ", ".join(f"{k}={json.dumps(str(v))}" for k, v in parameters.items())
        self._run_silently("from parbook.report.notebook import preload as _preload\n"
                           f"_preload({json.dumps(str(path))}, {args}); del _preload\n")

    def warm_up(self) -> None:
        """Start the notebooks' imports (pandas, matplotlib, parbook) in the kernel without waiting:
        they run while the host computes the analysis (parbook.report.notebook.settle after)."""
        self._send("import parbook.report.notebook as _nb; _nb.settle(); del _nb\n")

    def connect(self) -> None:
        """Connect the notebooks' client now, while the host still computes the analysis (its
        wait for the kernel, a fraction of a second, is then not the first notebook's)."""
        from jupyter_core.utils import run_sync

        if self.notebook_client is None:
            client = self.km.client()
            client.start_channels()
            run_sync(client.wait_for_ready)(timeout=self.startup_timeout)
            client.allow_stdin = False
            self.notebook_client = client

    def _send(self, code: str) -> str:
        if not self.alive:
            self.close()
            self.start()
        if self._shell is None:
            self._shell = self.km.blocking_client()
            self._shell.start_channels(shell=True, iopub=False, stdin=False, hb=False,
                                       control=False)
        return self._shell.execute(code, silent=True, store_history=False)

    def _run_silently(self, code: str) -> None:
        """Run setup code outside any notebook (no output, no history). Only the shell channel is
        used: its reply arrives once the code has run (earlier replies — a warm-up's — are
        passed over)."""
        msg_id = self._send(code)
        while True:
            reply = self._shell.get_shell_msg(timeout=self.startup_timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        if reply["content"]["status"] != "ok":
            raise ReportError(f"Không chuẩn bị được kernel (kernel setup failed): {reply['content']}")

    def execute(self, source: Path, output: Path, parameters: dict[str, Any], cwd: Path,
                timeout: int = CELL_TIMEOUT_S) -> Any:
        """Execute one notebook, saved to ``output`` when it starts and ends (also when a cell
        fails): papermill's steps of ``execute_notebook``, with the paths it records relative to
        the outputs folder (not the machine's) and the final write done once, by the engine."""
        from papermill.engines import papermill_engines
        from papermill.execute import (
            prepare_notebook_metadata,
            raise_for_execution_errors,
            remove_error_markers,
        )
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook
        from papermill.utils import chdir

        self._prepare(cwd)
        output.parent.mkdir(parents=True, exist_ok=True)
        self.notebooks_run += 1
        nb = load_notebook_node(str(source))
        if parameters:                       # as papermill: no parameters, no injected cell
            nb = parameterize_notebook(nb, parameters, kernel_name=self.kernel_name,
                                       engine_name=ENGINE_NAME)
        name = output.stem
        nb = remove_error_markers(prepare_notebook_metadata(
            nb, f"notebooks/{name}.ipynb (mã nguồn / source repository)", f"notebooks/{name}.ipynb"))
        with chdir(str(cwd)):
            nb = papermill_engines.execute_notebook_with_engine(
                ENGINE_NAME, nb, kernel_name=self.kernel_name, output_path=str(output),
                progress_bar=False, log_output=False, start_timeout=self.startup_timeout,
                session=self, execution_timeout=timeout)
        raise_for_execution_errors(nb, str(output))
        return nb

    def kernel_log(self) -> str:
        if self.log_path and self.log_path.exists():
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-4000:]
        return ""

    def close(self) -> None:
        """Ask the kernel to shut down, kill it if it has not within a second, free resources."""
        for client in (self._shell, self.notebook_client):
            if client is not None:
                client.stop_channels()
        self._shell = self.notebook_client = None
        if self.km is not None:
            try:
                if self.km.is_alive():
                    self.km.request_shutdown()
                    self.km.finish_shutdown(waittime=1.0, pollinterval=0.05)
                self.km.cleanup_resources()
            except Exception:  # noqa: BLE001 — the kernel may already be gone
                log.debug("kernel shutdown failed", exc_info=True)
            self.km = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> KernelSession:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.close()


# ------------------------------------------------------------------------------------------------
# the outputs folder


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _clean_stale(target: Path) -> None:
    """Remove work folders of killed runs for this target (their process is gone)."""
    if not target.parent.is_dir():
        return
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.(tmp|old)-(\d+)-")
    for entry in target.parent.iterdir():
        match = pattern.match(entry.name)
        if match and entry.is_dir() and not _pid_alive(int(match.group(2))):
            shutil.rmtree(entry, ignore_errors=True)


def check_target(target: Path) -> None:
    """Refuse to replace a folder holding anything but parbook outputs (protects --out DIR)."""
    if target.exists() and not target.is_dir():
        raise ReportError(f"{target} là một tệp, không phải thư mục (not a folder)")
    if target.is_dir():
        foreign = sorted(p.name for p in target.iterdir() if p.name not in OUTPUT_ENTRIES)
        if foreign:
            raise ReportError(
                f"Thư mục {target} chứa tệp không do parbook tạo ({', '.join(foreign[:5])}); chọn thư "
                "mục khác cho --out (the folder holds files parbook did not write; it would be replaced)")


def publish(staging: Path, target: Path) -> None:
    """Rename the finished work folder into place (the previous outputs are removed after)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        old = target.parent / f".{target.name}.old-{os.getpid()}-{time.time_ns()}"
        os.rename(target, old)
        os.rename(staging, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(staging, target)


def _keep_failed(staging: Path, target: Path, message: str) -> Path:
    failed = target.parent / f"{target.name}.failed"
    if failed.exists():
        shutil.rmtree(failed)
    (staging / "LOI-BAO-CAO.txt").write_text(
        "Báo cáo KHÔNG hoàn thành (the report did not finish).\n" + message + "\n", encoding="utf-8")
    os.rename(staging, failed)
    return failed


@dataclass
class NotebookRun:
    name: str
    seconds: float


def _parameters(unit_code: str, window: Window, name: str, summary: dict[str, Any]
                ) -> dict[str, Any]:
    """The notebook's papermill parameters; the summary notebook also gets ``summary`` (run id,
    export folder, whether to store the run's history, notes file, report date)."""
    params: dict[str, Any] = {"unit": unit_code, "period": window.period, "window": window.window,
                              "as_of": window.as_of.isoformat()}
    if name == SUMMARY_NOTEBOOK:
        params.update(summary)
    return params


def _failure_message(exc: Exception, name: str) -> tuple[str, int | None]:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return (f"Notebook {name}.ipynb dừng ở ô [{exc.exec_count}] (ô thứ {exc.cell_index + 1}): "
                f"{exc.ename}: {exc.evalue}", exc.exec_count)
    if name not in NOTEBOOKS:
        return f"Lỗi khi kết xuất báo cáo (rendering failed): {type(exc).__name__}: {exc}", None
    return f"Notebook {name}.ipynb không chạy được: {type(exc).__name__}: {exc}", None


def _provenance(name: str, params: dict[str, Any], window: Window, code: dict[str, Any],
                seconds: float) -> list[tuple[str, str]]:
    return [
        ("Notebook", f"notebooks/{name}.ipynb"),
        ("Tham số (parameters)", ", ".join(f"{k}={v}" for k, v in params.items())),
        ("Kỳ (window)", f"{window.label_vi()}: {window.start:%d/%m/%Y}–{window.end:%d/%m/%Y}, "
                        f"chốt {window.as_of:%d/%m/%Y}"),
        ("Mã nguồn (git)", f"{code.get('git_commit') or 'không rõ'}"
                           f"{' (có sửa đổi chưa commit — dirty)' if code.get('dirty') else ''}"),
        ("Thời gian chạy", f"{seconds:.1f} s"),
        ("CSDL", "lấy từ biến môi trường PARBOOK_DB (không ghi vào notebook)"),
    ]


def _warm_host_imports() -> None:
    """Import the host's rendering libraries while the kernel works (they take seconds)."""
    from parbook.report import page as reportpage
    from parbook.report.manifest import environment

    reportpage.warm_up()
    environment()                  # read once per process, ready for the manifest
    freeze_imported("report pages")


class _Renderer:
    """Host-side work of a run, done in one background thread while the kernel executes the
    next notebooks: audit HTML of each executed notebook, the district report HTML and PDF."""

    def __init__(self, staging: Path, unit_code: str, window: Window, summary: dict[str, Any],
                 signer: ReportSigner | None = None) -> None:
        self.staging, self.unit_code, self.window, self.summary = staging, unit_code, window, summary
        self.signer = signer
        self.timings: dict[str, float] = {}

    @cached_property
    def code(self) -> dict[str, Any]:
        """The code version (git), read once: by the first audit page, in the rendering thread."""
        return code_version()

    def _timed(self, key: str, started: float) -> None:
        self.timings[key] = round(self.timings.get(key, 0.0) + time.perf_counter() - started, 3)

    def audit(self, name: str, seconds: float) -> None:
        from parbook.report import page as reportpage

        started = time.perf_counter()
        path = self.staging / "notebooks" / f"{name}.ipynb"
        nb = reportpage.read_notebook(path)
        params = {k: v for k, v in _parameters(self.unit_code, self.window, name,
                                               self.summary).items() if k != "export_dir"}
        page = reportpage.audit_html(nb, f"{NOTEBOOK_TITLES[name]} — {name}",
                                     _provenance(name, params, self.window, self.code, seconds))
        (self.staging / "audit").mkdir(exist_ok=True)
        (self.staging / "audit" / f"{name}.html").write_text(page, encoding="utf-8")
        self._timed("audit_html", started)

    def district(self, run_info: dict[str, Any]) -> None:
        from parbook.report import page as reportpage

        started = time.perf_counter()
        nb = reportpage.read_notebook(self.staging / "notebooks" / f"{SUMMARY_NOTEBOOK}.ipynb")
        recorded = run_info.get("report_header")
        header = (reportpage.ReportHeader.from_dict(recorded) if recorded else
                  reportpage.report_header(_unit_row(run_info, self.unit_code), self.window))
        page = reportpage.district_report_html(nb, header)
        (self.staging / "report.html").write_text(page, encoding="utf-8")
        self._timed("report_html", started)
        started = time.perf_counter()
        reportpage.write_pdf(page, self.staging / "report.pdf")
        self._timed("report_pdf", started)
        if self.signer is not None:
            started = time.perf_counter()
            self.signer.sign_pdf(self.staging / "report.pdf")
            self._timed("report_pdf_sign", started)


def run_report(unit_code: str, window: Window, url: str | None = None, out_dir: str | Path | None = None,
               include_personal_data: bool = False, *, session: KernelSession | None = None,
               cell_timeout: int = CELL_TIMEOUT_S, notebooks_dir: Path = NOTEBOOKS_DIR,
               store_history: bool = True, notes_file: Path | None = None,
               report_date: str = "", sign: bool = False,
               on_step: Callable[[str], None] | None = None) -> Path:
    """Produce the complete outputs folder of one unit and window; returns its path.

    ``store_history``: keep the indicators in the database's run history (trends); ``verify
    --rerun`` runs without it and never writes the database. ``notes_file``: the period's notes
    (default ``<target>.ghi-chu.yaml``, created empty and commented when missing); the notes used
    are copied into the folder as ghi-chu.yaml. ``report_date``: the signing date to keep (a
    re-run reproduces the original). ``on_step``: told each step's label as it begins
    (REPORT_STEPS of them: kernel, each notebook, rendering, manifest), for a progress bar.

    ``session``: a running KernelSession to reuse (``parbook batch``); otherwise one is started
    and stopped here. ``sign``: sign report.pdf and the manifest when the unit's signing
    configuration names a certificate (``parbook report``, ``batch`` and ``demo`` do; a re-run
    for comparison does not) — the certificate is opened before any notebook runs, so a wrong
    password or a missing file fails at once (SigningError). Raises ReportError (notebook and
    cell named) when a notebook fails; the previous outputs folder, if any, is left untouched.
    """
    validate_unit_code(unit_code)
    if not isinstance(window, Window):
        raise PeriodError("window phải là parbook.timeline.periods.Window (window must be a Window)")
    target = (Path(out_dir) if out_dir else outputs_dir(unit_code, window.period)).absolute()
    check_target(target)
    with db.begin(url) as conn:          # an unknown unit is refused before any notebook runs
        require_unit(conn, unit_code)
    signer = unit_signer(unit_code) if sign else None
    _clean_stale(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-{os.getpid()}-", dir=target.parent))
    try:
        run_id = (f"{unit_code}/{window.period}/{window.window}/{window.as_of:%Y%m%d}/"
                  f"{datetime.now():%Y%m%dT%H%M%S}")
        if notes_file is None:
            notes_file = notes_path(target)
            ensure_notes_file(notes_file, unit_code, window.period)
        if Path(notes_file).is_file():
            shutil.copyfile(notes_file, staging / NOTES_COPY)
        summary = {"run_id": run_id, "export_dir": str(staging), "store_history": store_history,
                   "notes_file": str(staging / NOTES_COPY) if (staging / NOTES_COPY).is_file() else "",
                   "report_date": report_date}
        own_session = session is None
        renderer = _Renderer(staging, unit_code, window, summary, signer)
        runs: list[NotebookRun] = []
        current = NOTEBOOKS[0]
        closer: threading.Thread | None = None
        step = on_step or (lambda _label: None)
        started_all = time.perf_counter()
        # Not a `with` block: on Ctrl-C the run must not wait for a rendering thread (one importing
        # WeasyPrint holds the import lock for seconds); the process ends without it.
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parbook-render")
        # the analysis is computed here while the kernel starts, and handed to it (one pickle)
        host = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parbook-analysis")
        handoff = host.submit(_host_analysis, unit_code, window, url, staging / HANDOFF)
        host.shutdown(wait=False)
        try:
            jobs: list[Future[Any]] = []
            try:
                started = time.perf_counter()
                step("kernel")
                if session is None:
                    session = KernelSession(url)      # assigned first: a Ctrl-C while it starts
                    session.start()                   # still closes it (below)
                elif session.url != db_url(url):
                    raise ReportError("Phiên kernel dùng CSDL khác (the session uses another database)")
                renderer.timings["kernel_start"] = round(time.perf_counter() - started, 3)
                started = time.perf_counter()
                session.warm_up()
                session.connect()
                _hand_over(session, handoff, _parameters(unit_code, window, "", {}))
                renderer.timings["analysis_wait"] = round(time.perf_counter() - started, 3)
                jobs.append(pool.submit(_warm_host_imports))
                for number, name in enumerate(NOTEBOOKS, 1):
                    current = name
                    step(f"notebook {number}/{len(NOTEBOOKS)} {name}")
                    started = time.perf_counter()
                    session.execute(notebooks_dir / f"{name}.ipynb", staging / "notebooks" / f"{name}.ipynb",
                                    _parameters(unit_code, window, name, summary), cwd=staging,
                                    timeout=cell_timeout)
                    runs.append(NotebookRun(name, time.perf_counter() - started))
                    jobs.append(pool.submit(renderer.audit, name, runs[-1].seconds))
                    if name == SUMMARY_NOTEBOOK:
                        run_info = _read_run_info(staging)
                        jobs.append(pool.submit(renderer.district, run_info))
            except BaseException:
                for job in jobs:
                    job.cancel()          # no rendering for a run that failed
                raise
            finally:
                if own_session and session is not None:
                    closer = threading.Thread(target=session.close, name="parbook-kernel-close")
                    closer.start()
                    session = None
            current = "(kết xuất / rendering)"
            step("HTML, PDF")
            for job in jobs:
                job.result()
            pool.shutdown()
        except KeyboardInterrupt:
            _abandon(pool, closer, staging)
            raise
        except Exception as exc:
            pool.shutdown(cancel_futures=True)
            _drop_handoff(handoff)               # never kept in a failed folder (personal data)
            message, cell = _failure_message(exc, current)
            if session is not None and not session.alive:
                message += " (kernel đã dừng — the kernel died)"
            if closer is not None:
                closer.join()
            kept = _keep_failed(staging, target, message)
            log.error("%s", message)
            raise ReportError(message, notebook=current if current in NOTEBOOKS else None, cell=cell,
                              kept=kept) from exc

        try:
            step("manifest")
            personal = None
            if include_personal_data:
                personal = _write_internal_list(staging, unit_code, window, url)
            parameters = {"unit": unit_code, "period": window.period, "window": window.window,
                          "as_of": window.as_of.isoformat(), "include_personal_data": include_personal_data}
            renderer.timings["notebooks"] = round(sum(r.seconds for r in runs), 3)
            renderer.timings["total_before_manifest"] = round(time.perf_counter() - started_all, 3)
            manifest = build_manifest(staging, parameters, window, run_info, url,
                                      [{"name": r.name, "seconds": round(r.seconds, 2)} for r in runs],
                                      signature=signer.describe() if signer else None,
                                      code=renderer.code)
            manifest["timings_s"] = renderer.timings
            manifest["report"] = {k: (run_info.get("report_header") or {}).get(k)
                                  for k in ("number", "report_date")}
            if personal:
                manifest["personal_data_export"] = personal
            write_manifest(staging, manifest)
            if signer is not None:
                signer.sign_detached(staging / MANIFEST, staging / MANIFEST_SIG)
            if closer is not None:
                closer.join()
            publish(staging, target)
            shutil.rmtree(target.parent / f"{target.name}.failed", ignore_errors=True)  # now outdated
        except KeyboardInterrupt:
            _abandon(pool, closer, staging)
            raise
        except Exception as exc:
            message = ("Không hoàn tất thư mục kết quả (could not finish the outputs): "
                       f"{type(exc).__name__}: {exc}")
            kept = _keep_failed(staging, target, message) if staging.exists() else None
            raise ReportError(message, kept=kept) from exc
        return target
    except KeyboardInterrupt:         # Ctrl-C at any moment of the run leaves no work folder
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _host_analysis(unit_code: str, window: Window, url: str | None, path: Path) -> Path | None:
    """The run's analysis (parbook.pipeline.analyse, as the notebooks compute it), pickled for
    the kernel; None if it fails — the summary notebook then computes it and names the cell."""
    from parbook.pipeline import analyse

    try:
        analysis = analyse(unit_code, window, url)
        _ = analysis.findings.frame     # the messages formatted here, while the kernel starts
        with open(path, "wb") as handle:
            pickle.dump(analysis, handle, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 — the kernel computes it again and reports the error there
        log.info("analysis in the host failed; the kernel computes it", exc_info=True)
        path.unlink(missing_ok=True)
        return None
    return path


def _hand_over(session: KernelSession, handoff: Future[Path | None], parameters: dict[str, Any]
               ) -> None:
    """Load the host's analysis into the kernel, then delete the file at once."""
    path = handoff.result()
    if path is None:
        return
    try:
        session.preload(path, parameters)
    finally:
        path.unlink(missing_ok=True)


def _drop_handoff(handoff: Future[Path | None]) -> None:
    try:
        path = handoff.result()
    except BaseException:  # noqa: BLE001 — nothing to remove
        return
    if path is not None:
        path.unlink(missing_ok=True)


def _abandon(pool: ThreadPoolExecutor, closer: threading.Thread | None, staging: Path) -> None:
    """After Ctrl-C: drop pending rendering without waiting for it, let the kernel stop (it is
    killed if it has not within a second), remove the work folder; the previous outputs stay."""
    pool.shutdown(wait=False, cancel_futures=True)
    if closer is not None:
        closer.join(timeout=5)
    shutil.rmtree(staging, ignore_errors=True)


def _read_run_info(staging: Path) -> dict[str, Any]:
    path = staging / RUN_INFO
    if not path.is_file():
        raise ReportError(f"Notebook {SUMMARY_NOTEBOOK} không ghi kết quả (no run info: its export "
                          "cell did not run)")
    info = json.loads(path.read_text(encoding="utf-8"))
    path.unlink()
    return info


def _unit_row(run_info: dict[str, Any], unit_code: str) -> dict[str, Any]:
    """The unit's row (report header), as the kernel read it."""
    return dict(run_info.get("unit_row") or {"unit_code": unit_code})


def _write_internal_list(staging: Path, unit_code: str, window: Window, url: str | None
                         ) -> dict[str, Any]:
    from parbook.report.followup import FOLLOWUP_FILE, write_followup_list

    path = staging / INTERNAL_DIR / FOLLOWUP_FILE
    rows = write_followup_list(staging / "findings.csv", unit_code, window, path, url)
    user = getpass.getuser()
    log.warning("Đã xuất danh sách nội bộ CÓ DỮ LIỆU CÁ NHÂN theo yêu cầu --include-personal-data "
                "(internal list WITH personal data): %s, %d dòng, người chạy %s", path.name, rows, user)
    return {"file": f"{INTERNAL_DIR}/{FOLLOWUP_FILE}", "rows": rows, "requested_by": user,
            "at": datetime.now().isoformat(timespec="seconds"),
            "note": "Tài liệu nội bộ, không gửi kèm báo cáo (NĐ 13/2023)"}
