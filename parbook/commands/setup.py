"""``parbook init``, ``parbook units`` and ``parbook template``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from parbook.intake.template import INSTRUCTION_SHEET, write_template
from parbook.intake.vocab import SHEETS
from parbook.store import db
from parbook.store.init import init_database
from parbook.store.params import ParameterError, validate_unit_code
from parbook.store.units import all_units, predecessors, set_unit
from parbook.timeline.periods import parse_date


def cmd_init(args: argparse.Namespace) -> int:
    names = list(args.unit_name)
    units = [
        {"unit_code": code, "unit_name": names[i] if i < len(names) else None,
         "district": args.district, "province": args.province}
        for i, code in enumerate(args.unit)
    ]
    counts = init_database(args.db, units)
    print(f"CSDL: {db.engine(args.db).url.render_as_string(hide_password=True)}")
    print(f"Đã nạp (loaded): {counts['procedures']} TTHC, {counts['units']} đơn vị mới (new units), "
          f"{counts['units_updated']} đơn vị cập nhật tên/địa bàn (units updated)")
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    path = write_template(args.file)
    print(f"Đã ghi sổ Excel mẫu (import template written): {path}")
    print("Các trang tính: " + ", ".join(s.name for s in SHEETS) + " — hướng dẫn ở trang "
          + INSTRUCTION_SHEET)
    return 0


def add_units_parser(sub: Any, add_db: Callable[[argparse.ArgumentParser], None]) -> None:
    """``parbook units set CODE [--name …] [--valid-from …] [--successor …]`` and ``units list``."""
    p = sub.add_parser("units", help="đơn vị theo thời gian, sáp nhập xã — units over time, mergers")
    add_db(p)
    p.add_argument("action", choices=("set", "list"),
                   help="set: khai báo hoặc sửa một đơn vị; list: liệt kê — declare/update, list")
    p.add_argument("code", nargs="?", metavar="CODE", help="mã đơn vị (với set) — unit code")
    p.add_argument("--name", help="tên đơn vị — unit name")
    p.add_argument("--district", help="huyện (trước 1/7/2025) — district")
    p.add_argument("--province", help="tỉnh — province")
    p.add_argument("--valid-from", dest="valid_from", metavar="DATE",
                   help="có hiệu lực từ ngày (yyyy-mm-dd) — valid from")
    p.add_argument("--valid-to", dest="valid_to", metavar="DATE",
                   help="hết hiệu lực sau ngày (yyyy-mm-dd) — valid to")
    p.add_argument("--successor", metavar="CODE",
                   help="đơn vị kế thừa sau sáp nhập (khai báo trước) — successor unit")


def cmd_units(args: argparse.Namespace) -> int:
    eng = db.engine(args.db)
    db.create_schema(eng)
    if args.action == "set":
        if not args.code:
            raise ParameterError("Thiếu mã đơn vị: parbook units set CODE … (unit code missing)")
        with eng.begin() as conn:
            row = set_unit(
                conn, validate_unit_code(args.code), unit_name=args.name, district=args.district,
                province=args.province,
                valid_from=parse_date(args.valid_from) if args.valid_from else None,
                valid_to=parse_date(args.valid_to) if args.valid_to else None,
                successor_code=validate_unit_code(args.successor) if args.successor else None)
        print(f"Đã lưu đơn vị (unit saved): {_unit_line(row, [])}")
        return 0
    with eng.connect() as conn:
        units = all_units(conn)
    for code in sorted(units):
        print(_unit_line(units[code], predecessors(units, code)))
    return 0


def _unit_line(unit: dict[str, Any], before: list[str]) -> str:
    start, end = unit.get("valid_from"), unit.get("valid_to")
    span = f"{start:%d/%m/%Y}" if start else "…"
    span += f" – {end:%d/%m/%Y}" if end else " – nay"
    parts = [unit["unit_code"], unit.get("unit_name") or "", span]
    if unit.get("successor_code"):
        parts.append(f"→ sáp nhập vào {unit['successor_code']}")
    if before:
        parts.append(f"gồm cả {', '.join(before)}")
    return " | ".join(parts)
