"""``parbook verify``: an outputs folder against its manifest and its signatures, and a re-run
compared with it.

Hashes alone show that the files are those the manifest lists — but anyone who edits a file can
edit its hash too. Only a signed folder (parbook.report.signing) shows that the manifest, and so
every file it lists, is what the signer produced: the report says plainly which case it is.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from parbook.report.manifest import hash_files, read_manifest
from parbook.report.run import NOTES_COPY, run_report
from parbook.report.signing import SignatureReport, verify_folder
from parbook.report.workbook import read_workbook_values
from parbook.store.hashing import file_sha256
from parbook.timeline.periods import Window


def _safe_relative(name: str) -> bool:
    p = PurePosixPath(name)
    return bool(name) and not p.is_absolute() and ".." not in p.parts and "\\" not in name


@dataclass
class VerifyResult:
    """What ``verify`` found: files changed, missing, added, manifest entries refused, and the
    signatures (an unsigned folder has ``signatures.signed`` False)."""

    checked: int = 0
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    unsafe: list[str] = field(default_factory=list)
    signatures: SignatureReport = field(default_factory=SignatureReport)

    @property
    def hashes_ok(self) -> bool:
        return not (self.changed or self.missing or self.added or self.unsafe)

    @property
    def ok(self) -> bool:
        """Hashes match and no signature is broken (unsigned or of unknown trust is not broken)."""
        return self.hashes_ok and self.signatures.ok


def verify(folder: Path, trust: Sequence[Path] = ()) -> VerifyResult:
    """Compare every file hash of the manifest with the folder's files, and check the signatures.

    ``trust``: certificate files trusted as roots, besides those of the signing configuration.
    """
    manifest = read_manifest(folder)
    recorded: dict[str, str] = manifest.get("files", {})
    result = VerifyResult()
    root = folder.resolve()
    for name, digest in sorted(recorded.items()):
        if not _safe_relative(name):
            result.unsafe.append(name)
            continue
        path = (folder / name).resolve()
        if root not in path.parents:
            result.unsafe.append(name)
            continue
        result.checked += 1
        if not path.is_file():
            result.missing.append(name)
        elif file_sha256(path) != digest:
            result.changed.append(name)
    present = hash_files(folder)
    result.added = sorted(set(present) - set(recorded))
    result.signatures = verify_folder(folder, manifest, trust)
    return result


@dataclass
class RerunComparison:
    """Whether a re-run on the same data gave the same results."""

    same: dict[str, bool]
    data_same: bool | None
    code_same: bool | None
    rerun_dir: Path
    skipped: dict[str, str] = field(default_factory=dict)  # not compared, and why

    @property
    def ok(self) -> bool:
        return all(self.same.values())


# Outputs whose bytes carry the moment they were made: compared through what they render.
NOT_COMPARED = {
    "report.pdf": "PDF có dấu thời gian; nội dung so qua report.html (timestamped; compared "
                  "through report.html)",
    "audit/": "trang kiểm tra ghi thời gian chạy; nội dung so qua notebooks/ (timings; compared "
              "through the notebooks)",
}


def _not_compared(name: str) -> str | None:
    return next((why for prefix, why in NOT_COMPARED.items()
                 if name == prefix or (prefix.endswith("/") and name.startswith(prefix))), None)


def _notebook_outputs(path: Path) -> list[Any]:
    """What each code cell showed (text, HTML, images, errors) — not timings or metadata."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        for o in cell.get("outputs", []):
            out.append({k: o.get(k) for k in ("output_type", "name", "text", "data", "ename", "evalue")
                        if k in o})
    return out


def _validation_result(path: Path) -> str:
    """A GX validation result with the moment the checks ran (``parameters.now``, HS04's bound
    for "in the future") written as <now> wherever it appears."""
    text = path.read_text(encoding="utf-8")
    now = ((json.loads(text).get("meta") or {}).get("parbook_run") or {}).get("parameters", {}).get("now")
    return text.replace(now, "<now>") if isinstance(now, str) and now else text


def comparable(path: Path) -> Any:
    """The deterministic content of an output file: a workbook's cell values, a notebook's
    outputs, a GX validation result but its run moment, any other file's bytes."""
    if path.parent.name == "validations" and path.suffix == ".json":
        return _validation_result(path)
    if path.suffix == ".xlsx":
        return read_workbook_values(path)
    if path.suffix == ".ipynb":
        return _notebook_outputs(path)
    return path.read_bytes()


def _same_file(a: Path, b: Path) -> bool:
    if not (a.is_file() and b.is_file()):
        return False
    return comparable(a) == comparable(b)


def rerun(folder: Path, url: str | None = None, keep: Path | None = None) -> RerunComparison:
    """Execute the report again with the manifest's parameters, without writing the database, and
    compare every output whose content is deterministic: CSVs, the notes, the GX results, the
    values of the workbooks, the text of report.html, the outputs of the executed notebooks (the
    PDF and the audit pages carry the moment they were made and are compared through those)."""

    manifest = read_manifest(folder)
    params = manifest["parameters"]
    window = Window.parse(params["period"], params["window"], params["as_of"])
    target = keep or Path(tempfile.mkdtemp(prefix="parbook-verify-")) / "rerun"
    notes = folder / NOTES_COPY
    run_report(params["unit"], window, url=url, out_dir=target, store_history=False,
               notes_file=notes if notes.is_file() else target.parent / "khong-co-ghi-chu.yaml",
               report_date=(manifest.get("report") or {}).get("report_date") or "")
    again = read_manifest(target)
    names = sorted(set(manifest.get("files", {})) | set(again.get("files", {})))
    same = {name: _same_file(folder / name, target / name) for name in names
            if _safe_relative(name) and _not_compared(name) is None}
    skipped = {name: why for name in names if (why := _not_compared(name)) is not None}
    old_fp = (manifest.get("data") or {}).get("fingerprint") or {}
    new_fp = (again.get("data") or {}).get("fingerprint") or {}
    data_same = old_fp.get("sha256") == new_fp.get("sha256") if old_fp and new_fp else None
    old_code, new_code = manifest.get("code", {}), again.get("code", {})
    code_same = (old_code.get("git_commit") == new_code.get("git_commit")
                 and not old_code.get("dirty") and not new_code.get("dirty")
                 if old_code.get("git_commit") else None)
    return RerunComparison(same=same, data_same=data_same, code_same=code_same, rerun_dir=target,
                           skipped=skipped)
