"""The commune plan as data (data/reference/plans/*.yaml) and ``parbook plan load``.

A plan file lists every requirement R1… of the plan with its text, plan reference, responsible
sections, how it is measured and the tasks it generates. :func:`load_plan` reads it into pydantic
models (:class:`PlanFile`, :class:`Requirement`, :class:`Measure`, :class:`TaskTemplate`) and
reports every problem together: a structural one (unknown key, wrong type, missing key) with its
place in the file (``requirements[4].measures[1].kind``), a rule of the domain (unknown indicator,
section or check id, duplicate id…) in Vietnamese naming the requirement
(``Yêu cầu R4, cách đo 1: …``). :func:`expand_tasks` turns it into ``plan_tasks`` rows
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

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo

import yaml
from pydantic import BeforeValidator, Field, ValidationInfo, field_validator, model_validator
from sqlalchemy import inspect, select

from parbook.contract import CHECK_IDS, INDICATOR_IDS, INDICATOR_SCOPES
from parbook.plan.sections import section_name, sections
from parbook.store import db
from parbook.store.config import REFERENCE_DIR, TIMEZONE
from parbook.store.hashing import file_sha256
from parbook.store.params import validate_unit_code
from parbook.store.settings import (
    ConfigError,
    Count,
    Number,
    Strict,
    Text,
    read_yaml,
    report,
    validate,
)
from parbook.timeline.periods import Window

PLANS_DIR = REFERENCE_DIR / "plans"
DEFAULT_PLAN = "kh-par-sipas-2024"
PLAN_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
REQUIREMENT_RE = re.compile(r"^R[1-9][0-9]*$")
QUARTER_VI = ("I", "II", "III", "IV")
EVALUATIONS = {"computed": "tính từ dữ liệu", "manual": "tự đánh giá có kiểm chứng",
               "mixed": "kết hợp"}
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq,
}
COMPARISON_VI = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}
PLAN_OWNED = ("unit_code", "plan_code", "requirement_id", "department", "title", "due_date")
BATCH_SHEET = "KeHoach"

MeasureKind = Literal["indicator", "checks", "register", "manual", "criteria", "staff_late"]
Schedule = Literal["quarterly", "yearly"]
MEASURE_KINDS: tuple[str, ...] = get_args(MeasureKind)
SCHEDULES: tuple[str, ...] = get_args(Schedule)
Evaluation = Literal[tuple(EVALUATIONS)]
Comparison = Literal[tuple(COMPARISONS)]
Scope = Literal[INDICATOR_SCOPES]


def _one_or_many(value: Any) -> Any:
    """``VP-TK`` or ``[ALL, VP-TK]`` (nothing → an empty list)."""
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else value


Codes = Annotated[tuple[str, ...], BeforeValidator(_one_or_many)]


class PlanError(ConfigError):
    """A plan file that cannot be used, with every problem found (Vietnamese + English)."""


def _section_problem(label_vi: str, key: str, codes: tuple[str, ...]) -> list[str]:
    """The problem of section codes that are missing or not in sections.yaml (none: [])."""
    unknown = [c for c in codes if c not in sections()]
    if codes and not unknown:
        return []
    return [f"{label_vi} thiếu hoặc không có trong sections.yaml ({key} missing or unknown): "
            f"{unknown or list(codes)}"]


class Measure(Strict):
    """One way a requirement is measured (see the header of the plan file)."""

    kind: MeasureKind
    indicator: str | None = None
    scope: Scope = "ytd"
    target: Number | None = None
    comparison: Comparison | None = None
    informative: bool = False
    note: str | None = None
    checks: Codes = ()
    sections: Codes = ()
    min_late: Count = 2

    @property
    def needs_evidence(self) -> bool:
        return self.kind == "manual"

    def problems(self) -> list[str]:
        """What is wrong with this measure against the contract and sections.yaml."""
        out = []
        if self.kind == "indicator":
            if self.indicator not in INDICATOR_IDS:
                out.append(f"chỉ số {self.indicator!r} không có trong DESIGN.md §7 "
                           f"(unknown indicator id)")
            if (self.target is None) != (self.comparison is None):
                out.append("target và comparison phải đi cùng nhau "
                           "(target and comparison go together)")
        if self.kind == "checks":
            unknown = [c for c in self.checks if c not in CHECK_IDS]
            if not self.checks or unknown:
                out.append(f"mã kiểm tra không có trong DESIGN.md §6 "
                           f"(unknown or missing check ids): {unknown or list(self.checks)}")
        if self.kind == "criteria":
            unknown = [c for c in self.sections if c not in sections()]
            if unknown:
                out.append(f"mã bộ phận không có trong sections.yaml: {unknown}")
        if self.kind == "staff_late" and self.min_late < 1:
            out.append("min_late phải ≥ 1 (min_late must be at least 1)")
        return out


class TaskTemplate(Strict):
    """A duty of a requirement: one task per department and due date (file key ``department``:
    one code or a list)."""

    title: Text
    departments: Codes = Field(alias="department")
    schedule: Schedule


class Requirement(Strict):
    """A requirement R… of the plan."""

    id: str
    plan_ref: Text
    text: Text
    responsible: Codes
    evaluation: Evaluation
    target: Text
    measures: tuple[Measure, ...]
    tasks: tuple[TaskTemplate, ...] = ()

    @property
    def responsible_vi(self) -> str:
        return "; ".join(section_name(c) for c in self.responsible)

    @model_validator(mode="after")
    def _domain_rules(self, info: ValidationInfo) -> Requirement:
        where = f"Yêu cầu {self.id}"
        problems = []
        if not REQUIREMENT_RE.match(self.id):
            problems.append(f"{where}: mã phải có dạng R1, R2… (id must look like R1)")
        problems += [f"{where}: {p}" for p in _section_problem(
            "bộ phận chịu trách nhiệm", "responsible", self.responsible)]
        for i, measure in enumerate(self.measures, start=1):
            problems += [f"{where}, cách đo {i}: {p}" for p in measure.problems()]
        if all(m.informative for m in self.measures):
            problems.append(f"{where}: cần ít nhất một cách đo xét đạt/chưa đạt "
                            f"(at least one measure that is not informative)")
        for i, task in enumerate(self.tasks, start=1):
            problems += [f"{where}, nhiệm vụ {i}: {p}" for p in _section_problem(
                "bộ phận chủ trì", "department", task.departments)]
        if any(m.kind in ("register", "manual") for m in self.measures) and not self.tasks:
            problems.append(f"{where}: cách đo register/manual cần danh sách nhiệm vụ (tasks) "
                            f"(register and manual measures need tasks)")
        report(info, problems)
        return self


class PlanFile(Strict):
    """A plan file (data/reference/plans/*.yaml) as written."""

    plan_code: str
    year: Count
    title: str | None = None
    source: str = ""
    due_rules: dict[str, str] = {}
    requirements: tuple[Requirement, ...]

    @field_validator("plan_code")
    @classmethod
    def _plan_code(cls, code: str) -> str:
        if not PLAN_NAME_RE.match(code):
            raise ValueError("mã kế hoạch chỉ gồm chữ không dấu, số, '.', '_', '-' "
                             "(invalid plan_code)")
        return code

    @field_validator("requirements")
    @classmethod
    def _some(cls, requirements: tuple[Requirement, ...]) -> tuple[Requirement, ...]:
        if not requirements:
            raise ValueError("Kế hoạch không có yêu cầu nào (no requirements)")
        return requirements

    @model_validator(mode="after")
    def _unique_ids(self, info: ValidationInfo) -> PlanFile:
        ids = [r.id for r in self.requirements]
        report(info, [f"Yêu cầu {rid}: mã bị trùng (duplicate id)"
                      for i, rid in enumerate(ids) if rid in ids[:i]])
        return self


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


def load_plan(name: str | Path = DEFAULT_PLAN) -> Plan:
    """Read and validate a plan file (:class:`PlanFile`); :class:`PlanError` lists every problem
    found: the place of a structural one (``requirements[4].measures[1].kind``), the requirement
    of the others (``Yêu cầu R4, cách đo 1: …``)."""
    path = plan_path(name)
    if not path.is_file():
        raise PlanError(f"Không có tệp kế hoạch {path} (plan file not found)")
    data = validate(read_yaml(path, PlanError), PlanFile, path.name, PlanError)
    return Plan(code=data.plan_code, year=data.year, title=data.title or data.plan_code,
                source=data.source, due_rules=dict(data.due_rules),
                requirements=data.requirements, path=path)


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
            t.unit_code == unit_code, t.task_id.in_([r["task_id"] for r in rows])))}
    new = [r for r in rows if r["task_id"] not in existing]
    differing = [
        r["task_id"] for r in rows if r["task_id"] in existing
        and any(_as_date(getattr(existing[r["task_id"]], c)) != r[c] for c in PLAN_OWNED)
    ]
    batch_id = None
    if new:
        result = conn.execute(db.import_batches.insert().values(
            file_name=plan.path.name, sha256=file_sha256(plan.path),
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


YEAR_IN_TEXT = re.compile(r"\b(?:năm|Năm|NĂM)\s+\d{4}(?:\s*(?:và|,|–|-)\s*\d{4})*\b")
YEAR = re.compile(r"\d{4}")


def redated_code(code: str, year: int) -> str:
    """The plan code for another year: its trailing year replaced, or the year appended.

    >>> redated_code("kh-par-sipas-2024", 2026), redated_code("kh-xa", 2026)
    ('kh-par-sipas-2026', 'kh-xa-2026')
    """
    stem = re.sub(r"[-_]?(19|20)\d{2}$", "", code)
    return f"{stem}-{year}"


def _redate(value: Any, shift: int) -> Any:
    """Every "năm YYYY" (and "năm YYYY và YYYY") of the texts moved by ``shift`` years (a 2024
    plan comparing with 2023 becomes a 2026 plan comparing with 2025); dates of documents are
    left for staff to edit.

    >>> _redate({"t": ["Chỉ số năm 2023 và 2024; KH ngày 12/01/2024"]}, 2)
    {'t': ['Chỉ số năm 2025 và 2026; KH ngày 12/01/2024']}
    """
    if isinstance(value, str):
        return YEAR_IN_TEXT.sub(
            lambda m: YEAR.sub(lambda y: str(int(y.group()) + shift), m.group()), value)
    if isinstance(value, list):
        return [_redate(v, shift) for v in value]
    if isinstance(value, dict):
        return {k: _redate(v, shift) for k, v in value.items()}
    return value


def new_plan(source: str | Path, year: int, out: Path | None = None) -> Plan:
    """``parbook plan new``: a plan file for ``year`` with the same requirements as ``source``,
    re-dated, for staff to edit (tasks fall due in the new year's NĐ 09 windows). Never
    overwrites a file; the new file is validated like any plan."""
    plan = load_plan(source)
    code = redated_code(plan.code, year)
    path = Path(out) if out else PLANS_DIR / f"{code}.yaml"
    if path.exists():
        raise PlanError(f"Đã có tệp kế hoạch {path}: không ghi đè (plan file exists, not "
                        "overwritten)")
    raw = read_yaml(plan.path, PlanError)
    redated = _redate({k: v for k, v in raw.items() if k not in ("plan_code", "year", "source")},
                      year - plan.year)
    data = {"plan_code": code, "year": year,
            "source": f"Sao từ kế hoạch {plan.code} (năm {plan.year}) bằng parbook plan new; cán bộ "
                      f"cập nhật căn cứ, chỉ tiêu và nội dung của năm {year}", **redated}
    header = (f"# Kế hoạch năm {year} — bản sao của {plan.code} ({plan.path.name}) với các yêu cầu "
              f"giữ nguyên và năm\n# được dời {year - plan.year:+d} năm. Cán bộ sửa nội dung, chỉ "
              "tiêu, số và ngày của văn bản căn cứ trước khi dùng;\n# hạn nhiệm vụ theo các kỳ NĐ "
              f"09/2019 của năm {year}. Cấu trúc tệp: xem {plan.path.name}.\n\n")
    text = header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    try:
        return load_plan(path)
    except PlanError:
        path.unlink()
        raise


def check_plan_year(plan: Plan, year: int) -> None:
    """Refuse a plan written for another year than the window's."""
    if plan.year != year:
        raise PlanError(f"Kế hoạch {plan.code} ({plan.path.name}) là của năm {plan.year}, kỳ báo "
                        f"cáo thuộc năm {year}: lập kế hoạch năm {year} bằng parbook plan new "
                        f"--year {year} --from {plan.code} (plan file for the wrong year)")
