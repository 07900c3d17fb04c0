"""``parbook demo``: write the demo commune, then produce the quarterly outputs of its latest
complete quarter."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from parbook.demo import profile
from parbook.demo.store import workbook_tables, write_demo
from parbook.intake.template import write_workbook
from parbook.report.run import ReportError, run_report
from parbook.store.config import DEMO_DB_URL, db_url, outputs_dir
from parbook.timeline.periods import Window


def default_period(year: int | None) -> str:
    """The latest complete quarter of the demo: 2026-Q3 for the span (its data run to the
    October 2026 export); the year's Q4 for one commune-year (data to the January export)."""
    return profile.SPAN_DEFAULT_PERIOD if year is None else f"{year}-Q4"


def produce_outputs(window: Window, url: str | None = None) -> Path:
    """The quarterly report of the demo unit (parbook.report.run.run_report)."""
    out_dir = outputs_dir(profile.UNIT_CODE, window.period)
    return Path(run_report(profile.UNIT_CODE, window, url=url, out_dir=out_dir, sign=True))


def cmd_demo(args: argparse.Namespace) -> int:
    """Write the demo commune (and optionally its workbook), then its quarterly outputs."""
    window = Window.parse(args.period or default_period(args.year), "nd09")
    url = db_url(args.db or DEMO_DB_URL)
    result = write_demo(url, args.seed, args.year)
    counts = result.counts
    span = ("từ 2024 đến quý III/2026, sáp nhập " + ", ".join(
        p["unit_code"] for p in profile.PREDECESSORS) + " từ 01/7/2025"
        if result.year is None else f"năm {result.year}")
    print(f"Xã mô phỏng {result.unit_code} (seed {result.seed}, {span}) → {result.url}")
    print(f"  {counts['dossiers']} hồ sơ, {counts['dossier_events']} sự kiện, {counts['surveys']} "
          f"phiếu đánh giá, {counts['feedback']} PAKN, {counts['legal_documents']} VBQPPL, "
          f"{counts['plan_tasks']} nhiệm vụ (tạo {result.seconds['generate']:.1f} s, "
          f"ghi {result.seconds['write']:.1f} s)")
    if result.year is None:
        per = result.ground_truth.groupby("period").size()
        which = ", ".join(f"{p}: {n}" for p, n in per.items())
        print(f"  Đáp án kiểm tra (ground truth, phát hiện theo kỳ nd09 — {which}): "
              f"{result.ground_truth_path}")
    else:
        print(f"  Đáp án kiểm tra (ground truth, {len(result.ground_truth)} phát hiện, "
              f"năm {result.year} nd09): {result.ground_truth_path}")
    if args.workbook:
        write_workbook(Path(args.workbook), workbook_tables(result.tables))
        print(f"  Sổ nhập liệu (workbook, nạp lại bằng parbook ingest): {args.workbook}")
    if args.no_report:
        return 0
    try:
        out = produce_outputs(window, url)
    except ReportError as exc:
        print(f"Lỗi khi lập báo cáo (report failed): {exc}", file=sys.stderr)
        return 1
    print(f"Kết quả {window.label_vi()} (outputs): {out}")
    print(f"Báo cáo gửi cấp trên (report): {out / 'report.pdf'}")
    return 0
