"""Readable text of every output file, for scans (personal data, code, escaping)."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def every_text(folder: Path) -> dict[str, str]:
    """Readable text of every file: XLSX as its XML parts, PDF through pdftotext."""
    out = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if path.suffix == ".pdf":
            out[rel] = pdf_text(path)
        elif path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                out[rel] = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        else:
            out[rel] = path.read_text(encoding="utf-8", errors="replace")
    return out
