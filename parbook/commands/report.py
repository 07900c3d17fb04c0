"""``parbook report``: the complete outputs folder of a unit and window."""

from __future__ import annotations

import argparse
import sys
import time

from parbook.commands.check import window_from_args
from parbook.commands.progress import Steps
from parbook.report.manifest import MANIFEST_SIG, read_manifest
from parbook.report.run import INTERNAL_DIR, REPORT_STEPS, ReportError, run_report
from parbook.store.params import validate_unit_code


def cmd_report(args: argparse.Namespace) -> int:
    """``parbook report``: exit 0 with the outputs folder written, 1 if a notebook failed."""
    window = window_from_args(args)
    validate_unit_code(args.unit)
    if args.include_personal_data:
        print("CẢNH BÁO: --include-personal-data — sẽ tạo danh sách nội bộ có họ tên, số điện thoại "
              f"trong thư mục {INTERNAL_DIR}/ (internal list with personal data; never send it).",
              file=sys.stderr)
    started = time.perf_counter()
    try:
        with Steps(REPORT_STEPS, f"Báo cáo {args.unit} {window.period}") as steps:
            folder = run_report(args.unit, window, args.db, args.out, args.include_personal_data,
                                sign=True, on_step=steps)
    except ReportError as exc:
        print(f"Lỗi (error): {exc}", file=sys.stderr)
        if exc.kept:
            print(f"Đã giữ notebook lỗi tại (failed run kept in): {exc.kept}", file=sys.stderr)
        return 1
    print(f"Báo cáo {window.label_vi()} của {args.unit}: {folder} ({time.perf_counter() - started:.1f} s)")
    print(f"  {folder / 'report.pdf'}")
    signature = read_manifest(folder).get("signature")
    if signature:
        print(f"  Đã ký số (signed) report.pdf và {MANIFEST_SIG}: {signature['signer']}")
    return 0
