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

from parbook.errors import ParbookError

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


SUPPORTED_BACKENDS = ("sqlite", "postgresql")


def checked_db_url(explicit: str | None = None, must_exist: bool = False) -> str:
    """:func:`db_url`, refused with a one-line message when its scheme is not one parbook works
    with, or (``must_exist``: commands that read) when its SQLite file does not exist — a reading
    command never creates an empty database file.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    url = db_url(explicit)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ParbookError(f"URL CSDL không hợp lệ {url!r} (invalid database URL): dùng "
                           "sqlite:///đường/dẫn/tệp.sqlite hoặc postgresql://người_dùng@máy_chủ/tên_csdl"
                           ) from None
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        hint = (" — viết postgresql://, không phải postgres:// (write postgresql://, not postgres://)"
                if backend == "postgres" else "")
        raise ParbookError(f"Loại CSDL {parsed.drivername!r} không được hỗ trợ (unsupported database "
                           "scheme): dùng sqlite:///đường/dẫn/tệp.sqlite hoặc "
                           f"postgresql://người_dùng@máy_chủ/tên_csdl{hint}")
    database = parsed.database or ""
    if must_exist and backend == "sqlite" and database not in ("", ":memory:") \
            and not Path(database).is_file():
        raise ParbookError(f"CSDL {database} không tồn tại (database file does not exist): tạo bằng "
                           "'parbook init --db …' hoặc kiểm tra --db / biến PARBOOK_DB")
    return url


def outputs_dir(unit_code: str, period: str) -> Path:
    """The default outputs folder of a unit and period: outputs/<unit_code>/<period>/ (§8)."""
    return OUTPUTS_DIR / unit_code / period
