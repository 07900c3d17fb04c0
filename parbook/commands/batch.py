"""``parbook batch``: the quarterly report of many communes, in parallel, with a district table.

Each worker process keeps one ``parbook`` kernel for all the communes it renders (kernel start,
imports and Great Expectations are paid once per worker, not per commune). One commune failing
does not stop the others; the command exits non-zero at the end if any failed. The district
summary (one row per commune: key indicators of the period, findings by severity, status) is
written as CSV and XLSX into the output root.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select

from parbook.analysis.figures import indicator_label
from parbook.report.labels import SEVERITY_LABELS
from parbook.store import db
from parbook.store.config import OUTPUTS_DIR, outputs_dir
from parbook.store.params import validate_unit_code
from parbook.store.spreadsheet import write_csv
from parbook.store.units import UnitError, all_units, check_window, predecessors
from parbook.timeline.periods import PeriodError, Window

SUMMARY_INDICATORS = ("ontime_rate", "online_rate", "apology_coverage", "multi_supplement_count",
                      "survey_coverage", "satisfaction_rate", "feedback_ontime_rate", "digitized_rate",
                      "tt01_total")
SEVERITIES = ("violation", "error", "warning")


@dataclass
class UnitResult:
    """One commune of a batch."""

    unit_code: str
    ok: bool
    folder: str | None
    seconds: float
    error: str | None = None


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
# worker side

_SESSION: Any = None


def _worker_init(url: str | None) -> None:
    """Start this worker's kernel; it is shut down when the worker exits."""
    from multiprocessing import util

    from parbook.report.run import KernelSession

    global _SESSION
    _SESSION = KernelSession(url).start()
    util.Finalize(None, _SESSION.close, exitpriority=10)


def _render_one(unit_code: str, period: str, window_kind: str, as_of: str | None, folder: str,
                url: str | None) -> UnitResult:
    from parbook.report.run import ReportError, run_report
    from parbook.report.signing import SigningError

    started = time.perf_counter()
    try:
        window = Window.parse(period, window_kind, as_of)
        path = run_report(unit_code, window, url=url, out_dir=folder, session=_SESSION, sign=True)
        return UnitResult(unit_code, True, str(path), time.perf_counter() - started)
    except (ReportError, SigningError, ValueError, KeyError, PeriodError) as exc:
        return UnitResult(unit_code, False, None, time.perf_counter() - started, str(exc))


# ------------------------------------------------------------------------------------------------
# host side


def run_batch(period: str, units: list[str], jobs: int = 2, url: str | None = None, window: str = "nd09",
              as_of: str | None = None, out_root: Path | None = None, progress: bool = True
              ) -> tuple[list[UnitResult], Path]:
    """Render every unit's report with ``jobs`` workers; returns the results and the summary CSV."""
    w = Window.parse(period, window, as_of)
    jobs = max(1, min(int(jobs), len(units) or 1))
    root = Path(out_root) if out_root else OUTPUTS_DIR
    results: list[UnitResult] = []
    ctx = multiprocessing.get_context("spawn")
    bar = _progress(len(units), progress)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_worker_init,
                             initargs=(url,)) as pool:
        futures: dict[Future[UnitResult], str] = {
            pool.submit(_render_one, u, period, window, as_of, str(unit_folder(out_root, u, w)), url): u
            for u in units}
        for future in as_completed(futures):
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 — a dead worker fails its unit, not the batch
                result = UnitResult(futures[future], False, None, 0.0, f"{type(exc).__name__}: {exc}")
            results.append(result)
            bar.update(1)
            bar.set_postfix_str(f"{result.unit_code} {'ok' if result.ok else 'LỖI'}")
    bar.close()
    results.sort(key=lambda r: r.unit_code)
    summary = district_summary(results)
    root.mkdir(parents=True, exist_ok=True)
    csv_path = root / f"tong-hop-{w.period}{'' if w.window == 'nd09' else '-' + w.window}.csv"
    write_csv(summary, csv_path)
    write_summary_xlsx(summary, csv_path.with_suffix(".xlsx"), w)
    return results, csv_path


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
    results, summary = run_batch(args.period, units, args.jobs, args.db, args.window, args.as_of,
                                 Path(args.out) if args.out else None)
    failed = [r for r in results if not r.ok]
    elapsed = time.perf_counter() - started
    print(f"Đã xong {len(results) - len(failed)}/{len(results)} xã trong {elapsed:.1f} s (done). "
          f"Bảng tổng hợp (summary): {summary}")
    for r in failed:
        print(f"  LỖI {r.unit_code}: {r.error}", file=sys.stderr)
    return 1 if failed else 0
