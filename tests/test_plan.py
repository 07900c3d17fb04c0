"""The plan as data: coverage of plan-2024.md, task expansion, and an idempotent ``plan load``."""

from __future__ import annotations

import doctest
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, update

import parbook.plan.model
import parbook.plan.sections
from parbook.commands.main import main
from parbook.plan.model import PlanError, due_dates, expand_tasks, load_plan, load_plan_tasks
from parbook.store import db
from parbook.store.init import init_database

ROOT = Path(__file__).resolve().parent.parent
PLAN_MD = "plan-2024.md"
# plan-2024.md's responsible words → section codes of data/reference/sections.yaml
RESPONSIBLE_CODES = {"VP-TK": "VP-TK", "TP": "TP", "TCNS": "TCNS", "ĐC": "DC", "VHXH": "VHXH",
                     "QS": "QS", "BPMC": "BPMC", "CT": "CT", "all": "ALL"}
HEADING_CODES = {"F": "VP-TK", "G": "TP", "H": "TCNS"}


def _shared_domain() -> Path | None:
    """../shared/domain from the repo root; from a git worktree, the main checkout's root."""
    candidates = [ROOT.parent / "shared" / "domain"]
    try:
        common = subprocess.run(["git", "rev-parse", "--path-format=absolute", "--git-common-dir"],
                                cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        candidates.append(Path(common).parent.parent / "shared" / "domain")
    except (OSError, subprocess.CalledProcessError):
        pass
    return next((c for c in candidates if (c / PLAN_MD).exists()), None)


@pytest.fixture(scope="module")
def plan_md() -> dict[str, dict[str, str]]:
    """Part 2 of plan-2024.md: requirement id → its text, responsible and evaluation words."""
    domain = _shared_domain()
    if domain is None:
        pytest.skip(f"{PLAN_MD} không có ở ../shared/domain/ (shared domain folder absent)")
    text = (domain / PLAN_MD).read_text(encoding="utf-8")
    part2 = text.split("## Part 2", 1)[1]
    out: dict[str, dict[str, str]] = {}
    heading = ""
    for block in re.split(r"\n(?=### |\d+\. \*\*R)", part2):
        if block.startswith("### "):
            heading = block[4]
            continue
        m = re.match(r"\d+\. \*\*(R\d+)\*\*", block)
        if not m:
            continue
        flat = " ".join(block.split())
        resp = re.search(r"\*Responsible:\*\s*(.*?)\.\s*\*", flat)
        ev = re.search(r"\*Evaluation:\*\s*(Computed|Manual|Mixed)", flat)
        out[m.group(1)] = {"heading": heading, "responsible": resp.group(1) if resp else "",
                           "evaluation": ev.group(1).lower() if ev else ""}
    manual_row = re.search(r"\| Manual self-assessment with evidence \| (.*?) \|", text)
    out["_manual_source"] = {"ids": manual_row.group(1) if manual_row else ""}
    return out


def test_plan_file_covers_every_requirement_of_plan_2024(plan_md) -> None:
    ids = [k for k in plan_md if k.startswith("R")]
    assert len(ids) == 48 and ids == [f"R{i}" for i in range(1, 49)]
    plan = load_plan()
    assert [r.id for r in plan.requirements] == ids


def test_plan_file_keeps_responsibility_and_evaluation_of_plan_2024(plan_md) -> None:
    plan = load_plan()
    for req in plan.requirements:
        md = plan_md[req.id]
        assert req.evaluation == md["evaluation"], req.id
        words = re.findall(r"VP-TK|TCNS|TP|ĐC|VHXH|QS|BPMC|CT|\ball\b", md["responsible"])
        expected = {RESPONSIBLE_CODES[w] for w in words} or {HEADING_CODES[md["heading"]]}
        assert expected <= set(req.responsible), (req.id, expected, req.responsible)
    manual_ids = re.findall(r"R\d+", plan_md["_manual_source"]["ids"])
    assert len(manual_ids) > 15
    for rid in manual_ids:
        kinds = {m.kind for m in plan.requirement(rid).measures}
        assert kinds & {"manual", "criteria"}, f"{rid}: manual evidence source without a manual measure"


def test_every_requirement_is_measured_with_text_reference_and_target() -> None:
    plan = load_plan()
    for req in plan.requirements:
        assert req.text and req.plan_ref.startswith(("II", "I.")) and req.target, req.id
        assert any(not m.informative for m in req.measures), req.id
        if any(m.kind in ("register", "manual") for m in req.measures):
            assert req.tasks, req.id
    r8, r12 = plan.requirement("R8").measures[0], plan.requirement("R12").measures[0]
    assert (r8.indicator, r8.comparison, r8.target) == ("ontime_rate_766", ">", 0.95)
    assert r12.indicator == "ontime_rate"


def test_due_rule_is_the_end_of_nd09_windows() -> None:
    assert due_dates("quarterly", 2024) == [date(2024, 3, 14), date(2024, 6, 14),
                                            date(2024, 9, 14), date(2024, 12, 14)]
    assert due_dates("yearly", 2024) == [date(2024, 12, 14)]
    plan = load_plan()
    assert set(plan.due_rules) == {"quarterly", "yearly"}


def test_expand_tasks_ids_departments_and_dues() -> None:
    plan = load_plan()
    rows = expand_tasks(plan, "X1")
    ids = [r["task_id"] for r in rows]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"kh-par-sipas-2024-R\d+-\d+", i) for i in ids)
    r11 = [r for r in rows if r["requirement_id"] == "R11"]       # one task per section
    assert [r["task_id"] for r in r11] == [f"kh-par-sipas-2024-R11-{n}" for n in range(1, 6)]
    assert {r["department"] for r in r11} == {
        "Văn phòng – Thống kê", "Tư pháp", "Địa chính – Xây dựng – Nông nghiệp – Môi trường",
        "Văn hóa – Xã hội", "Tài chính – Ngân sách"}
    r4 = [r for r in rows if r["requirement_id"] == "R4"]         # quarterly
    assert [r["due_date"] for r in r4] == due_dates("quarterly", 2024)
    assert r4[2]["title"].endswith("(quý III/2024)")
    assert {r["unit_code"] for r in rows} == {"X1"}
    assert expand_tasks(plan, "X1") == rows                       # deterministic


def test_plan_load_is_idempotent_and_keeps_staff_entries(any_db_url: str) -> None:
    init_database(any_db_url, [{"unit_code": "X1", "unit_name": "Xã Một"}])
    plan = load_plan()
    expected = len(expand_tasks(plan, "X1"))
    with db.begin(any_db_url) as conn:
        first = load_plan_tasks(conn, plan, "X1")
    assert (first.inserted, first.unchanged, first.differing) == (expected, 0, [])
    t = db.plan_tasks.c
    with db.begin(any_db_url) as conn:                            # staff enter results (NhiemVu)
        conn.execute(update(db.plan_tasks).where(t.task_id == "kh-par-sipas-2024-R4-1").values(
            done_date=date(2024, 3, 10), evidence="Báo cáo 12/BC-UBND ngày 10/3/2024"))
        conn.execute(update(db.plan_tasks).where(t.task_id == "kh-par-sipas-2024-R6-1").values(
            due_date=date(2024, 6, 30)))
        before = db.read_table(conn, db.plan_tasks).sort_values("task_id").reset_index(drop=True)
        batches = conn.execute(select(db.import_batches)).all()
    with db.begin(any_db_url) as conn:
        second = load_plan_tasks(conn, plan, "X1")
    assert (second.inserted, second.unchanged) == (0, expected)
    assert second.differing == ["kh-par-sipas-2024-R6-1"] and second.batch_id is None
    with db.begin(any_db_url) as conn:
        after = db.read_table(conn, db.plan_tasks).sort_values("task_id").reset_index(drop=True)
        assert conn.execute(select(db.import_batches)).all() == batches
    assert after.equals(before)
    row = after.set_index("task_id").loc["kh-par-sipas-2024-R4-1"]
    assert row["evidence"].startswith("Báo cáo 12/BC-UBND") and str(row["done_date"])[:10] == \
        "2024-03-10"
    assert len(batches) == 1 and batches[0].rows_inserted == expected and batches[0].sheet == "KeHoach"
    assert set(after["batch_id"]) == {batches[0].batch_id}


def test_plan_load_adds_only_missing_tasks(sqlite_url: str) -> None:
    init_database(sqlite_url, [{"unit_code": "X1"}, {"unit_code": "X2"}])
    plan = load_plan()
    with db.begin(sqlite_url) as conn:
        load_plan_tasks(conn, plan, "X1")
        conn.execute(db.plan_tasks.delete().where(
            db.plan_tasks.c.task_id == "kh-par-sipas-2024-R36-8"))
        again = load_plan_tasks(conn, plan, "X1")
    assert again.inserted == 1


def test_plan_load_unknown_unit_is_a_clear_error(sqlite_url: str) -> None:
    init_database(sqlite_url)
    with db.begin(sqlite_url) as conn, pytest.raises(PlanError, match="parbook init --unit NOPE"):
        load_plan_tasks(conn, load_plan(), "NOPE")


def test_cli_plan_load(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "load", "--unit", "X1", "--db", sqlite_url]) == 2
    assert "parbook init" in capsys.readouterr().err
    init_database(sqlite_url, [{"unit_code": "X1"}])
    assert main(["plan", "load", "--unit", "X1", "--db", sqlite_url]) == 0
    out = capsys.readouterr().out
    n = len(expand_tasks(load_plan(), "X1"))
    assert f"thêm mới (inserted) {n}" in out
    assert main(["plan", "load", "--unit", "X1", "--db", sqlite_url]) == 0
    assert "thêm mới (inserted) 0" in capsys.readouterr().out
    assert main(["plan", "load", "--unit", "X1", "--plan", "../etc/passwd", "--db", sqlite_url]) == 2
    assert main(["plan", "load", "--unit", "X1", "--plan", "khong-co", "--db", sqlite_url]) == 2
    assert "Không có tệp kế hoạch" in capsys.readouterr().err


def test_malformed_plan_names_the_requirement(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("""
plan_code: kh-thu
year: 2024
requirements:
  - id: R1
    plan_ref: "II.1"
    text: "Nội dung"
    responsible: [VP-TK]
    evaluation: computed
    target: "100%"
    measures:
      - {kind: indicator, indicator: ontime_ratio}
  - id: R2
    plan_ref: "II.2"
    text: "Nội dung"
    responsible: [PHONG-X]
    evaluation: manual
    target: "Có"
    measures:
      - {kind: manual}
  - id: R2
    plan_ref: "II.2"
    text: "Nội dung"
    responsible: [TP]
    evaluation: computed
    target: "0"
    measures:
      - {kind: checks, checks: [HS99]}
""", encoding="utf-8")
    with pytest.raises(PlanError) as err:
        load_plan(bad)
    msg = str(err.value)
    assert "Yêu cầu R1, cách đo 1: chỉ số 'ontime_ratio'" in msg
    assert "Yêu cầu R2: bộ phận chịu trách nhiệm" in msg and "PHONG-X" in msg
    assert "Yêu cầu R2: cách đo register/manual cần danh sách nhiệm vụ" in msg
    assert "HS99" in msg and "Yêu cầu R2: mã bị trùng" in msg


PLAN_R1 = """
plan_code: kh-thu
year: 2024
requirements:
  - id: R1
    plan_ref: "II.1"
    text: "Nội dung"
    responsible: [VP-TK]
    evaluation: computed
    target: "100%"
    measures:
      - {kind: indicator, indicator: ontime_rate, target: 0.95, comparison: ">="}
    tasks:
      - {title: "Báo cáo", department: VP-TK, schedule: yearly}
"""


@pytest.mark.parametrize("old,new,where,expected", [
    ("{kind: indicator,", "{kind: 5,", "requirements[1].measures[1].kind",
     "giá trị không được phép (not an allowed value): 'indicator', 'checks', 'register', "
     "'manual', 'criteria' or 'staff_late', gặp 5"),
    ("target: 0.95", 'target: "95%"', "requirements[1].measures[1].target",
     "cần một số (expected a number), gặp '95%'"),
    ("    measures:", "    measure: []\n    measures:", "requirements[1].measure",
     "khóa không hợp lệ (unknown key)"),
    ('    target: "100%"\n', "", "requirements[1].target", "thiếu mục bắt buộc (required, missing)"),
    ("schedule: yearly", "schedule: monthly", "requirements[1].tasks[1].schedule",
     "giá trị không được phép (not an allowed value): 'quarterly' or 'yearly', gặp 'monthly'"),
    ('plan_ref: "II.1"', 'plan_ref: " "', "requirements[1].plan_ref",
     "không được để trống (must not be blank), gặp ' '"),
    ("year: 2024", "year: năm 2024", "year", "cần một số nguyên (expected an integer)"),
])
def test_plan_structural_errors_name_file_place_and_expectation(
        tmp_path: Path, old: str, new: str, where: str, expected: str) -> None:
    assert old in PLAN_R1
    bad = tmp_path / "kh-loi.yaml"
    bad.write_text(PLAN_R1.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(PlanError) as err:
        load_plan(bad)
    message = str(err.value)
    assert message.startswith("kh-loi.yaml có lỗi (configuration errors):")
    assert f"- {where}: {expected}" in message


def test_plan_structural_and_domain_problems_are_reported_together(tmp_path: Path) -> None:
    second = PLAN_R1.split("requirements:\n", 1)[1].replace("id: R1", "id: R2").replace(
        "indicator: ontime_rate", "indicator: ontime_ratio")
    bad = tmp_path / "kh-loi.yaml"
    bad.write_text(PLAN_R1.replace("{kind: indicator,", "{kind: 5,") + second, encoding="utf-8")
    with pytest.raises(PlanError) as err:
        load_plan(bad)
    assert str(err.value) == (
        "kh-loi.yaml có lỗi (configuration errors):\n"
        "- requirements[1].measures[1].kind: giá trị không được phép (not an allowed value): "
        "'indicator', 'checks', 'register', 'manual', 'criteria' or 'staff_late', gặp 5\n"
        "- Yêu cầu R2, cách đo 1: chỉ số 'ontime_ratio' không có trong DESIGN.md §7 "
        "(unknown indicator id)")


def test_plan_objects_are_the_validated_models(tmp_path: Path) -> None:
    from parbook.store.settings import Strict

    path = tmp_path / "kh-thu.yaml"
    path.write_text(PLAN_R1, encoding="utf-8")
    req = load_plan(path).requirement("R1")
    assert isinstance(req, Strict) and req.responsible == ("VP-TK",)
    assert req.measures[0].target == 0.95 and req.measures[0].comparison == ">="
    assert req.tasks[0].departments == ("VP-TK",) and req.tasks[0].schedule == "yearly"


@pytest.mark.parametrize("module", [parbook.plan.model, parbook.plan.sections])
def test_doctests(module) -> None:
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted > 0


def test_loaded_plan_feeds_self_inspection(any_db_url: str) -> None:
    """Database round trip: plan load → staff results → load_for_window → self_inspection."""
    from parbook.pipeline import analyse
    from parbook.timeline.periods import Window

    init_database(any_db_url, [{"unit_code": "X1"}])
    plan = load_plan()
    with db.begin(any_db_url) as conn:
        load_plan_tasks(conn, plan, "X1")
        t = db.plan_tasks.c
        for n, done in ((1, date(2024, 3, 14)), (2, date(2024, 6, 3))):
            conn.execute(update(db.plan_tasks).where(t.task_id == f"kh-par-sipas-2024-R4-{n}")
                         .values(done_date=done, evidence=f"Báo cáo quý {n}"))
    window = Window.parse("2024-Q2")
    table = analyse("X1", window, any_db_url).plan.inspection.set_index("requirement_id")
    assert table.loc["R4", "status"] == "đạt"
    assert table.loc["R4", "evidence"] == "Báo cáo quý 1; Báo cáo quý 2"
    assert table.loc["R6", "status"] == "chưa đến hạn"                # yearly, due 14/12
    assert table.loc["R23", "status"] == "chưa đạt"                   # Q1 and Q2 not done
