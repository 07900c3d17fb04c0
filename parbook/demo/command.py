"""``parbook demo``: write the demo commune, then produce the quarterly outputs of its latest
complete quarter (the full report when parbook.render is present, else the check outputs)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from parbook import db
from parbook.demo import profile
from parbook.demo.store import DemoRefused, demo_sheets, write_demo
from parbook.periods import PeriodError, Window
from parbook.pipeline import analyse, default_out_dir, prepare, write_check_outputs


def default_period(year: int) -> str:
    """The latest complete quarter of the demo year: its data run to the January export."""
    return f"{year}-Q4"


def _optional(module: str, name: str) -> Any:
    """module.name if the module exists (built by another part of the project), else None."""
    import importlib

    try:
        return getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        return None


def produce_outputs(window: Window, url: str | None = None) -> Path:
    """The report of the demo unit (parbook.render), or its check outputs (parbook.pipeline)."""
    out_dir = default_out_dir(profile.UNIT_CODE, window)
    run_report = _optional("parbook.render", "run_report")
    if run_report is not None:
        return Path(run_report(profile.UNIT_CODE, window, url=url, out_dir=out_dir))
    try:
        analysis = analyse(profile.UNIT_CODE, window, url)
    except ModuleNotFoundError as exc:
        if exc.name not in ("parbook.checks", "parbook.indicators"):
            raise
        print(f"Chưa có mô-đun {exc.name}: chỉ ghi Biểu 06 (module missing: bieu06.csv only).",
              file=sys.stderr)
        from parbook.facts import load_for_window

        with db.engine(url).connect() as conn:
            analysis = prepare(load_for_window(conn, profile.UNIT_CODE, window), window)
        out_dir.mkdir(parents=True, exist_ok=True)
        analysis.bieu06.to_csv(out_dir / "bieu06.csv", index=False, lineterminator="\n")
        return out_dir
    write_check_outputs(analysis, out_dir)
    return out_dir


def cmd_demo(args: argparse.Namespace) -> int:
    """Write the demo commune (and optionally its workbook), then its quarterly outputs."""
    try:
        window = Window.parse(args.period or default_period(args.year), "nd09")
        result = write_demo(args.db, args.seed, args.year)
    except (DemoRefused, PeriodError, ValueError) as exc:
        print(f"Lỗi (error): {exc}", file=sys.stderr)
        return 2
    counts = result.counts
    print(f"Xã mô phỏng {result.unit_code} (seed {result.seed}, năm {result.year}) → {result.url}")
    print(f"  {counts['dossiers']} hồ sơ, {counts['dossier_events']} sự kiện, {counts['surveys']} "
          f"phiếu đánh giá, {counts['feedback']} PAKN, {counts['legal_documents']} VBQPPL, "
          f"{counts['plan_tasks']} nhiệm vụ (tạo {result.seconds['generate']:.1f} s, "
          f"ghi {result.seconds['write']:.1f} s)")
    print(f"  Đáp án kiểm tra (ground truth, {len(result.ground_truth)} phát hiện, "
          f"năm {result.year} nd09): {result.ground_truth_path}")
    if args.workbook:
        write_workbook = _optional("parbook.template", "write_workbook")
        if write_workbook is None:
            print("Chưa có mô-đun parbook.template: chưa ghi được sổ Excel "
                  "(import workbook writer not available yet).", file=sys.stderr)
        else:
            write_workbook(Path(args.workbook), demo_sheets(result.tables))
            print(f"  Sổ nhập liệu (workbook): {args.workbook}")
    if args.no_report:
        return 0
    out = produce_outputs(window, args.db)
    print(f"Kết quả {window.label_vi()} (outputs): {out}")
    return 0
