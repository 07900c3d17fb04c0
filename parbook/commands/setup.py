"""``parbook init`` and ``parbook template``."""

from __future__ import annotations

import argparse

from parbook.intake.template import INSTRUCTION_SHEET, write_template
from parbook.intake.vocab import SHEETS
from parbook.store import db
from parbook.store.init import init_database


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
