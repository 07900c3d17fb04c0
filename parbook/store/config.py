"""Every path and setting of parbook, resolved in one place.

Data that users edit — the check catalogue (``checks/``), the notebooks (``notebooks/``) and the
reference data (``data/reference/``) — is found through :func:`resource_dir`: in a checkout, the
repository's own top-level folders; in an installed distribution, the copies the wheel carries as
package data (``parbook/resources/``). Generated files (the default SQLite database, the outputs
folder) live under the checkout, or under the current working folder when installed.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parents[2]
# A source checkout holds pyproject.toml next to the package; an installed wheel does not.
CHECKOUT = (ROOT / "pyproject.toml").is_file() and (ROOT / "checks").is_dir()
Resource = Literal["checks", "notebooks", "reference"]
_CHECKOUT_DIRS = {"checks": "checks", "notebooks": "notebooks", "reference": "data/reference"}


def resource_dir(name: Resource) -> Path:
    """The folder of the check catalogue, the notebooks or the reference data."""
    if CHECKOUT:
        return ROOT / _CHECKOUT_DIRS[name]
    return Path(str(resources.files("parbook.resources").joinpath(name)))


def work_dir() -> Path:
    """Where generated files go: the checkout, or the current folder of an installed parbook."""
    return ROOT if CHECKOUT else Path.cwd()


DATA_DIR = work_dir() / "data"
REFERENCE_DIR = resource_dir("reference")
CHECKS_DIR = resource_dir("checks")
NOTEBOOKS_DIR = resource_dir("notebooks")
OUTPUTS_DIR = work_dir() / "outputs"
DEFAULT_DB_URL = "sqlite:///data/parbook.sqlite"
# The demo commune has its own database: `parbook demo` never writes the commune's default one,
# and `make clean` may delete it (and outputs/DEMO-ANLOC) without touching a commune's data.
DEMO_DB_URL = "sqlite:///data/demo.sqlite"
DB_ENV = "PARBOOK_DB"
TIMEZONE = "Asia/Ho_Chi_Minh"
KERNEL_NAME = "parbook"


def db_url(explicit: str | None = None) -> str:
    """The database URL: explicit `--db`, else env PARBOOK_DB, else the default SQLite file.

    A relative SQLite path is resolved against :func:`work_dir`, so commands behave the same
    from any working directory of a checkout.
    """
    url = explicit or os.environ.get(DB_ENV) or DEFAULT_DB_URL
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != "sqlite://":
        path = url[len(prefix):]
        if path and path != ":memory:":
            url = prefix + str((work_dir() / path).resolve())
    return url


def outputs_dir(unit_code: str, period: str) -> Path:
    """The default outputs folder of a unit and period: outputs/<unit_code>/<period>/ (§8)."""
    return OUTPUTS_DIR / unit_code / period
