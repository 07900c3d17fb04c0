"""``parbook check``: findings, indicators and Biểu 06 without notebooks."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from parbook.commands.progress import Steps
from parbook.errors import ParbookError
from parbook.pipeline import ANALYSE_STEPS, analyse
from parbook.report.files import write_check_outputs
from parbook.store.config import outputs_dir
from parbook.timeline.periods import Window


def window_from_args(args: argparse.Namespace) -> Window:
    """The window of --period/--window/--as-of, validated; an as-of date after today is refused
    (figures "as of" a day that has not come would only be today's, mislabelled)."""
    window = Window.parse(args.period, args.window, args.as_of)
    if args.as_of and window.as_of > date.today():
        raise ParbookError(f"Ngày chốt số liệu {window.as_of:%d/%m/%Y} ở tương lai (as-of date in the "
                           f"future): dùng một ngày đến hết hôm nay {date.today():%d/%m/%Y}")
    return window


def cmd_check(args: argparse.Namespace) -> int:
    window = window_from_args(args)
    try:
        with Steps(len(ANALYSE_STEPS) + 1, f"Kiểm tra {args.unit} {window.period}") as steps:
            analysis = analyse(args.unit, window, args.db, backend=args.backend, on_step=steps)
            out_dir = Path(args.out) if args.out else outputs_dir(args.unit, window.period)
            steps("ghi kết quả (writing)")
            write_check_outputs(analysis, out_dir)
    except SQLAlchemyError as exc:
        raise ParbookError(f"Lỗi đọc CSDL — đã chạy 'parbook init' chưa? (database error — did you "
                           f"run 'parbook init'?): {type(exc).__name__}") from exc
    findings = analysis.findings.records
    counts = findings.groupby("severity").size().to_dict()
    print(f"{analysis.data.unit['unit_name'] or args.unit} — {window.label_vi()} "
          f"({window.start:%d/%m/%Y}–{window.end:%d/%m/%Y}, chốt {window.as_of:%d/%m/%Y})")
    print(f"Hồ sơ trong phạm vi (dossiers in scope): {len(analysis.facts.period.dossiers)}")
    print("Phát hiện (findings): " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
                                      or "không có (none)"))
    print(f"Kết quả (outputs): {out_dir}")
    return 0
