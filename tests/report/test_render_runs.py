"""Further full runs: the personal-data opt-in, verify --rerun, PostgreSQL without leaking secrets."""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook

from parbook.commands.main import main
from parbook.report.followup import FOLLOWUP_FILE
from parbook.report.run import INTERNAL_DIR, run_report
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
    assert re.search(r"same data fingerprint\): có", out)
    with db.begin(url) as conn:
        conn.execute(db.dossiers.update().where(db.dossiers.c.dossier_code == fixture_db.code(
            datetime(2024, 7, 1).date(), 1)).values(finished_at=datetime(2024, 9, 30, 9)))
    assert main(["verify", str(folder), "--rerun", "--db", url]) == 1
    out = capsys.readouterr().out
    assert re.search(r"same data fingerprint\): không", out) and "KHÁC" in out


def test_postgresql_run_keeps_credentials_out(pg_url: str, window, tmp_path) -> None:
    url = pg_url.replace("parbook@", "parbook:Pw-s3cr3t-42@")
    fixture_db.build(url)
    folder = run_report(fixture_db.UNIT, window, url=url, out_dir=tmp_path / "pg")
    texts = every_text(folder)
    assert not [name for name, text in texts.items() if "Pw-s3cr3t-42" in text or "127.0.0.1:" in text]
    m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert m["database"]["backend"] == "postgresql"
    assert Path(folder / "report.pdf").stat().st_size > 10_000


def test_a_notebook_reruns_alone_with_plain_papermill(fixture_commune, tmp_path, monkeypatch) -> None:
    """The auditor's path: one executed notebook re-run on its own kernel, database from the env."""
    import nbformat
    import papermill as pm

    from parbook.store.config import NOTEBOOKS_DIR

    monkeypatch.setenv("PARBOOK_DB", fixture_commune.url)
    out = tmp_path / "00.ipynb"
    pm.execute_notebook(str(NOTEBOOKS_DIR / "00_tong_hop.ipynb"), str(out), kernel_name="parbook",
                        parameters={"unit": fixture_db.UNIT, "period": "2024-Q3"}, cwd=str(tmp_path),
                        progress_bar=False, execution_timeout=600)
    nb = nbformat.read(out, as_version=4)
    html = "".join(o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", []))
    assert "Tỷ lệ hồ sơ giải quyết trước hạn, đúng hạn trong kỳ đạt 83,3% (20/24)" in html
    assert not list(tmp_path.glob("*.csv")) and not (tmp_path / "forms.xlsx").exists(), \
        "without run_id the summary notebook exports nothing"
