"""Plans per year (DESIGN.md §12): ``parbook plan new`` and the plan of the window's year."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from parbook.commands.main import main
from parbook.plan.model import PlanError, check_plan_year, expand_tasks, load_plan, new_plan


def test_plan_new_redates_the_requirements(tmp_path: Path, capsys) -> None:
    out = tmp_path / "kh-2026.yaml"
    assert main(["plan", "new", "--year", "2026", "--from", "kh-par-sipas-2024",
                 "--out", str(out)]) == 0
    assert "Đã ghi kế hoạch năm 2026" in capsys.readouterr().out
    old, new = load_plan("kh-par-sipas-2024"), load_plan(out)
    assert (new.code, new.year) == ("kh-par-sipas-2026", 2026)
    assert [r.id for r in new.requirements] == [r.id for r in old.requirements]
    assert new.requirement("R2").text == (
        "Nâng cao Chỉ số CCHC (PAR INDEX) năm 2026: cải thiện điểm số, vị thứ xếp hạng so với năm "
        "2025.")
    assert new.requirement("R8").measures == old.requirement("R8").measures
    # document dates are the staff's to edit, not guessed
    assert "KH 25/KH-UBND ngày 12/01/2024" in new.requirement("R1").text
    tasks = expand_tasks(new, "X1")
    assert tasks[0]["task_id"] == "kh-par-sipas-2026-R1-1"
    assert sorted({t["due_date"] for t in tasks}) == [
        date(2026, 3, 14), date(2026, 6, 14), date(2026, 9, 14), date(2026, 12, 14)]
    assert out.read_text(encoding="utf-8").startswith("# Kế hoạch năm 2026 — bản sao của")


def test_plan_new_never_overwrites(tmp_path: Path) -> None:
    out = tmp_path / "kh.yaml"
    out.write_text("giữ nguyên\n", encoding="utf-8")
    with pytest.raises(PlanError, match="không ghi đè"):
        new_plan("kh-par-sipas-2024", 2026, out)
    assert out.read_text(encoding="utf-8") == "giữ nguyên\n"
    assert main(["plan", "new", "--from", "kh-par-sipas-2024", "--out", str(tmp_path / "x")]) == 2


def test_plan_of_the_wrong_year_is_refused() -> None:
    plan = load_plan("kh-par-sipas-2024")
    check_plan_year(plan, 2024)
    with pytest.raises(PlanError, match="là của năm 2024, kỳ báo cáo thuộc năm 2025: lập kế "
                                        "hoạch năm 2025 bằng parbook plan new --year 2025"):
        check_plan_year(plan, 2025)
