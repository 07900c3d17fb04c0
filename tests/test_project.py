"""Project hygiene: README commands, dependency lists in sync, notebooks without outputs."""

import json
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _norm(req: str) -> str:
    return req.strip().lower().replace("_", "-")


def test_readme_opens_with_the_two_make_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(?:bash)?\n(.*?)```", text, flags=re.S)
    assert [b.strip() for b in blocks[:2]] == ["make demo", "make test"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", ci, re.M)


def test_environment_yml_matches_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {_norm(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    listed = {_norm(r) for r in pip if not r.startswith("-e")}
    assert listed == wanted
    assert all("==" in r for r in wanted), "every dependency is pinned"


def test_source_notebooks_have_no_outputs() -> None:
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert not cell.get("outputs"), f"{path.name} has saved outputs"
                assert cell.get("execution_count") is None, f"{path.name} has execution counts"


def test_make_clean_keeps_the_communes_data(tmp_path: Path) -> None:
    """`make clean` removes what make and the demo wrote, never a commune's database or reports."""
    import shutil
    import subprocess

    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    kept = ["data/parbook.sqlite", "data/parbook.sqlite-wal", "data/xa-an-hoa.sqlite",
            "outputs/XA-AN-HOA/2025-Q3/report.pdf", "data/reference/units.csv"]
    removed = ["data/demo.sqlite", "data/demo.sqlite-wal", "data/demo.demo-ground-truth.csv",
               "outputs/DEMO-ANLOC/2024-Q4/report.pdf", ".venv/bin/python"]
    for name in kept + removed:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    subprocess.run(["make", "-s", "clean"], cwd=tmp_path, check=True)
    assert [n for n in kept if not (tmp_path / n).exists()] == []
    assert [n for n in removed if (tmp_path / n).exists()] == []


def test_readme_is_self_contained_and_its_commands_parse() -> None:
    """The README stands alone in a clone (no ../shared) and every `$P …` line of its walkthroughs,
    Vietnamese and English, is a command line parbook accepts."""
    import shlex

    from parbook.commands.main import build_parser

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "../shared" not in text and "DESIGN.md" not in text
    assert "### Xã nạp dữ liệu của mình" in text and "### Your commune's data, step by step" in text
    lines = [line.split("  #")[0] for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S)
             for line in block.splitlines() if line.startswith("$P ")]
    commands = {shlex.split(line)[1] for line in lines}
    assert {"init", "template", "ingest", "quarantine", "plan", "check", "report", "verify",
            "lab"} <= commands
    parser = build_parser()
    for line in lines:
        parser.parse_args(shlex.split(line)[1:])          # exits (fails the test) on a bad option
