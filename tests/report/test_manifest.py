"""manifest.json and verify: hashes, data fingerprint, no credentials, refusal of unsafe entries."""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import version

import pandas as pd
import pytest

from parbook.commands.main import main
from parbook.report import manifest
from parbook.report.verify import verify
from parbook.store.config import ROOT
from parbook.store.hashing import file_sha256
from parbook.timeline.periods import Window
from tests.builders import dossier, unit_data


def _folder(tmp_path):
    folder = tmp_path / "out"
    (folder / "notebooks").mkdir(parents=True)
    (folder / "findings.csv").write_text("check_id\nHS08\n", encoding="utf-8")
    (folder / "notebooks" / "00.ipynb").write_text("{}", encoding="utf-8")
    run = {"data_fingerprint": {"sha256": "abc"}, "batches": [3, 5], "run_id": "r1"}
    m = manifest.build_manifest(folder, {"unit": "X", "period": "2024-Q3", "window": "nd09",
                                         "as_of": "2024-09-14"}, Window.parse("2024-Q3"), run,
                                "postgresql+psycopg://staff:s3cret@db.example:5432/xa", [])
    manifest.write_manifest(folder, m)
    return folder, m


def test_manifest_content(tmp_path) -> None:
    folder, m = _folder(tmp_path)
    assert set(m["files"]) == {"findings.csv", "notebooks/00.ipynb"}
    assert m["window"]["start"] == "2024-06-15" and m["window"]["as_of"] == "2024-09-14"
    assert m["data"]["import_batches"] == [3, 5]
    assert m["database"] == {"backend": "postgresql", "database": "xa"}
    assert set(m["code"]) >= {"git_commit", "dirty", "source_notebooks"}
    assert (m["packages"]["pandas"], m["packages"]["papermill"]) == (version("pandas"),
                                                                     version("papermill"))
    env = m["environment"]
    assert env["lock_file"] == "uv.lock"
    assert env["lock_sha256"] == hashlib.sha256((ROOT / "uv.lock").read_bytes()).hexdigest()
    assert env["installed"]["great-expectations"] == version("great-expectations")
    text = (folder / "manifest.json").read_text(encoding="utf-8")
    for secret in ("s3cret", "staff", "db.example"):
        assert secret not in text


def test_verify_detects_changes(tmp_path, capsys) -> None:
    folder, _ = _folder(tmp_path)
    assert verify(folder).ok
    assert main(["verify", str(folder)]) == 0
    (folder / "findings.csv").write_text("check_id\n", encoding="utf-8")
    (folder / "extra.txt").write_text("x", encoding="utf-8")
    (folder / "notebooks" / "00.ipynb").unlink()
    result = verify(folder)
    assert (result.changed, result.missing, result.added) == (["findings.csv"], ["notebooks/00.ipynb"],
                                                              ["extra.txt"])
    capsys.readouterr()
    assert main(["verify", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "findings.csv" in out and "KHÔNG ĐẠT" in out


def test_verify_refuses_paths_outside_the_folder(tmp_path) -> None:
    folder, m = _folder(tmp_path)
    outside = tmp_path / "secret.txt"
    outside.write_text("x", encoding="utf-8")
    m["files"]["../secret.txt"] = file_sha256(outside)
    m["files"]["/etc/hostname"] = "0" * 64
    manifest.write_manifest(folder, m)
    result = verify(folder)
    assert sorted(result.unsafe) == ["../secret.txt", "/etc/hostname"] and not result.ok


def test_verify_without_manifest(tmp_path) -> None:
    with pytest.raises(FileNotFoundError):
        verify(tmp_path)
    assert main(["verify", str(tmp_path)]) == 2


def test_data_fingerprint_ignores_row_order_and_sees_every_change() -> None:
    rows = [dossier("A", due="2024-07-03"), dossier("B", due="2024-07-04", applicant_name="Lê Văn Tám")]
    base = manifest.data_fingerprint(unit_data(rows))
    assert manifest.data_fingerprint(unit_data(rows[::-1]))["sha256"] == base["sha256"]
    changed = manifest.data_fingerprint(unit_data([rows[0], {**rows[1], "applicant_name": "Lê Văn Bảy"}]))
    assert changed["sha256"] != base["sha256"]
    assert changed["tables"]["dossiers"]["sha256"] != base["tables"]["dossiers"]["sha256"]
    assert changed["tables"]["procedures"] == base["tables"]["procedures"]
    assert manifest.data_fingerprint(unit_data(rows[:1]))["tables"]["dossiers"]["rows"] == 1
    assert "Lê Văn" not in json.dumps(base)


def test_frame_digest_depends_on_dtypes() -> None:
    a = pd.DataFrame({"x": [1, 2]})
    assert manifest.frame_digest(a) != manifest.frame_digest(a.astype("float64"))
