"""``parbook verify DIR [--rerun]``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from parbook.report.manifest import MANIFEST
from parbook.report.run import ReportError
from parbook.report.verify import rerun, verify


def _yes_no(value: bool | None) -> str:
    return {True: "có", False: "không", None: "không xác định"}[value]


def cmd_verify(args: argparse.Namespace) -> int:
    """``parbook verify DIR [--rerun]``: exit 0 only if nothing changed (and the re-run matches)."""
    folder = Path(args.dir)
    try:
        result = verify(folder)
    except (FileNotFoundError, json.JSONDecodeError) as exc:
        print(f"Lỗi (error): {exc}", file=sys.stderr)
        return 2
    print(f"Đã kiểm tra {result.checked} tệp theo {MANIFEST} (files checked).")
    for label, names in (("Bị sửa (changed)", result.changed), ("Bị mất (missing)", result.missing),
                         ("Tệp lạ, không có trong manifest (added)", result.added),
                         ("Đường dẫn không hợp lệ trong manifest (unsafe path)", result.unsafe)):
        for name in names:
            print(f"  {label}: {name}")
    print("Toàn vẹn: ĐẠT (all hashes match)" if result.ok
          else "Toàn vẹn: KHÔNG ĐẠT (the folder differs from its manifest)")
    code = 0 if result.ok else 1
    if getattr(args, "rerun", False):
        try:
            comparison = rerun(folder, url=args.db)
        except (ReportError, ValueError, KeyError) as exc:
            print(f"Chạy lại thất bại (re-run failed): {exc}", file=sys.stderr)
            return 1
        print(f"Chạy lại vào (re-run in): {comparison.rerun_dir}")
        print(f"  Dữ liệu giống lần chạy trước (same data fingerprint): {_yes_no(comparison.data_same)}")
        print(f"  Mã nguồn giống lần chạy trước (same clean git commit): {_yes_no(comparison.code_same)}")
        for name, same in comparison.same.items():
            print(f"  {name}: {'giống hệt (identical)' if same else 'KHÁC (differs)'}")
        print("Kết quả chạy lại: GIỐNG HỆT (findings, indicators and forms identical)" if comparison.ok
              else "Kết quả chạy lại: KHÁC (results differ)")
        if not comparison.ok:
            code = 1
    return code
