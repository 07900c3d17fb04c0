"""Copies of the five notebooks with one unit's and period's parameters, for ``parbook lab --unit
… --period …``: papermill injects the parameters (its ``injected-parameters`` cell, as in an
executed report) without running anything; staff open and run the copies in JupyterLab."""

from __future__ import annotations

from pathlib import Path

from parbook.report.run import NOTEBOOKS
from parbook.store.config import KERNEL_NAME, NOTEBOOKS_DIR, outputs_dir
from parbook.timeline.periods import Window


def lab_folder(unit_code: str, window: Window) -> Path:
    """outputs/<unit>/<period>-lab/: beside the report folder, never inside it."""
    report = outputs_dir(unit_code, window.period)
    return report.parent / f"{report.name}-lab"


def lab_parameters(unit_code: str, window: Window) -> dict[str, str]:
    """The parameters a lab copy gets: those a report run gives every notebook."""
    return {"unit": unit_code, "period": window.period, "window": window.window,
            "as_of": window.as_of.isoformat()}


def _current_parameters(path: Path) -> dict[str, object] | None:
    import nbformat

    try:
        return dict(nbformat.read(path, as_version=4).metadata.get("papermill", {}).get("parameters"))
    except (OSError, ValueError, TypeError):
        return None


def prepare_lab_notebooks(unit_code: str, window: Window, folder: Path | None = None,
                          notebooks_dir: Path = NOTEBOOKS_DIR) -> tuple[Path, list[Path]]:
    """Write the parameterised copies into ``folder`` (default :func:`lab_folder`); returns the
    folder and the copies written. A copy that already has these parameters is kept as it is
    (staff may have edited it); one with other parameters is written anew."""
    import papermill

    folder = Path(folder) if folder else lab_folder(unit_code, window)
    folder.mkdir(parents=True, exist_ok=True)
    params = lab_parameters(unit_code, window)
    written = []
    for name in NOTEBOOKS:
        copy = folder / f"{name}.ipynb"
        if copy.exists() and _current_parameters(copy) == params:
            continue
        papermill.execute_notebook(str(notebooks_dir / f"{name}.ipynb"), str(copy), parameters=params,
                                   prepare_only=True, kernel_name=KERNEL_NAME, progress_bar=False,
                                   cwd=str(folder))
        written.append(copy)
    return folder, written
