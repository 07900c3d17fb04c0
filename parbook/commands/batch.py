"""``parbook batch``: the quarterly report of many communes on a Dask cluster, with a district table.

``--scheduler ADDRESS`` sends each commune to the workers of a running Dask cluster (machines
with parbook installed and the unit's configuration); without it a LocalCluster of ``--jobs``
worker processes runs on this machine. Each worker keeps one ``parbook`` kernel for all the
communes it renders (kernel start, imports and Great Expectations are paid once per worker, not
per commune), renders into a private folder and returns the files, which land under the output
root where the command runs. Workers on other machines need a server database: a SQLite file
with a remote scheduler is refused. Progress is shown as communes finish; one commune failing
does not stop the others; the command exits non-zero at the end if any failed. The district
summary (one row per commune: key indicators of the period, findings by severity, status) is
written as CSV and XLSX into the output root.
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
from sqlalchemy import select

from parbook.analysis.figures import indicator_label
from parbook.errors import ParbookError
from parbook.report.cluster import OUT, UnitResult, close_session, render_one
from parbook.report.labels import SEVERITY_LABELS
from parbook.report.notes import notes_path
from parbook.store import db
from parbook.store.config import OUTPUTS_DIR, db_url, outputs_dir
from parbook.store.params import validate_unit_code
from parbook.store.spreadsheet import write_csv
from parbook.store.units import UnitError, all_units, check_window, predecessors
from parbook.timeline.periods import PeriodError, Window

SUMMARY_INDICATORS = ("ontime_rate", "online_rate", "apology_coverage", "multi_supplement_count",
                      "survey_coverage", "satisfaction_rate", "feedback_ontime_rate", "digitized_rate",
                      "tt01_total")
SEVERITIES = ("violation", "error", "warning")


def resolve_units(spec: str, url: str | None = None, window: Window | None = None) -> list[str]:
    """``all`` = every unit with at least one dossier (its own or a predecessor's) that existed
    in the window (a commune merged away before it is its successor's); else a comma-separated
    list (validated)."""
    if spec.strip().lower() == "all":
        with db.engine(url).connect() as conn:
            codes = set(conn.execute(select(db.dossiers.c.unit_code).distinct()).scalars().all())
            units = all_units(conn)
        found = {c for c in units if c in codes or codes & set(predecessors(units, c))}
        if window is not None:
            found = {c for c in found if _existed(units, c, window)}
        return sorted(str(c) for c in found)
    codes = [c.strip() for c in spec.split(",") if c.strip()]
    if not codes:
        raise ValueError("Chưa nêu đơn vị nào (no unit given): --units CODE,CODE hoặc all")
    return [validate_unit_code(c) for c in dict.fromkeys(codes)]


def _existed(units: dict[str, dict[str, Any]], code: str, window: Window) -> bool:
    try:
        check_window(units, code, window.start, window.end)
    except UnitError:
        return False
    return True


def unit_folder(root: Path | None, unit_code: str, window: Window) -> Path:
    """The unit's outputs folder under the root (the default layout of ``parbook report``)."""
    default = outputs_dir(unit_code, window.period)
    return default if root is None else Path(root) / default.relative_to(OUTPUTS_DIR)


# ------------------------------------------------------------------------------------------------
# host side

LOOPBACK_HOSTS = ("localhost", "::1", "[::1]")


class BatchError(ParbookError):
    """A batch that cannot start: a database the workers cannot reach, a scheduler not found."""


def is_local_address(address: str) -> bool:
    """Whether a Dask scheduler address names this machine (loopback)."""
    host = urlsplit(address if "://" in address else f"tcp://{address}").hostname or ""
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def check_cluster_database(url: str, scheduler: str | None) -> None:
    """Workers on other machines cannot open this machine's SQLite file: refuse it with a remote
    scheduler (BatchError)."""
    if scheduler and not is_local_address(scheduler) and url.startswith("sqlite:"):
        raise BatchError(
            f"Cụm Dask {scheduler} ở máy khác không mở được tệp SQLite của máy này; dùng CSDL "
            f"máy chủ (PostgreSQL) với --db (workers on other machines need a server database, "
            f"not a SQLite file)")


def _client(scheduler: str | None, jobs: int) -> Any:
    """A Dask client: of the scheduler at that address, else of a LocalCluster of ``jobs``
    single-threaded worker processes (no dashboard)."""
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout=30)
        except OSError as exc:
            raise BatchError(f"Không kết nối được bộ điều phối Dask {scheduler} "
                             f"(cannot reach the scheduler): {exc}") from exc
    # no statistical profiler in the workers: it samples every thread's stack each 10 ms (Dask's
    # dashboard reads it; we start none) and took ~10% of a worker's CPU while it rendered
    with dask.config.set({"distributed.worker.multiprocessing-method": _start_method(),
                          "distributed.worker.profile.enabled": False}):
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                               dashboard_address=None)
    return Client(cluster)


def _start_method() -> str:
    """How the LocalCluster's worker processes start: forked from a Dask forkserver (Dask's
    imports paid once, not once per worker), where the platform has one. A forked worker also
    ends with its process, without the interpreter's teardown of every module it imported —
    a spawned worker's took over 4 s after a batch of two workers (Dask then killed it)."""
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


def _host_path(name: str, folder: Path) -> Path:
    """Where a worker's file lands: ``out…`` is the unit's folder (``out.failed`` its failed
    twin, ``out.ghi-chu.yaml`` its notes)."""
    top, _, rest = name.partition("/")
    return folder.parent / (folder.name + top[len(OUT):]) / rest


def write_unit_files(files: dict[str, bytes], folder: Path) -> None:
    """Write a worker's files where the command runs: ``out/…`` replaces the unit's folder (and
    drops an outdated ``.failed`` one), ``out.failed/…`` replaces ``<folder>.failed``, a file
    beside them (the notes) is written only when missing here."""
    trees = {name.partition("/")[0] for name in files if "/" in name}
    for top in trees:
        shutil.rmtree(_host_path(top + "/", folder), ignore_errors=True)
    if OUT in trees:
        shutil.rmtree(_host_path(f"{OUT}.failed/", folder), ignore_errors=True)
    for name, content in files.items():
        path = _host_path(name, folder)
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
        elif "/" in name or not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)


def run_batch(period: str, units: list[str], jobs: int = 2, url: str | None = None, window: str = "nd09",
              as_of: str | None = None, out_root: Path | None = None, progress: bool = True,
              scheduler: str | None = None) -> tuple[list[UnitResult], Path]:
    """Render every unit's report on a Dask cluster (the scheduler's, else a LocalCluster of
    ``jobs`` workers); the files land under ``out_root`` here. Returns the results and the
    summary CSV."""
    w = Window.parse(period, window, as_of)
    url = db_url(url)
    check_cluster_database(url, scheduler)
    jobs = max(1, min(int(jobs), len(units) or 1))
    root = Path(out_root) if out_root else OUTPUTS_DIR
    results: list[UnitResult] = []
    bar = _progress(len(units), progress)
    from distributed import as_completed

    with _client(scheduler, jobs) as client:
        run_id = uuid.uuid4().hex[:8]
        futures = {client.submit(render_one, u, period, window, as_of, url,
                                 _notes(unit_folder(out_root, u, w)),
                                 key=f"parbook-{u}-{w.period}-{run_id}"): u for u in units}
        for future in as_completed(futures):
            unit = futures[future]
            try:
                result, files = future.result()
                folder = unit_folder(out_root, unit, w)
                write_unit_files(files, folder)
                if result.ok:
                    result.folder = str(folder)
            except Exception as exc:  # noqa: BLE001 — a dead worker fails its unit, not the batch
                result = UnitResult(unit, False, None, 0.0, f"{type(exc).__name__}: {exc}")
            future.release()
            results.append(result)
            bar.update(1)
            bar.set_postfix_str(f"{result.unit_code} {'ok' if result.ok else 'LỖI'}")
        client.run(close_session)            # each worker's kernel
        if not scheduler:
            client.cluster.close()
    bar.close()
    results.sort(key=lambda r: r.unit_code)
    summary = district_summary(results)
    root.mkdir(parents=True, exist_ok=True)
    csv_path = root / f"tong-hop-{w.period}{'' if w.window == 'nd09' else '-' + w.window}.csv"
    write_csv(summary, csv_path)
    write_summary_xlsx(summary, csv_path.with_suffix(".xlsx"), w)
    return results, csv_path


def _notes(folder: Path) -> bytes | None:
    """The period's notes file of a unit here (``<folder>.ghi-chu.yaml``), for its worker."""
    path = notes_path(folder)
    return path.read_bytes() if path.is_file() else None


def _progress(total: int, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc="Báo cáo các xã", unit="xã", disable=not enabled, file=sys.stderr)


def _unit_row(result: UnitResult) -> dict[str, Any]:
    row: dict[str, Any] = {"unit_code": result.unit_code, "status": "ok" if result.ok else "failed",
                           "seconds": round(result.seconds, 1)}
    if result.ok and result.folder:
        folder = Path(result.folder)
        ind = pd.read_csv(folder / "indicators.csv")
        period = ind[ind["scope"] == "period"].set_index("indicator_id")
        for iid in SUMMARY_INDICATORS:
            row[iid] = period["value"].get(iid) if iid in period.index else None
        findings = pd.read_csv(folder / "findings.csv", dtype=str)
        counts = findings["severity"].value_counts()
        for s in SEVERITIES:
            row[f"findings_{s}"] = int(counts.get(s, 0))
        row["report"] = str(folder / "report.pdf")
    row["error"] = result.error
    return row


def district_summary(results: list[UnitResult]) -> pd.DataFrame:
    """One row per commune: status, key indicators of the period, findings per severity."""
    columns = ["unit_code", "status", *SUMMARY_INDICATORS, *(f"findings_{s}" for s in SEVERITIES),
               "seconds", "report", "error"]
    return pd.DataFrame([_unit_row(r) for r in results], columns=columns)


def write_summary_xlsx(summary: pd.DataFrame, path: Path, window: Window) -> Path:
    """The district table with Vietnamese headers (formula-safe cells)."""
    from openpyxl import Workbook

    from parbook.report.workbook import write_table

    headers = {"unit_code": "Mã đơn vị", "status": "Trạng thái",
               **{i: indicator_label(i) for i in SUMMARY_INDICATORS},
               **{f"findings_{s}": f"Số phát hiện: {SEVERITY_LABELS[s].lower()}" for s in SEVERITIES},
               "seconds": "Thời gian (giây)", "report": "Báo cáo", "error": "Lỗi"}
    wb = Workbook()
    ws = wb.active
    ws.title = "Tổng hợp"
    ws.append([f"TỔNG HỢP TỰ KIỂM TRA CÁC XÃ — {window.label_vi().upper()} "
               f"({window.start:%d/%m/%Y}–{window.end:%d/%m/%Y}, chốt {window.as_of:%d/%m/%Y})"])
    ws.append([])
    write_table(ws, summary, headers=headers)
    wb.save(path)
    return path


def cmd_batch(args: argparse.Namespace) -> int:
    """``parbook batch``: exit 0 when every commune's report was produced, 1 otherwise."""
    try:
        window = Window.parse(args.period, args.window, args.as_of)
        units = resolve_units(args.units, args.db, window)
    except (PeriodError, ValueError) as exc:
        print(f"Lỗi tham số (invalid parameter): {exc}", file=sys.stderr)
        return 2
    if not units:
        print("Không có đơn vị nào có hồ sơ trong CSDL (no unit with dossiers).", file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        results, summary = run_batch(args.period, units, args.jobs, args.db, args.window,
                                     args.as_of, Path(args.out) if args.out else None,
                                     scheduler=getattr(args, "scheduler", None))
    except BatchError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 2
    failed = [r for r in results if not r.ok]
    elapsed = time.perf_counter() - started
    print(f"Đã xong {len(results) - len(failed)}/{len(results)} xã trong {elapsed:.1f} s (done). "
          f"Bảng tổng hợp (summary): {summary}")
    for r in failed:
        print(f"  LỖI {r.unit_code}: {r.error}", file=sys.stderr)
    return 1 if failed else 0
