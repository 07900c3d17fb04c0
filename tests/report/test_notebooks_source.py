"""The source notebooks: a parameters cell papermill can read, the parbook kernel, thin code."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from parbook.report.run import NOTEBOOKS, SUMMARY_NOTEBOOK
from parbook.store.config import NOTEBOOKS_DIR

PARAMS = {"unit", "period", "window", "as_of", "manifest"}
SUMMARY_PARAMS = {"notes_file", "report_date", "export_dir", "store_history", "run_id"}


def test_every_report_notebook_exists_and_nothing_else() -> None:
    assert sorted(p.stem for p in NOTEBOOKS_DIR.glob("*.ipynb")) == sorted(NOTEBOOKS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_parameters_cell(name: str) -> None:
    path = NOTEBOOKS_DIR / f"{name}.ipynb"
    params = pm.inspect_notebook(str(path))
    expected = PARAMS | (SUMMARY_PARAMS if name == SUMMARY_NOTEBOOK else set())
    assert set(params) == expected
    assert params["as_of"]["default"] == '""' and params["window"]["default"] == '"nd09"'
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert nb.metadata["kernelspec"]["name"] == "parbook"
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "nb.load(unit, period, window, as_of)" in source
    assert "nb.show_provenance(analysis, manifest)" in source, "the first output names the data read"
    assert "DESIGN.md" not in "\n".join(c.source for c in nb.cells), "a document not in the outputs"
    for secret in ("PARBOOK_DB", "sqlite://", "postgresql", "password"):
        assert secret not in source.replace("biến môi trường PARBOOK_DB", "")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebooks_are_thin(name: str) -> None:
    nb = nbformat.read(Path(NOTEBOOKS_DIR / f"{name}.ipynb"), as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        lines = [line for line in cell.source.splitlines() if line.strip() and not line.startswith("#")]
        assert len(lines) <= 16, f"{name}: a cell of {len(lines)} lines belongs in the package"
        assert "def " not in cell.source and "class " not in cell.source


def test_summary_notebook_sections_and_tags() -> None:
    nb = nbformat.read(NOTEBOOKS_DIR / f"{SUMMARY_NOTEBOOK}.ipynb", as_version=4)
    headings = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown"]
    for section in ("## I. KẾT QUẢ ĐẠT ĐƯỢC", "## II. TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN",
                    "## III. PHƯƠNG HƯỚNG, NHIỆM VỤ QUÝ TỚI", "## IV. ĐỀ XUẤT, KIẾN NGHỊ",
                    "## Phụ lục I", "## Phụ lục II", "## Phụ lục III"):
        assert section in headings
    export = [c for c in nb.cells if "export_outputs" in c.source]
    assert len(export) == 1 and "audit-only" in export[0].metadata["tags"]
    appendix = [c for c in nb.cells if "appendix" in c.metadata.get("tags", [])]
    assert appendix and all(nb.cells.index(c) > nb.cells.index(next(
        x for x in nb.cells if x.source.startswith("## IV."))) for c in appendix)


def test_sources_have_no_outputs() -> None:
    for path in NOTEBOOKS_DIR.glob("*.ipynb"):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert all(not c.get("outputs") and c.get("execution_count") is None
                   for c in data["cells"] if c["cell_type"] == "code")
