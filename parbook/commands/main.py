"""Command line: ``parbook <lệnh> …`` (DESIGN.md §8). Help in Vietnamese and English."""

from __future__ import annotations

import argparse
import errno
import logging
import sys
from collections.abc import Callable, Sequence

from parbook import __version__
from parbook.commands.batch import cmd_batch
from parbook.commands.check import cmd_check
from parbook.commands.demo import cmd_demo
from parbook.commands.intake import cmd_ingest, cmd_quarantine
from parbook.commands.interrupt import INTERRUPTED_EXIT, interrupted_line
from parbook.commands.lab import cmd_lab
from parbook.commands.plan import cmd_plan
from parbook.commands.report import cmd_report
from parbook.commands.setup import add_units_parser, cmd_init, cmd_template, cmd_units
from parbook.commands.verify import cmd_verify
from parbook.errors import ParbookError
from parbook.plan.model import DEFAULT_PLAN
from parbook.store.config import checked_db_url

# command → handler; each takes the parsed args and returns an exit code.
HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "init": cmd_init, "template": cmd_template, "ingest": cmd_ingest,
    "quarantine": cmd_quarantine, "plan": cmd_plan, "check": cmd_check, "report": cmd_report,
    "batch": cmd_batch, "verify": cmd_verify, "demo": cmd_demo, "lab": cmd_lab,
    "units": cmd_units,
}

# Commands that create their database; the others read one that must exist (verify only to rerun).
CREATES_DATABASE = frozenset({"init", "demo"})
OS_ERRORS = {errno.EACCES: "không có quyền (permission denied)",
             errno.EPERM: "không có quyền (operation not permitted)",
             errno.EROFS: "ổ đĩa chỉ đọc (read-only file system)",
             errno.ENOSPC: "hết dung lượng đĩa (no space left on device)",
             errno.ENOTDIR: "không phải thư mục (not a directory)",
             errno.EISDIR: "là thư mục (is a directory)",
             errno.EEXIST: "đã có một tệp trùng tên chắn đường (a file is in the way)",
             errno.ENOENT: "không tồn tại (no such file or directory)"}

DESCRIPTION = """\
parbook — sổ tự kiểm tra CCHC hằng quý của UBND xã (chỉ số PAR INDEX, SIPAS).
parbook — the quarterly PAR/SIPAS self-inspection workbook of a commune People's Committee.

Quy trình / workflow:  init → ingest → check → report   (hoặc / or: demo)
"""


def _add_db(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db",
        metavar="URL",
        help="CSDL hồ sơ (SQLAlchemy URL); mặc định biến PARBOOK_DB hoặc "
        "sqlite:///data/parbook.sqlite — dossier database URL",
    )


def _add_window(p: argparse.ArgumentParser, unit_required: bool = True) -> None:
    if unit_required:
        p.add_argument("--unit", required=True, metavar="CODE", help="mã đơn vị — unit code")
    p.add_argument("--period", required=True, metavar="P",
                   help="kỳ báo cáo 2024-Q1…Q4 (hoặc 2024-q1…q4) hoặc 2024 — reporting period")
    p.add_argument("--window", default="nd09", choices=("nd09", "calendar"),
                   help="nd09 (15→14, mặc định) hoặc calendar — reporting window kind")
    p.add_argument("--as-of", dest="as_of", metavar="DATE",
                   help="ngày chốt số liệu yyyy-mm-dd hoặc dd/mm/yyyy, không sau hôm nay (mặc định: "
                        "cuối kỳ) — as-of date, not in the future")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="parbook", description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"parbook {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="ghi log chi tiết — verbose")
    sub = parser.add_subparsers(dest="command", metavar="<lệnh/command>")

    p = sub.add_parser("init", help="tạo CSDL và nạp dữ liệu tham chiếu — create the database")
    _add_db(p)
    p.add_argument("--unit", action="append", default=[], metavar="CODE",
                   help="thêm đơn vị (lặp lại được) — add a unit (repeatable)")
    p.add_argument("--unit-name", action="append", default=[], metavar="NAME",
                   help="tên đơn vị, theo thứ tự --unit — unit name, in --unit order (ingest "
                   "accepts only declared units)")
    p.add_argument("--district", help="huyện — district")
    p.add_argument("--province", help="tỉnh — province")

    add_units_parser(sub, _add_db)

    p = sub.add_parser("template", help="tạo sổ Excel mẫu để nhập liệu — write the import workbook")
    p.add_argument("file", metavar="FILE.xlsx")

    p = sub.add_parser("ingest", help="nạp tệp Excel/CSV vào CSDL — load exports into the database")
    _add_db(p)
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--unit", metavar="CODE",
                   help="mã đơn vị mặc định, đã khai báo bằng parbook init --unit — default unit "
                   "code, declared with parbook init --unit")
    p.add_argument("--create-unit", action="store_true",
                   help="tạo đơn vị chưa khai báo (chỉ có mã) thay vì từ chối / cách ly — create "
                   "undeclared units from their code")
    p.add_argument("--profile", metavar="NAME",
                   help="hồ sơ ánh xạ cột (data/reference/import_profiles) — import profile")
    p.add_argument("--no-progress", action="store_true", help="không hiện tiến độ — no progress bar")

    p = sub.add_parser("quarantine", help="liệt kê dòng bị cách ly — list quarantined rows")
    _add_db(p)
    p.add_argument("--batch", type=int, metavar="N", help="chỉ lô nhập N — only batch N")
    p.add_argument("--xlsx", metavar="FILE", help="xuất ra Excel để sửa — export to xlsx")

    p = sub.add_parser("plan", help="kế hoạch: nạp nhiệm vụ — plan tasks")
    _add_db(p)
    p.add_argument("action", choices=("load", "new"),
                   help="load: nạp kế hoạch thành nhiệm vụ; new: lập kế hoạch năm mới từ kế hoạch cũ")
    p.add_argument("--unit", metavar="CODE")
    p.add_argument("--year", type=int, help="năm của kế hoạch mới (new) — year of the new plan")
    p.add_argument("--from", dest="source", metavar="NAME", help="kế hoạch gốc (new) — source plan")
    p.add_argument("--out", metavar="FILE.yaml", help="tệp kế hoạch mới (new) — new plan file")
    p.add_argument("--plan", default=DEFAULT_PLAN, metavar="NAME",
                   help="tệp data/reference/plans/NAME.yaml")

    p = sub.add_parser("check", help="kiểm tra dữ liệu, tính chỉ số (nhanh) — checks and indicators")
    _add_db(p)
    _add_window(p)
    p.add_argument("--out", metavar="DIR", help="thư mục kết quả — output folder")
    p.add_argument("--backend", default="pandas", choices=("pandas", "sql"),
                   help="nơi chạy Great Expectations — where GX validates")

    p = sub.add_parser("report", help="báo cáo quý đầy đủ (notebook, HTML, PDF) — quarterly report")
    _add_db(p)
    _add_window(p)
    p.add_argument("--out", metavar="DIR", help="thư mục kết quả — output folder")
    p.add_argument("--include-personal-data", action="store_true",
                   help="thêm danh sách nội bộ có họ tên (ghi log) — internal list with names")

    p = sub.add_parser("batch", help="nhiều xã một lần — many units in one go")
    _add_db(p)
    _add_window(p, unit_required=False)
    p.add_argument("--units", default="all", metavar="CODE,...|all")
    p.add_argument("--jobs", type=int, default=2, metavar="N")
    p.add_argument("--scheduler", metavar="ADDRESS", help="cụm Dask (tcp://máy:8786) — Dask scheduler")
    p.add_argument("--out", metavar="DIR", help="thư mục gốc — output root")

    p = sub.add_parser("verify", help="kiểm tra manifest, chạy lại — verify an outputs folder")
    _add_db(p)
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--rerun", action="store_true", help="chạy lại và so sánh — execute again")
    p.add_argument("--trust", action="append", metavar="CERT",
                   help="chứng thư gốc tin cậy (PEM/DER), thêm vào signing.yaml — trust root")
    p.add_argument("--require-trusted", action="store_true",
                   help="lỗi nếu chưa ký hoặc chữ ký không tin cậy — fail unless signed and trusted")

    p = sub.add_parser("demo", help="xã mô phỏng và báo cáo mẫu — synthetic commune and report")
    p.add_argument("--db", metavar="URL",
                   help="CSDL riêng của xã mô phỏng; mặc định sqlite:///data/demo.sqlite (không dùng "
                        "PARBOOK_DB, không ghi vào CSDL của xã) — the demo's own database")
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument("--year", type=int, default=None,
                   help="chỉ một năm của xã mô phỏng, không sáp nhập (mẫu cũ; báo cáo mặc định quý "
                        "IV năm đó) — one commune-year only, no merger (the former demo). Mặc định: "
                        "dữ liệu 2024 đến quý III/2026, sáp nhập hai xã ngày 01/7/2025 — default: "
                        "2024 to 2026-Q3 with the merger")
    p.add_argument("--period", metavar="P",
                   help="kỳ báo cáo (mặc định 2026-Q3; 2024-Q4 cho báo cáo năm 2024) — reporting "
                        "period (default 2026-Q3)")
    p.add_argument("--no-report", action="store_true", help="chỉ tạo dữ liệu — data only")
    p.add_argument("--workbook", metavar="FILE.xlsx",
                   help="ghi dữ liệu ra sổ Excel nhập liệu — also write an import workbook")

    p = sub.add_parser("lab", help="mở JupyterLab với CSDL — open JupyterLab")
    _add_db(p)
    p.add_argument("--unit", metavar="CODE",
                   help="mở notebook với đơn vị này (cần --period) — open the notebooks for this unit")
    p.add_argument("--period", metavar="P", help="kỳ báo cáo, ví dụ 2024-Q4 — reporting period")
    p.add_argument("--window", default="nd09", choices=("nd09", "calendar"))
    p.add_argument("--as-of", dest="as_of", metavar="DATE", help="ngày chốt số liệu — as-of date")
    p.add_argument("--out", metavar="DIR", help="thư mục các bản notebook có tham số (mặc định: "
                   "outputs/<unit>/<period>-lab/) — folder of the parameterised copies")
    p.add_argument("--port", type=int, default=8888)
    p.add_argument("--no-browser", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not args.command:
        parser.print_help()
        return 2
    try:
        _check_database(args)
        return int(HANDLERS[args.command](args) or 0)
    except ParbookError as exc:
        print(f"Lỗi (error): {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(interrupted_line(args.command), file=sys.stderr)
        return INTERRUPTED_EXIT
    except BrokenPipeError:
        raise                         # the console entry point silences stdout and exits 2
    except OSError as exc:
        if args.verbose:
            raise
        print(f"Lỗi (error): {describe_os_error(exc)}", file=sys.stderr)
        return 2


def _check_database(args: argparse.Namespace) -> None:
    """Refuse a database URL of an unknown scheme, and a missing SQLite file for a command that
    reads it (before anything runs; the file is never created by looking)."""
    if not hasattr(args, "db") or (args.command == "demo" and args.db is None):
        return
    if args.command == "plan" and args.action == "new":
        return                        # writes a plan file; no database involved
    reads = args.command not in CREATES_DATABASE and (args.command != "verify" or args.rerun)
    checked_db_url(args.db, must_exist=reads)


def describe_os_error(exc: OSError) -> str:
    """'không có quyền (permission denied): /path' — what went wrong with which file."""
    what = OS_ERRORS.get(exc.errno or 0) or exc.strerror or type(exc).__name__
    where = f": {exc.filename}" if exc.filename else ""
    return f"{what}{where}"
