"""``parbook init``: create the dossier database and load the reference data."""

from __future__ import annotations

import argparse
from typing import Any

from parbook.store import db
from parbook.store.reference import load_reference


def init_database(url: str | None = None, units: list[dict[str, Any]] | None = None
                  ) -> dict[str, int]:
    """Create every table and load data/reference/ (idempotent). Returns rows inserted."""
    eng = db.engine(url)
    db.create_schema(eng)
    with eng.begin() as conn:
        return load_reference(conn, units)


def cmd_init(args: argparse.Namespace) -> int:
    names = list(args.unit_name)
    units = [
        {"unit_code": code, "unit_name": names[i] if i < len(names) else None,
         "district": args.district, "province": args.province}
        for i, code in enumerate(args.unit)
    ]
    counts = init_database(args.db, units)
    print(f"CSDL: {db.engine(args.db).url.render_as_string(hide_password=True)}")
    print(f"Đã nạp (loaded): {counts['procedures']} TTHC, {counts['units']} đơn vị; "
          f"{counts['procedures_without_code']} TTHC chưa có mã bị bỏ qua (no code, skipped)")
    return 0
