"""``parbook lab``: JupyterLab on notebooks/ with the database configured (PARBOOK_DB).

The server listens on the loopback interface only; the notebooks use the ``parbook`` kernel
(registered by ``make setup`` with the venv's interpreter), which inherits PARBOOK_DB, so a
notebook's ``nb.load(unit, period, …)`` reads the same database as the CLI. Jupyter's own token
protects the server (set JUPYTER_TOKEN to choose it).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from parbook.store.config import DB_ENV, NOTEBOOKS_DIR, db_url

HOST = "127.0.0.1"


def lab_command(port: int, no_browser: bool = False, notebook_dir: Path = NOTEBOOKS_DIR) -> list[str]:
    """The JupyterLab command line (this interpreter, loopback only, no port hopping)."""
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={notebook_dir}",
           f"--ServerApp.ip={HOST}", f"--ServerApp.port={int(port)}", "--ServerApp.port_retries=0"]
    if no_browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")        # containers run as root; Jupyter refuses without it
    return cmd


def lab_env(url: str | None = None) -> dict[str, str]:
    """The server's environment: the caller's, with PARBOOK_DB set to the resolved URL."""
    return {**os.environ, DB_ENV: db_url(url)}


def cmd_lab(args: argparse.Namespace) -> int:
    """Run JupyterLab until it is stopped (Ctrl+C); returns its exit code."""
    from sqlalchemy.engine import make_url

    url = db_url(args.db)
    shown = make_url(url).render_as_string(hide_password=True)
    print(f"JupyterLab trên http://{HOST}:{args.port}/lab — notebooks: {NOTEBOOKS_DIR}")
    print(f"CSDL (PARBOOK_DB): {shown}. Dừng bằng Ctrl+C (stop with Ctrl+C).")
    try:
        return subprocess.call(lab_command(args.port, args.no_browser), env=lab_env(args.db))
    except KeyboardInterrupt:
        return 0
