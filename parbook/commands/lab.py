"""``parbook lab``: JupyterLab on notebooks/ with the database configured (PARBOOK_DB).

The server listens on the loopback interface only; the notebooks use the ``parbook`` kernel
(registered by ``make setup`` with the venv's interpreter), which inherits PARBOOK_DB, so a
notebook's ``nb.load(unit, period, …)`` reads the same database as the CLI. Jupyter's token
protects the server: JUPYTER_TOKEN when set, otherwise a new random one, printed in the URL.

With ``--unit`` and ``--period`` the server opens on copies of the notebooks that carry those
parameters (outputs/<unit>/<period>-lab/). Ctrl+C or SIGTERM stops JupyterLab with it.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

from parbook.commands.check import window_from_args
from parbook.errors import ParbookError
from parbook.store import db
from parbook.store.config import DB_ENV, NOTEBOOKS_DIR, db_url
from parbook.store.unitdata import require_unit

HOST = "127.0.0.1"
TOKEN_ENV = "JUPYTER_TOKEN"
STOP_WAIT_S = 10


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
    """The server's environment: the caller's, with PARBOOK_DB set to the resolved URL and a
    login token (the caller's JUPYTER_TOKEN, or a new random one)."""
    return {**os.environ, DB_ENV: db_url(url),
            TOKEN_ENV: os.environ.get(TOKEN_ENV) or secrets.token_urlsafe(24)}


def _notebook_folder(args: argparse.Namespace) -> Path:
    """notebooks/, or the parameterised copies for --unit/--period."""
    if not args.unit and not args.period:
        return NOTEBOOKS_DIR
    if not (args.unit and args.period):
        raise ParbookError("--unit và --period đi cùng nhau (give both --unit and --period)")
    from parbook.report.lab_notebooks import prepare_lab_notebooks

    window = window_from_args(args)
    with db.begin(args.db) as conn:
        require_unit(conn, args.unit)
    folder, written = prepare_lab_notebooks(args.unit, window, args.out)
    kept = "" if written else " (giữ nguyên bản đã có — existing copies kept)"
    print(f"Notebook của {args.unit} kỳ {window.period} (ngày chốt {window.as_of:%d/%m/%Y}): "
          f"{folder}{kept}")
    return folder


def _stop(server: subprocess.Popen) -> int:
    """Terminate JupyterLab (SIGTERM, then SIGKILL after a while); its exit code."""
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return server.returncode


def cmd_lab(args: argparse.Namespace) -> int:
    """Run JupyterLab until it is stopped (Ctrl+C or SIGTERM, which stop the server too)."""
    from sqlalchemy.engine import make_url

    folder = _notebook_folder(args)
    env = lab_env(args.db)
    shown = make_url(env[DB_ENV]).render_as_string(hide_password=True)
    # Its own session: a terminal's Ctrl+C reaches parbook only, which stops the server cleanly.
    server = subprocess.Popen(lab_command(args.port, args.no_browser, folder), env=env,
                              start_new_session=True)

    def on_term(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    print(f"JupyterLab: http://{HOST}:{args.port}/lab?token={env[TOKEN_ENV]}", flush=True)
    print(f"Thư mục (folder): {folder}. CSDL (PARBOOK_DB): {shown}. Dừng bằng Ctrl+C (stop with "
          "Ctrl+C).", flush=True)
    try:
        return server.wait()
    except KeyboardInterrupt:
        _stop(server)
        print("Đã dừng JupyterLab (stopped).", file=sys.stderr)
        return 0
    finally:
        _stop(server)
        signal.signal(signal.SIGTERM, previous)
