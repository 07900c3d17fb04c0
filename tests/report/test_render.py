"""``parbook report`` end to end on the fixture commune: the outputs folder of DESIGN.md §8."""

from __future__ import annotations

import html as html_module
import json
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pandas as pd

from parbook import vnformat
from parbook.analysis.forms import BIEU06_COLUMNS
from parbook.commands.main import main
from parbook.contract import FINDINGS_COLUMNS, INDICATOR_COLUMNS
from parbook.report.run import NOTEBOOKS
from tests.report import fixture_db
from tests.textscan import every_text, pdf_text

SECTION_8 = {"findings.csv", "indicators.csv", "bieu06.csv", "forms.xlsx", "report.html", "report.pdf",
             "manifest.json", "notebooks", "audit"}


def test_outputs_folder_layout_and_csv_contracts(report_dir: Path) -> None:
    assert SECTION_8 <= {p.name for p in report_dir.iterdir()}
    assert sorted(p.stem for p in (report_dir / "notebooks").glob("*.ipynb")) == sorted(NOTEBOOKS)
    assert sorted(p.stem for p in (report_dir / "audit").glob("*.html")) == sorted(NOTEBOOKS)
    assert list(pd.read_csv(report_dir / "findings.csv").columns) == FINDINGS_COLUMNS
    assert list(pd.read_csv(report_dir / "indicators.csv").columns) == INDICATOR_COLUMNS
    bieu06 = pd.read_csv(report_dir / "bieu06.csv")
    assert list(bieu06.columns) == BIEU06_COLUMNS and bieu06["field"].iloc[-1] == "TOTAL"
    assert not list(report_dir.parent.glob(f".{report_dir.name}.tmp-*")), "work folder left behind"
    assert not (report_dir / ".parbook-run.json").exists()


def test_district_report_has_no_code_and_shows_the_figures(report_dir: Path, fixture_commune) -> None:
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    text = pdf_text(report_dir / "report.pdf")
    rate = vnformat.percent(fixture_commune.ontime_rate)
    assert rate == "83,3%"
    for needle in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "ỦY BAN NHÂN DÂN",
                   "BÁO CÁO", "I. KẾT QUẢ ĐẠT ĐƯỢC", "II. TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN",
                   "III. PHƯƠNG HƯỚNG, NHIỆM VỤ QUÝ TỚI", "IV. ĐỀ XUẤT, KIẾN NGHỊ", "Nơi nhận:", "/BC-UBND",
                   "ngày 14 tháng 9 năm 2024", rate, f"({fixture_commune.ontime}/{fixture_commune.settled})"):
        assert needle in text, needle
    for code in ("nb.load", "import ", "nb.show", "export_outputs", "run_id", "PARBOOK_DB", "In ["):
        assert code not in html and code not in text
    assert 'class="input' not in html and "<pre>" not in html
    assert not re.search(r"(src|href)=[\"'](https?:)?//", html), "network reference in report.html"
    assert html.count('src="data:image/png;base64,') >= 3
    assert "<script" not in html and "&lt;script&gt;" not in text
    pages = subprocess.run(["pdfinfo", str(report_dir / "report.pdf")], capture_output=True, text=True,
                           check=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", pages).group(1)) >= 4


def test_hostile_text_is_escaped_everywhere(report_dir: Path) -> None:
    escaped = 0
    for name, text in every_text(report_dir).items():
        if name.endswith((".html", ".ipynb")):
            assert fixture_db.XSS not in text.replace("\\u003c", "<") or name.endswith(".ipynb"), name
            escaped += "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert escaped >= 2          # PAKN subject (03), handler names (02)
    for nb_path in (report_dir / "notebooks").glob("*.ipynb"):
        nb = nbformat.read(nb_path, as_version=4)
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                html = out.get("data", {}).get("text/html", "")
                assert fixture_db.XSS not in html, nb_path.name


def test_no_personal_data_in_any_output(report_dir: Path, fixture_commune) -> None:
    texts = every_text(report_dir)
    needles = [*fixture_commune.personal["names"], *fixture_commune.personal["addresses"]]
    for phone in fixture_commune.personal["phones"]:
        needles += [phone, re.sub(r"\D", "", phone)]
    hits = [(name, n) for name, text in texts.items() for n in needles if len(n) >= 5 and n in text]
    assert hits == []
    assert any("Nguyễn" in t or "V." in t for t in texts.values())   # masked names are shown


def test_manifest_covers_every_file_and_no_credentials(report_dir: Path, fixture_commune) -> None:
    m = json.loads((report_dir / "manifest.json").read_text(encoding="utf-8"))
    files = {p.relative_to(report_dir).as_posix() for p in report_dir.rglob("*") if p.is_file()}
    assert set(m["files"]) == files - {"manifest.json"}
    assert m["parameters"] == {"unit": fixture_db.UNIT, "period": "2024-Q3", "window": "nd09",
                               "as_of": "2024-09-14", "include_personal_data": False}
    assert m["window"]["start"] == "2024-06-15" and m["window"]["ytd_start"] == "2023-12-15"
    assert m["data"]["fingerprint"]["tables"]["dossiers"]["rows"] == 30
    assert m["data"]["import_batches"] == []          # the fixture is written directly, not imported
    assert [n["name"] for n in m["notebooks"]] == list(NOTEBOOKS)
    assert m["database"]["backend"] == "sqlite" and "/" not in m["database"]["database"]
    assert fixture_commune.url not in json.dumps(m)


def test_executed_notebooks_record_the_run(report_dir: Path) -> None:
    for name in NOTEBOOKS:
        nb = nbformat.read(report_dir / "notebooks" / f"{name}.ipynb", as_version=4)
        pm = nb.metadata["papermill"]
        assert pm["parameters"]["unit"] == fixture_db.UNIT and pm["parameters"]["as_of"] == "2024-09-14"
        assert not pm["input_path"].startswith("/") and not pm["output_path"].startswith("/")
        counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
        assert counts[0] == 1 and counts == sorted(counts), f"{name}: fresh namespace per notebook"
        assert not any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))
        injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert len(injected) == 1 and "PARBOOK_DB" not in injected[0].source


def test_audit_html_has_code_and_provenance(report_dir: Path) -> None:
    page = (report_dir / "audit" / "00_tong_hop.html").read_text(encoding="utf-8")
    visible = html_module.unescape(re.sub(r"<[^>]+>", "", page))
    assert "nb.load(unit, period, window, as_of)" in visible and "export_outputs" in visible
    assert "Tham số (parameters)" in visible and "run_id=" in visible
    assert "Content-Security-Policy" in page and "<script" not in page


def test_verify_and_tamper(report_dir: Path, tmp_path: Path, capsys) -> None:
    assert main(["verify", str(report_dir)]) == 0
    copy = tmp_path / "copy"
    shutil.copytree(report_dir, copy)
    assert main(["verify", str(copy)]) == 0
    with open(copy / "indicators.csv", "a", encoding="utf-8") as fh:
        fh.write("ontime_rate,period,1,1,1.0,0.95,True\n")
    capsys.readouterr()
    assert main(["verify", str(copy)]) == 1
    assert "indicators.csv" in capsys.readouterr().out
