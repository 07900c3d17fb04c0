"""The commune plan as data (data/reference/plans/*.yaml) and ``parbook plan load``.

A plan file lists every requirement R1… of the plan with its text, plan reference, responsible
sections, how it is measured and the tasks it generates. :func:`load_plan` validates it (clear
Vietnamese errors naming the requirement); :func:`expand_tasks` turns it into ``plan_tasks`` rows
for one unit (task_id ``<plan_code>-<requirement_id>-<n>``); :func:`load_plan_tasks` inserts the
rows that are not there yet and never touches a row that exists — the done dates, evidence and any
due date that staff changed through sheet NhiemVu stay as they are.

Due rule: ``quarterly`` tasks are due at the end of each NĐ 09/2019 quarter window of the plan year
(2024: 14/3, 14/6, 14/9, 14/12); ``yearly`` tasks at the end of the NĐ 09 year window (14/12).

>>> plan = load_plan()
>>> len(plan.requirements), plan.requirement("R8").measures[0].indicator
(48, 'ontime_rate_766')
>>> [str(d) for d in due_dates("quarterly", 2024)]
['2024-03-14', '2024-06-14', '2024-09-14', '2024-12-14']
>>> expand_tasks(plan, "X1")[0]["task_id"]
'kh-par-sipas-2024-R1-1'
"""

from __future__ import annotations

import hashlib
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import inspect, select

from parbook.contract import CHECK_IDS, INDICATOR_IDS, INDICATOR_SCOPES
from parbook.plan.sections import section_name, sections
from parbook.store import db
from parbook.store.config import REFERENCE_DIR, TIMEZONE
from parbook.store.params import validate_unit_code
from parbook.store.settings import ConfigError
from parbook.timeline.periods import Window

PLANS_DIR = REFERENCE_DIR / "plans"
DEFAULT_PLAN = "kh-par-sipas-2024"
PLAN_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
REQUIREMENT_RE = re.compile(r"^R[1-9][0-9]*$")
SCHEDULES = ("quarterly", "yearly")
QUARTER_VI = ("I", "II", "III", "IV")
EVALUATIONS = {"computed": "tính từ dữ liệu", "manual": "tự đánh giá có kiểm chứng",
               "mixed": "kết hợp"}
MEASURE_KINDS = ("indicator", "checks", "register", "manual", "criteria", "staff_late")
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq,
}
COMPARISON_VI = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}
PLAN_OWNED = ("unit_code", "plan_code", "requirement_id", "department", "title", "due_date")
BATCH_SHEET = "KeHoach"


class PlanError(ConfigError):
    """A plan file that cannot be used, with every problem found (Vietnamese + English)."""


@dataclass(frozen=True)
class Measure:
    """One way a requirement is measured (see the header of the plan file)."""

    kind: str
    indicator: str | None = None
    scope: str = "ytd"
    target: float | None = None
    comparison: str | None = None
    informative: bool = False
    note: str | None = None
    checks: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    min_late: int = 2

    @property
    def needs_evidence(self) -> bool:
        return self.kind == "manual"


@dataclass(frozen=True)
class TaskTemplate:
    """A duty of a requirement: one task per department and due date."""

    title: str
    departments: tuple[str, ...]
    schedule: str


@dataclass(frozen=True)
class Requirement:
    """A requirement R… of the plan."""

    id: str
    plan_ref: str
    text: str
    responsible: tuple[str, ...]
    evaluation: str
    target: str
    measures: tuple[Measure, ...]
    tasks: tuple[TaskTemplate, ...] = ()

    @property
    def responsible_vi(self) -> str:
        return "; ".join(section_name(c) for c in self.responsible)


@dataclass(frozen=True)
class Plan:
    """A validated plan file."""

    code: str
    year: int
    title: str
    source: str
    due_rules: dict[str, str]
    requirements: tuple[Requirement, ...]
    path: Path = field(compare=False)

    def requirement(self, requirement_id: str) -> Requirement:
        for req in self.requirements:
            if req.id == requirement_id:
                return req
        raise KeyError(requirement_id)


def plan_path(name: str | Path = DEFAULT_PLAN) -> Path:
    """The file of a plan: a name of data/reference/plans/ (``kh-par-sipas-2024``) or a path."""
    text = str(name)
    if text.endswith((".yaml", ".yml")) or "/" in text or "\\" in text:
        return Path(text)
    if not PLAN_NAME_RE.match(text) or ".." in text:
        raise PlanError(f"Tên kế hoạch không hợp lệ {text!r} (invalid plan name)")
    return PLANS_DIR / f"{text}.yaml"


def due_dates(schedule: str, year: int) -> list[date]:
    """The due dates of a schedule in a plan year (ends of the NĐ 09 windows)."""
    if schedule == "quarterly":
        return [Window.parse(f"{year}-Q{q}", "nd09").end for q in range(1, 5)]
    if schedule == "yearly":
        return [Window.parse(str(year), "nd09").end]
    raise PlanError(f"Lịch không hợp lệ {schedule!r} (unknown schedule)")


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _parse_measure(spec: Any, where: str, errors: list[str]) -> Measure | None:
    if not isinstance(spec, dict) or spec.get("kind") not in MEASURE_KINDS:
        errors.append(f"{where}: cách đo phải có kind là một trong {', '.join(MEASURE_KINDS)} "
                      f"(measure kind missing or unknown): {spec!r}")
        return None
    kind = spec["kind"]
    m = Measure(
        kind=kind,
        indicator=spec.get("indicator"),
        scope=spec.get("scope", "ytd"),
        target=spec.get("target"),
        comparison=spec.get("comparison"),
        informative=bool(spec.get("informative", False)),
        note=spec.get("note"),
        checks=_as_tuple(spec.get("checks")),
        sections=_as_tuple(spec.get("sections")),
        min_late=int(spec.get("min_late", 2)),
    )
    if kind == "indicator":
        if m.indicator not in INDICATOR_IDS:
            errors.append(f"{where}: chỉ số {m.indicator!r} không có trong DESIGN.md §7 "
                          f"(unknown indicator id)")
        if m.scope not in INDICATOR_SCOPES:
            errors.append(f"{where}: scope {m.scope!r} phải là period hoặc ytd")
        if (m.target is None) != (m.comparison is None):
            errors.append(f"{where}: target và comparison phải đi cùng nhau "
                          f"(target and comparison go together)")
        if m.comparison is not None and m.comparison not in COMPARISONS:
            errors.append(f"{where}: phép so sánh {m.comparison!r} không hợp lệ "
                          f"(use {', '.join(COMPARISONS)})")
        if m.target is not None and not isinstance(m.target, int | float):
            errors.append(f"{where}: target phải là số (target must be a number)")
    if kind == "checks":
        unknown = [c for c in m.checks if c not in CHECK_IDS]
        if not m.checks or unknown:
            errors.append(f"{where}: mã kiểm tra không có trong DESIGN.md §6 "
                          f"(unknown or missing check ids): {unknown or m.checks}")
    if kind == "criteria":
        unknown = [c for c in m.sections if c not in sections()]
        if unknown:
            errors.append(f"{where}: mã bộ phận không có trong sections.yaml: {unknown}")
    if kind == "staff_late" and m.min_late < 1:
        errors.append(f"{where}: min_late phải ≥ 1")
    return m


def _check_sections(errors: list[str], where: str, label_vi: str, key: str,
                    codes: tuple[str, ...]) -> None:
    """Record an error when the section codes are missing or not in sections.yaml."""
    unknown = [c for c in codes if c not in sections()]
    if not codes or unknown:
        errors.append(f"{where}: {label_vi} thiếu hoặc không có trong sections.yaml "
                      f"({key} missing or unknown): {unknown or codes}")


def _parse_tasks(specs: Any, where: str, errors: list[str]) -> tuple[TaskTemplate, ...]:
    out = []
    for i, spec in enumerate(specs or [], start=1):
        at = f"{where}, nhiệm vụ {i}"
        if not isinstance(spec, dict) or not str(spec.get("title") or "").strip():
            errors.append(f"{at}: thiếu nội dung (title missing)")
            continue
        depts = _as_tuple(spec.get("department"))
        _check_sections(errors, at, "bộ phận chủ trì", "department", depts)
        if spec.get("schedule") not in SCHEDULES:
            errors.append(f"{at}: schedule phải là quarterly hoặc yearly "
                          f"(schedule must be quarterly or yearly)")
        out.append(TaskTemplate(str(spec["title"]).strip(), depts, str(spec.get("schedule"))))
    return tuple(out)


def _parse_requirement(spec: Any, index: int, errors: list[str]) -> Requirement | None:
    if not isinstance(spec, dict):
        errors.append(f"Yêu cầu thứ {index}: phải là một mục (mapping) (must be a mapping)")
        return None
    rid = str(spec.get("id") or "")
    where = f"Yêu cầu {rid or f'thứ {index}'}"
    if not REQUIREMENT_RE.match(rid):
        errors.append(f"{where}: mã phải có dạng R1, R2… (id must look like R1)")
    for key in ("plan_ref", "text", "target"):
        if not str(spec.get(key) or "").strip():
            errors.append(f"{where}: thiếu {key} ({key} missing)")
    responsible = _as_tuple(spec.get("responsible"))
    _check_sections(errors, where, "bộ phận chịu trách nhiệm", "responsible", responsible)
    if spec.get("evaluation") not in EVALUATIONS:
        errors.append(f"{where}: evaluation phải là computed, manual hoặc mixed")
    measures = [_parse_measure(m, f"{where}, cách đo {i}", errors)
                for i, m in enumerate(spec.get("measures") or [], start=1)]
    measures = [m for m in measures if m is not None]
    if not any(not m.informative for m in measures):
        errors.append(f"{where}: cần ít nhất một cách đo xét đạt/chưa đạt "
                      f"(at least one measure that is not informative)")
    tasks = _parse_tasks(spec.get("tasks"), where, errors)
    if any(m.kind in ("register", "manual") for m in measures) and not tasks:
        errors.append(f"{where}: cách đo register/manual cần danh sách nhiệm vụ (tasks)")
    return Requirement(
        id=rid, plan_ref=str(spec.get("plan_ref") or ""), text=str(spec.get("text") or ""),
        responsible=responsible, evaluation=str(spec.get("evaluation")),
        target=str(spec.get("target") or ""), measures=tuple(measures), tasks=tasks)


def load_plan(name: str | Path = DEFAULT_PLAN) -> Plan:
    """Read and validate a plan file; :class:`PlanError` lists every problem found."""
    path = plan_path(name)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PlanError(f"Không có tệp kế hoạch {path} (plan file not found)") from exc
    except yaml.YAMLError as exc:
        raise PlanError(f"Tệp kế hoạch {path.name} không đọc được (invalid YAML): {exc}") from exc
    if not isinstance(raw, dict):
        raise PlanError(f"Tệp kế hoạch {path.name}: nội dung phải là một mục (mapping)")
    errors: list[str] = []
    code = str(raw.get("plan_code") or "")
    if not PLAN_NAME_RE.match(code):
        errors.append("plan_code thiếu hoặc không hợp lệ (plan_code missing or invalid)")
    year = raw.get("year")
    if not isinstance(year, int):
        errors.append("year phải là số năm, ví dụ 2024 (year must be an integer)")
    reqs = [_parse_requirement(s, i, errors)
            for i, s in enumerate(raw.get("requirements") or [], start=1)]
    reqs = [r for r in reqs if r is not None]
    if not reqs:
        errors.append("Kế hoạch không có yêu cầu nào (no requirements)")
    seen: set[str] = set()
    for r in reqs:
        if r.id in seen:
            errors.append(f"Yêu cầu {r.id}: mã bị trùng (duplicate id)")
        seen.add(r.id)
    if errors:
        raise PlanError(f"Tệp kế hoạch {path.name} có lỗi (plan file errors):\n- "
                        + "\n- ".join(errors))
    return Plan(code=code, year=int(year), title=str(raw.get("title") or code),
                source=str(raw.get("source") or ""), due_rules=dict(raw.get("due_rules") or {}),
                requirements=tuple(reqs), path=path)


def plans_for_year(year: int) -> list[Plan]:
    """The plans of data/reference/plans/ whose year is ``year``."""
    return [p for p in (load_plan(f) for f in sorted(PLANS_DIR.glob("*.yaml"))) if p.year == year]


def task_id(plan: Plan, requirement_id: str, n: int) -> str:
    """``<plan_code>-<requirement_id>-<n>`` (n counts the tasks of the requirement from 1)."""
    return f"{plan.code}-{requirement_id}-{n}"


def expand_tasks(plan: Plan, unit_code: str) -> list[dict[str, Any]]:
    """The plan_tasks rows of a unit: per requirement, its task templates × departments × dues.

    Numbering follows the file's order, so add new duties at the END of a requirement's list
    to keep existing task ids stable.
    """
    rows = []
    for req in plan.requirements:
        n = 0
        for tpl in req.tasks:
            dues = due_dates(tpl.schedule, plan.year)
            for dept in tpl.departments:
                for due in dues:
                    n += 1
                    title = tpl.title
                    if tpl.schedule == "quarterly":
                        quarter = QUARTER_VI[dues.index(due)]
                        title = f"{title} (quý {quarter}/{plan.year})"
                    rows.append({
                        "task_id": task_id(plan, req.id, n), "unit_code": unit_code,
                        "plan_code": plan.code, "requirement_id": req.id,
                        "department": section_name(dept), "title": title, "due_date": due,
                    })
    return rows


@dataclass
class PlanLoadResult:
    """Counts of one ``plan load``."""

    read: int
    inserted: int
    unchanged: int
    differing: list[str]
    batch_id: int | None


def _as_date(value: Any) -> Any:
    return value.date() if isinstance(value, datetime) else value


def load_plan_tasks(conn: Any, plan: Plan, unit_code: str) -> PlanLoadResult:
    """Insert the unit's plan tasks that do not exist yet; existing rows are never changed.

    ``differing`` lists existing task ids whose plan-owned columns (title, department, due date…)
    differ from the plan file: staff edits through NhiemVu, or a changed plan — kept as they are.
    """
    validate_unit_code(unit_code)
    if conn.execute(select(db.units.c.unit_code).where(db.units.c.unit_code == unit_code)).first() \
            is None:
        raise PlanError(f"Không có đơn vị {unit_code!r} trong CSDL: chạy 'parbook init --unit "
                        f"{unit_code}' trước (unknown unit: run parbook init first)")
    rows = expand_tasks(plan, unit_code)
    t = db.plan_tasks.c
    existing = {r.task_id: r for r in conn.execute(
        select(*[t[c] for c in ("task_id", *PLAN_OWNED)]).where(
            t.task_id.in_([r["task_id"] for r in rows])))}
    new = [r for r in rows if r["task_id"] not in existing]
    differing = [
        r["task_id"] for r in rows if r["task_id"] in existing
        and any(_as_date(getattr(existing[r["task_id"]], c)) != r[c] for c in PLAN_OWNED)
    ]
    batch_id = None
    if new:
        result = conn.execute(db.import_batches.insert().values(
            file_name=plan.path.name, sha256=hashlib.sha256(plan.path.read_bytes()).hexdigest(),
            sheet=BATCH_SHEET, unit_code=unit_code, rows_read=len(rows), rows_inserted=len(new),
            rows_updated=0, rows_unchanged=len(rows) - len(new), rows_quarantined=0,
            imported_at=datetime.now(ZoneInfo(TIMEZONE)).replace(tzinfo=None, microsecond=0)))
        batch_id = int(result.inserted_primary_key[0])
        conn.execute(db.plan_tasks.insert(), [{**r, "batch_id": batch_id} for r in new])
    return PlanLoadResult(read=len(rows), inserted=len(new), unchanged=len(rows) - len(new),
                          differing=differing, batch_id=batch_id)


def load_plan_for_unit(url: str | None, plan_name: str | Path, unit_code: str
                       ) -> tuple[Plan, PlanLoadResult]:
    """``parbook plan load``: the plan file's tasks of a unit into the database (one transaction)."""
    validate_unit_code(unit_code)
    plan = load_plan(plan_name)
    eng = db.engine(url)
    if not inspect(eng).has_table("plan_tasks"):
        raise PlanError("CSDL chưa được tạo: chạy 'parbook init' trước "
                        "(database not initialised: run parbook init)")
    with eng.begin() as conn:
        return plan, load_plan_tasks(conn, plan, unit_code)
