"""``parbook init``: create the dossier database and load the reference data."""

from __future__ import annotations

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
