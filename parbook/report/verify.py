"""``parbook verify``: an outputs folder against its manifest and its signatures, and a re-run
compared with it.

Hashes alone show that the files are those the manifest lists — but anyone who edits a file can
edit its hash too. Only a signed folder (parbook.report.signing) shows that the manifest, and so
every file it lists, is what the signer produced: the report says plainly which case it is.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from parbook.report.manifest import RESULT_FILES, hash_files, read_manifest
from parbook.report.run import run_report
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

    @property
    def ok(self) -> bool:
        return all(self.same.values())


def _same_file(a: Path, b: Path) -> bool:
    if not (a.is_file() and b.is_file()):
        return False
    if a.suffix == ".xlsx":
        return read_workbook_values(a) == read_workbook_values(b)
    return a.read_bytes() == b.read_bytes()


def rerun(folder: Path, url: str | None = None, keep: Path | None = None) -> RerunComparison:
    """Execute the report again with the manifest's parameters and compare the result files."""

    manifest = read_manifest(folder)
    params = manifest["parameters"]
    window = Window.parse(params["period"], params["window"], params["as_of"])
    target = keep or Path(tempfile.mkdtemp(prefix="parbook-verify-")) / "rerun"
    run_report(params["unit"], window, url=url, out_dir=target)
    again = read_manifest(target)
    same = {name: _same_file(folder / name, target / name) for name in RESULT_FILES}
    old_fp = (manifest.get("data") or {}).get("fingerprint") or {}
    new_fp = (again.get("data") or {}).get("fingerprint") or {}
    data_same = old_fp.get("sha256") == new_fp.get("sha256") if old_fp and new_fp else None
    old_code, new_code = manifest.get("code", {}), again.get("code", {})
    code_same = (old_code.get("git_commit") == new_code.get("git_commit")
                 and not old_code.get("dirty") and not new_code.get("dirty")
                 if old_code.get("git_commit") else None)
    return RerunComparison(same=same, data_same=data_same, code_same=code_same, rerun_dir=target)
