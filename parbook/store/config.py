"""Every path and setting of parbook, resolved in one place."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "data"
REFERENCE_DIR = DATA_DIR / "reference"
CHECKS_DIR = ROOT / "checks"
NOTEBOOKS_DIR = ROOT / "notebooks"
OUTPUTS_DIR = ROOT / "outputs"
DEFAULT_DB_URL = "sqlite:///data/parbook.sqlite"
DB_ENV = "PARBOOK_DB"
TIMEZONE = "Asia/Ho_Chi_Minh"
KERNEL_NAME = "parbook"


def db_url(explicit: str | None = None) -> str:
    """The database URL: explicit `--db`, else env PARBOOK_DB, else the default SQLite file.

    A relative SQLite path is resolved against the repository root, so commands behave the
    same from any working directory.
    """
    url = explicit or os.environ.get(DB_ENV) or DEFAULT_DB_URL
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != "sqlite://":
        path = url[len(prefix):]
        if path and path != ":memory:":
            url = prefix + str((ROOT / path).resolve())
    return url


@cache
def reference_yaml(name: str) -> dict[str, Any]:
    """Load a YAML file of data/reference/ (cached per process)."""
    with open(REFERENCE_DIR / name, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def rules() -> dict[str, Any]:
    """Time and counting rules (data/reference/rules.yaml); [U] readings are configurable there."""
    return reference_yaml("rules.yaml")
