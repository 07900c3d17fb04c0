"""Further full runs: the personal-data opt-in, verify --rerun (read-only), PostgreSQL without
leaking secrets, and each notebook run directly with papermill as an auditor would."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from parbook.commands.main import main
from parbook.report.followup import FOLLOWUP_FILE
from parbook.report.run import INTERNAL_DIR, NOTEBOOKS, run_report
from parbook.store import db
from tests.report import fixture_db
from tests.report.test_render import every_text


def test_personal_data_only_in_the_internal_list(fixture_commune, window, tmp_path, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="parbook.report.run"):
        folder = run_report(fixture_db.UNIT, window, url=fixture_commune.url, out_dir=tmp_path / "o",
                            include_personal_data=True)
    assert any("--include-personal-data" in r.getMessage() for r in caplog.records)
    internal = folder / INTERNAL_DIR / FOLLOWUP_FILE
    ws = load_workbook(internal).active
    values = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert values[0].startswith("TÀI LIỆU NỘI BỘ")
    listed_names = set(values) & set(fixture_commune.personal["names"])
    assert listed_names and set(values) & set(fixture_commune.personal["phones"])
    needles = [*fixture_commune.personal["names"], *fixture_commune.personal["phones"]]
    leaks = [(name, n) for name, text in every_text(folder).items() if not name.startswith(INTERNAL_DIR)
             for n in needles if n in text]
    assert leaks == []
    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert m["parameters"]["include_personal_data"] is True
    assert m["personal_data_export"]["file"] == f"{INTERNAL_DIR}/{FOLLOWUP_FILE}"
    assert f"{INTERNAL_DIR}/{FOLLOWUP_FILE}" in m["files"]


def test_verify_rerun_identical_then_data_changed(tmp_path, window, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    fixture_db.build(url)
    folder = run_report(fixture_db.UNIT, window, url=url, out_dir=tmp_path / "o")
    capsys.readouterr()
    assert main(["verify", str(folder), "--rerun", "--db", url]) == 0
    out = capsys.readouterr().out
    assert "GIỐNG HỆT" in out and "findings.csv: giống hệt" in out
    for name in ("forms.xlsx", "report.html", "notebooks/02_giai_quyet_tthc.ipynb", "ghi-chu.yaml",
                 "gx/validations/dossier.json", "noi-bo/danh-gia-can-bo.xlsx"):
        assert f"{name}: giống hệt" in out, name
    assert "report.pdf: không so byte" in out
    assert re.search(r"same data fingerprint\): có", out)
    with db.begin(url) as conn:
        conn.execute(db.dossiers.update().where(db.dossiers.c.dossier_code == fixture_db.code(
            datetime(2024, 7, 1).date(), 1)).values(finished_at=datetime(2024, 9, 30, 9)))
    assert main(["verify", str(folder), "--rerun", "--db", url]) == 1
    out = capsys.readouterr().out
    assert re.search(r"same data fingerprint\): không", out) and "KHÁC" in out
    assert re.search(r"results differ\): .*indicators\.csv", out), "names what differs"


def test_postgresql_run_keeps_credentials_out(pg_url: str, window, tmp_path) -> None:
    url = pg_url.replace("parbook@", "parbook:Pw-s3cr3t-42@")
    fixture_db.build(url)
    folder = run_report(fixture_db.UNIT, window, url=url, out_dir=tmp_path / "pg")
    texts = every_text(folder)
    assert not [name for name, text in texts.items() if "Pw-s3cr3t-42" in text or "127.0.0.1:" in text]
    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert m["database"]["backend"] == "postgresql"
    assert Path(folder / "report.pdf").stat().st_size > 10_000


def _content(path: Path) -> str:
    """Every table's rows, as SQL text (the file's bytes move when SQLite checkpoints its WAL)."""
    conn = sqlite3.connect(path)
    try:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()


def test_verify_rerun_never_writes_the_database_it_verifies(tmp_path, window, capsys) -> None:
    """The official run stores its indicators in the run history; the re-run of verify does not
    (every table of the database holds the same rows afterwards)."""
    path = tmp_path / "db.sqlite"
    url = f"sqlite:///{path}"
    fixture_db.build(url)
    folder = run_report(fixture_db.UNIT, window, url=url, out_dir=tmp_path / "o")
    with db.begin(url) as conn:
        runs = conn.execute(sa.select(sa.func.count()).select_from(db.indicator_runs)).scalar()
    assert runs > 0, "the official run keeps its history"
    before = _content(path)
    assert main(["verify", str(folder), "--rerun", "--db", url]) == 0
    capsys.readouterr()
    assert _content(path) == before


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_each_notebook_runs_alone_with_plain_papermill(name, fixture_commune, tmp_path, monkeypatch
                                                        ) -> None:
    """The auditor's path: ``papermill notebooks/<name>.ipynb out.ipynb -p unit … -p period …``
    with the database from the environment. The first output names the database read and its data
    fingerprint; nothing is written — no file in the current folder, no history in the database."""
    import nbformat
    import papermill as pm

    from parbook.store.config import NOTEBOOKS_DIR

    monkeypatch.setenv("PARBOOK_DB", fixture_commune.url)
    monkeypatch.chdir(tmp_path)
    db_file = Path(fixture_commune.url.removeprefix("sqlite:///"))
    before = _content(db_file)
    out = tmp_path / "out" / f"{name}.ipynb"
    out.parent.mkdir()
    pm.execute_notebook(str(NOTEBOOKS_DIR / f"{name}.ipynb"), str(out), kernel_name="parbook",
                        parameters={"unit": fixture_db.UNIT, "period": "2024-Q3"}, cwd=str(tmp_path),
                        progress_bar=False, execution_timeout=600)
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    first = next(o for o in outputs if "text/html" in o.get("data", {}))["data"]["text/html"]
    assert "Nguồn dữ liệu" in first and "sqlite" in first and "sha256" in first
    assert fixture_commune.url not in first and str(tmp_path) not in first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"], "nothing written in the folder"
    assert _content(db_file) == before, "nothing written in the database"
    if name == "00_tong_hop":
        html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
        assert "Tỷ lệ hồ sơ giải quyết trước hạn, đúng hạn trên số hồ sơ đã giải quyết" in html
        assert "83,3% (20/24)" in html


def test_a_notebook_warns_when_its_parameters_differ_from_the_manifest(report_dir, fixture_commune,
                                                                       tmp_path, monkeypatch) -> None:
    import nbformat
    import papermill as pm

    from parbook.store.config import NOTEBOOKS_DIR

    monkeypatch.setenv("PARBOOK_DB", fixture_commune.url)
    out = tmp_path / "02.ipynb"
    pm.execute_notebook(str(NOTEBOOKS_DIR / "02_giai_quyet_tthc.ipynb"), str(out), kernel_name="parbook",
                        parameters={"unit": fixture_db.UNIT, "period": "2024-Q3", "as_of": "2024-08-31",
                                    "manifest": str(report_dir / "manifest.json")},
                        cwd=str(tmp_path), progress_bar=False, execution_timeout=600)
    nb = nbformat.read(out, as_version=4)
    html = "".join(o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", []))
    assert "CẢNH BÁO: tham số as_of = 2024-08-31 khác với manifest (2024-09-14)" in html
    assert "tham số period" not in html
