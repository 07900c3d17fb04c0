"""manifest.json of an outputs folder, and ``parbook verify`` (DESIGN.md §8).

The manifest records what produced the folder — parameters, window dates, code version (git
commit and dirty flag), package versions, a fingerprint of the data read and the import batches
it covers — and the sha256 of every other file in the folder. It never holds credentials: the
database appears as its backend and database name only.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
import subprocess
from datetime import datetime
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from parbook.store.config import ROOT, db_url
from parbook.store.hashing import file_sha256
from parbook.store.units import OVER_TIME

MANIFEST = "manifest.json"
# The detached signature of the manifest (parbook.report.signing): next to it, never listed in it.
MANIFEST_SIG = MANIFEST + ".sig"
# Written by the summary notebook for the host, folded into the manifest, then removed.
RUN_INFO = ".parbook-run.json"
MANIFEST_VERSION = 1
PACKAGES = ("parbook", "pandas", "numpy", "great-expectations", "SQLAlchemy", "psycopg", "papermill",
            "nbconvert", "nbclient", "nbformat", "ipykernel", "matplotlib", "seaborn", "openpyxl",
            "holidays", "weasyprint", "pyhanko", "PyYAML")
# Files whose content a --rerun compares (the rest carry run times or rendering details).
RESULT_FILES = ("findings.csv", "indicators.csv", "bieu06.csv", "forms.xlsx")
LOCK_FILE = "uv.lock"


def hash_files(folder: Path, exclude: tuple[str, ...] = (MANIFEST, MANIFEST_SIG)) -> dict[str, str]:
    """Relative POSIX path → sha256 of every file under the folder (sorted), but the manifest
    and its signature."""
    out = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if rel not in exclude:
            out[rel] = file_sha256(path)
    return out


def frame_digest(frame: pd.DataFrame, keys: list[str] | None = None) -> str:
    """sha256 of a frame's columns, dtypes and row hashes, rows sorted by the key columns."""
    data = frame
    if keys and all(k in data.columns for k in keys) and len(data):
        data = data.sort_values(keys, kind="stable")
    digest = hashlib.sha256()
    digest.update(json.dumps([[str(c), str(t)] for c, t in data.dtypes.items()]).encode())
    if len(data):
        digest.update(pd.util.hash_pandas_object(data, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def data_fingerprint(data: Any) -> dict[str, Any]:
    """Fingerprint of a parbook.timeline.facts.UnitData: rows and sha256 per table, and overall.

    Two runs on the same rows give the same fingerprint whatever order the database returned
    them in; any changed value, added or removed row changes it.
    """
    from parbook.store import db

    tables = {
        "procedures": (data.procedures, db.procedures), "dossiers": (data.dossiers, db.dossiers),
        "dossier_events": (data.events, db.dossier_events), "feedback": (data.feedback, db.feedback),
        "surveys": (data.surveys, db.surveys),
        "legal_documents": (data.legal_documents, db.legal_documents),
        "plan_tasks": (data.plan_tasks, db.plan_tasks), "self_scores": (data.self_scores, db.self_scores),
    }
    out: dict[str, Any] = {}
    for name, (frame, table) in tables.items():
        keys = [c.name for c in table.primary_key.columns]
        out[name] = {"rows": int(len(frame)), "sha256": frame_digest(frame, keys)}
    # a unit's dates and successor count only once declared: a unit without them fingerprints
    # as it did before units had them (DESIGN.md §12)
    row = {k: v for k, v in data.unit.items() if v is not None or k not in OVER_TIME}
    unit = json.dumps(row, sort_keys=True, default=str, ensure_ascii=False)
    overall = hashlib.sha256(unit.encode())
    for name in sorted(out):
        overall.update(f"{name}:{out[name]['sha256']}".encode())
    return {"method": "sha256 of pandas row hashes, rows sorted by primary key",
            "sha256": overall.hexdigest(), "tables": out}


def code_version(root: Path = ROOT) -> dict[str, Any]:
    """Git commit and dirty flag of the code that ran (None when not a git checkout)."""
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                                  timeout=10, check=True)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip()

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain") if commit else None
    return {"git_commit": commit, "dirty": None if status is None else bool(status),
            "source_notebooks": {p.name: file_sha256(p)
                                 for p in sorted((root / "notebooks").glob("*.ipynb"))}}


@cache
def _installed() -> tuple[tuple[str, str], ...]:
    """Every installed distribution (normalised name, version), sorted: read once per process
    (a tenth of a second of metadata files; a batch worker renders many reports)."""
    return tuple(sorted({re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower(): d.version
                         for d in metadata.distributions() if d.metadata["Name"]}.items()))


def environment() -> dict[str, Any]:
    """The environment the run used: every installed distribution and its version, and — in a
    checkout — the sha256 of the lock file it was installed from (``uv sync --locked``)."""
    lock = ROOT / LOCK_FILE
    return {"lock_file": LOCK_FILE if lock.is_file() else None,
            "lock_sha256": file_sha256(lock) if lock.is_file() else None,
            "installed": dict(_installed())}


def package_versions() -> dict[str, str | None]:
    """Python and the versions of the packages the run used."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def database_label(url: str | None) -> dict[str, str | None]:
    """Backend and database name of a URL — never user, password or host."""
    from sqlalchemy.engine import make_url

    parsed = make_url(db_url(url))
    name = parsed.database
    if parsed.get_backend_name() == "sqlite" and name:
        name = Path(name).name
    return {"backend": parsed.get_backend_name(), "database": name}


def build_manifest(folder: Path, parameters: dict[str, Any], window: Any, run: dict[str, Any],
                   url: str | None, notebooks: list[dict[str, Any]],
                   signature: dict[str, Any] | None = None, code: dict[str, Any] | None = None
                   ) -> dict[str, Any]:
    """The manifest of a finished outputs folder (hashes taken now, manifest itself excluded).

    ``signature``: who signs report.pdf and the manifest (parbook.report.signing), None when the
    unit does not sign. ``code``: the run's code_version() when the caller has it already.
    """
    return {
        "manifest_version": MANIFEST_VERSION,
        "created_at": datetime.now().isoformat(timespec="seconds"),
        "parameters": parameters,
        "window": {"period": window.period, "window": window.window, "start": window.start.isoformat(),
                   "end": window.end.isoformat(), "as_of": window.as_of.isoformat(),
                   "ytd_start": window.ytd_start.isoformat(), "label": window.label_vi()},
        "code": code if code is not None else code_version(),
        "packages": package_versions(),
        "environment": environment(),
        "database": database_label(url),
        "data": {"fingerprint": run.get("data_fingerprint"), "import_batches": run.get("batches", []),
                 "counts": run.get("counts", {})},
        "run_id": run.get("run_id"),
        "notebooks": notebooks,
        "files": hash_files(folder),
        "signature": signature,
    }


def write_manifest(folder: Path, manifest: dict[str, Any]) -> Path:
    """Write manifest.json (sorted keys, UTF-8) into the folder."""
    path = folder / MANIFEST
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                    encoding="utf-8")
    return path


def read_manifest(folder: Path) -> dict[str, Any]:
    """The folder's manifest (FileNotFoundError when the folder has none: not a finished run)."""
    path = folder / MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f"Không có {MANIFEST} trong {folder} (no manifest: not a finished "
                                "parbook outputs folder)")
    return json.loads(path.read_text(encoding="utf-8"))
