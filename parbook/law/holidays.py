"""Days off and working days that the ``holidays`` package does not know (DESIGN.md §5).

``data/reference/calendar_overrides.csv`` (``date,kind,note``; kind ``day_off`` or
``working_day``) holds the swaps and extra days a Prime Minister's or ministry notice decides;
they are applied after ``holidays.VN`` (parbook.timeline.calendar).
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from parbook.store.config import REFERENCE_DIR
from parbook.store.settings import ConfigError

OVERRIDES_FILE = REFERENCE_DIR / "calendar_overrides.csv"


def read_overrides(path: Path = OVERRIDES_FILE) -> list[tuple[date, str, str]]:
    """Rows of the overrides file: (date, kind, note); kind is ``day_off`` or ``working_day``."""
    rows = []
    with open(path, encoding="utf-8", newline="") as fh:
        for line_no, row in enumerate(csv.DictReader(fh), start=2):
            kind = (row.get("kind") or "").strip()
            if kind not in ("day_off", "working_day"):
                raise ConfigError(
                    f"{path.name} dòng {line_no}: kind phải là day_off hoặc working_day "
                    f"(line {line_no}: kind must be day_off or working_day), gặp {kind!r}"
                )
            rows.append((date.fromisoformat(row["date"].strip()), kind, row.get("note", "")))
    return rows


