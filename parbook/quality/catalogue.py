"""The check catalogue of ``checks/`` (DESIGN.md §6): loading, validation, GX-ready definitions.

One YAML file per entity (dossier, feedback, survey, legal_document, plan_task, form). Each check
has an id, severity, kind (``integrity``/``compliance``), Vietnamese and English titles, legal
basis, a Vietnamese message template and one or more rules; a rule is one Great Expectations
expectation (type + kwargs) with an optional row condition and a short Vietnamese reason. A
record fails a check when it fails any of its rules.

Row conditions are written compactly and compile to GX 1.x condition dicts (which GX turns into
pandas queries or SQL WHERE clauses itself):

- a clause ``[column, op, value]`` with op one of ``== != < <= > >= IN NOT_IN``, or
  ``[column, IS_NULL]`` / ``[column, IS_NOT_NULL]``;
- a list of clauses, or ``{all: [...]}``: every clause holds;
- ``{any: [...]}``: one of the clauses (or ``{all: [...]}`` groups) holds.

A file's ``scope`` (a condition) restricts every rule of its checks to the records they apply to;
a check's own ``scope`` replaces it (HS15 looks at every dossier returned in the window, the
other dossier checks at the dossiers in the window's scope).

SQL and pandas disagree on NULL in ``NOT_IN`` (pandas keeps the NULL row, SQL drops it): a
catalogue condition that means to include NULL says so with an ``IS_NULL`` alternative.

The files are read into pydantic models (:class:`CatalogueFile`, :class:`CheckFile`,
:class:`ExpectationFile`): a mistake is a :class:`CatalogueError` naming the file, the place inside
it (``checks[3].expectations[1].when``) and what was expected — conditions are compiled and the
personal-data guards applied when the file is read, not when the checks run.

This module does not import Great Expectations (its import costs seconds); parbook.quality.checks does.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import pandas as pd
from pydantic import AfterValidator, field_validator, model_validator

from parbook.store.config import CHECKS_DIR
from parbook.store.db import PERSONAL_COLUMNS
from parbook.store.settings import ConfigError, Strict, Text, read_yaml, validate

Entity = Literal["dossier", "feedback", "survey", "legal_document", "plan_task", "form"]
Severity = Literal["error", "violation", "warning"]
Kind = Literal["integrity", "compliance"]
ENTITIES: tuple[str, ...] = get_args(Entity)
SEVERITIES: tuple[str, ...] = get_args(Severity)
KINDS: tuple[str, ...] = get_args(Kind)
SEVERITY_VI = {"error": "lỗi dữ liệu", "violation": "vi phạm", "warning": "cảnh báo"}
COMPARISONS = ("==", "!=", "<", "<=", ">", ">=", "IN", "NOT_IN")
NULLITY = {"IS_NULL": True, "IS_NOT_NULL": False}
PARAMETER_KEY = "$PARAMETER"
COLUMN_KWARGS = ("column", "column_A", "column_B")
COLUMN_LIST_KWARGS = ("column_list",)
# Placeholders a message may use besides the entity frame's columns.
MESSAGE_FIELDS = ("record_key", "reasons")


class CatalogueError(ConfigError):
    """A catalogue file that parbook cannot use."""


class ConditionError(CatalogueError, ValueError):
    """A row condition that cannot be compiled (a ValueError, so that pydantic reports it at its
    place in the file)."""


@dataclass(frozen=True)
class Rule:
    """One expectation of a check: GX type, kwargs, compact row condition, Vietnamese reason."""

    type: str
    kwargs: dict[str, Any]
    when: Any = None
    reason_vi: str = ""

    def columns(self) -> set[str]:
        """Columns the rule reads (kwargs, condition and reason placeholders)."""
        cols = {self.kwargs[k] for k in COLUMN_KWARGS if k in self.kwargs}
        for k in COLUMN_LIST_KWARGS:
            cols.update(self.kwargs.get(k, []))
        cols.update(_condition_columns(self.when))
        cols.update(template_fields(self.reason_vi))
        return cols - set(MESSAGE_FIELDS)

    def parameters(self) -> set[str]:
        """Names of the run-time parameters ({"$PARAMETER": name}) the rule needs."""
        return {v[PARAMETER_KEY] for v in self.kwargs.values()
                if isinstance(v, dict) and PARAMETER_KEY in v}

    def row_condition(self) -> dict[str, Any] | None:
        """The GX 1.x serialised row condition (None when the rule applies to every row)."""
        return compile_condition(self.when) if self.when is not None else None


@dataclass(frozen=True)
class Check:
    """One check of DESIGN.md §6."""

    id: str
    entity: str
    severity: str
    kind: str
    title_vi: str
    title_en: str
    basis: str
    message_vi: str
    rules: tuple[Rule, ...]
    explain: tuple[str, ...] = field(default_factory=tuple)
    scope: Any = None
    note: str = ""  # for auditors: plan requirement codes, reliability, where a rule is set

    def columns(self) -> set[str]:
        """Columns of the entity frame that the check's rules and message read."""
        cols: set[str] = set()
        for rule in self.rules:
            cols |= rule.columns()
        return cols | self.message_columns()

    def message_columns(self) -> set[str]:
        """Columns that the message and the rules' reasons show."""
        texts = (self.message_vi, *(r.reason_vi for r in self.rules))
        return set().union(*(template_fields(t) for t in texts)) - set(MESSAGE_FIELDS)


@dataclass(frozen=True)
class EntitySpec:
    """One catalogue file: the entity, the column that keys its records, and its checks."""

    entity: str
    record_key: str
    description_vi: str
    checks: tuple[Check, ...]

    def columns(self) -> list[str]:
        """Every column the entity's checks read, sorted (the record key excluded)."""
        cols: set[str] = set()
        for check in self.checks:
            cols |= check.columns()
        return sorted(cols - {"record_key"})


def template_fields(template: str) -> set[str]:
    """Placeholder names of a str.format template."""
    return {name for _, name, _, _ in string.Formatter().parse(template or "") if name}


def _clause(item: Any) -> dict[str, Any]:
    if not isinstance(item, list | tuple) or len(item) not in (2, 3):
        raise ConditionError(f"Điều kiện không hợp lệ (invalid condition clause): {item!r}")
    column, op = str(item[0]), str(item[1])
    if len(item) == 2:
        if op not in NULLITY:
            raise ConditionError(f"Toán tử không hợp lệ (invalid operator): {item!r}")
        return {"type": "nullity", "column": {"name": column}, "is_null": NULLITY[op]}
    if op not in COMPARISONS:
        raise ConditionError(f"Toán tử không hợp lệ (invalid operator): {item!r}")
    value = item[2]
    if op in ("IN", "NOT_IN") and not isinstance(value, list):
        raise ConditionError(f"IN/NOT_IN cần một danh sách (needs a list): {item!r}")
    return {"type": "comparison", "column": {"name": column}, "operator": op, "parameter": value}


def _dnf(when: Any) -> list[list[dict[str, Any]]]:
    """The condition as an OR of ANDs of clauses (GX accepts AND groups inside an OR, not ORs
    inside an AND): each inner list is one conjunction."""
    if isinstance(when, dict):
        if set(when) == {"all"}:
            return _dnf(list(when["all"]))
        if set(when) == {"any"}:
            return [conj for w in when["any"] for conj in _dnf(w)]
        raise ConditionError(f"Điều kiện chỉ dùng all/any (use all/any): {when!r}")
    if isinstance(when, list) and when and isinstance(when[0], list | dict):
        out: list[list[dict[str, Any]]] = [[]]
        for part in when:
            out = [left + right for left in out for right in _dnf(part)]
        return out
    return [[_clause(when)]]


def compile_condition(when: Any) -> dict[str, Any]:
    """Compact catalogue condition → GX 1.x condition dict (comparison/nullity/and/or)."""
    parts = [_and(conj) for conj in _dnf(when)]
    return parts[0] if len(parts) == 1 else {"type": "or", "conditions": parts}


def _and(parts: list[dict[str, Any]]) -> dict[str, Any]:
    return parts[0] if len(parts) == 1 else {"type": "and", "conditions": parts}


def _condition_columns(when: Any) -> set[str]:
    if when is None:
        return set()
    if isinstance(when, dict):
        return set().union(*(_condition_columns(w) for w in next(iter(when.values()))))
    if isinstance(when, list) and when and isinstance(when[0], list | dict):
        return set().union(*(_condition_columns(w) for w in when))
    return {str(when[0])}


def _condition(when: Any) -> Any:
    """A catalogue condition, checked by compiling it (None: every row)."""
    if when is not None:
        compile_condition(when)
    return when


Condition = Annotated[Any, AfterValidator(_condition)]


def _scoped(scope: Any, when: Any) -> Any:
    """A rule's condition restricted to the records its check applies to."""
    if scope is None:
        return when
    return scope if when is None else {"all": [scope, when]}


def _personal(columns: set[str]) -> list[str]:
    return sorted(columns & set(PERSONAL_COLUMNS))


def _impersonal(when: Any) -> Any:
    """A file's scope: a condition that reads no personal column."""
    if personal := _personal(_condition_columns(when)):
        raise ValueError(f"cột cá nhân {personal} (personal columns)")
    return when


class ExpectationFile(Strict):
    """One rule of a check as written: a GX expectation, its row condition and reason."""

    type: Text
    kwargs: dict[str, Any] = {}
    when: Condition = None
    reason_vi: str = ""

    def rule(self, scope: Any) -> Rule:
        return Rule(type=self.type, kwargs=dict(self.kwargs), when=_scoped(scope, self.when),
                    reason_vi=self.reason_vi)


class CheckFile(Strict):
    """One check as written (``scope``, when given — even empty —, replaces the file's)."""

    id: Text
    severity: Severity
    kind: Kind
    title_vi: Text
    title_en: Text
    basis: Text
    note: str = ""
    message_vi: Text
    explain: tuple[str, ...] = ()
    expectations: tuple[ExpectationFile, ...]
    scope: Condition = None

    @field_validator("expectations")
    @classmethod
    def _some(cls, expectations: tuple[ExpectationFile, ...]) -> tuple[ExpectationFile, ...]:
        if not expectations:
            raise ValueError("kiểm tra cần ít nhất một quy tắc (at least one expectation)")
        return expectations

    @model_validator(mode="after")
    def _no_personal_data(self) -> CheckFile:
        """No personal column in a message or reason; none read, except the phone of HS06."""
        check = self.check("", None)
        if any(template_fields(t) & set(PERSONAL_COLUMNS)
               for t in (check.message_vi, *(r.reason_vi for r in check.rules))):
            raise ValueError(f"{self.id}: thông điệp không được chứa dữ liệu cá nhân "
                             f"(no personal data in messages)")
        if personal := _personal(check.columns() - {"applicant_phone"}):
            raise ValueError(f"{self.id}: cột cá nhân {personal} (personal columns)")
        return self

    def check(self, entity: str, entity_scope: Any) -> Check:
        """The check of ``entity``, its rules restricted to its scope (the file's unless its own)."""
        scope = self.scope if "scope" in self.model_fields_set else entity_scope
        return Check(
            id=self.id, entity=entity, severity=self.severity, kind=self.kind,
            title_vi=self.title_vi, title_en=self.title_en, basis=self.basis,
            message_vi=self.message_vi, rules=tuple(e.rule(scope) for e in self.expectations),
            explain=self.explain, scope=scope, note=self.note)


class CatalogueFile(Strict):
    """A catalogue file of ``checks/`` as written."""

    entity: Entity
    record_key: Text
    description_vi: str = ""
    scope: Annotated[Condition, AfterValidator(_impersonal)] = None
    checks: tuple[CheckFile, ...]

    @field_validator("checks")
    @classmethod
    def _some(cls, checks: tuple[CheckFile, ...]) -> tuple[CheckFile, ...]:
        if not checks:
            raise ValueError("tệp cần ít nhất một kiểm tra (at least one check)")
        return checks


def load_entity(path: Path) -> EntitySpec:
    """Read and validate one catalogue file (:class:`CatalogueFile`)."""
    data = validate(read_yaml(path, CatalogueError), CatalogueFile, path.name, CatalogueError)
    if path.stem != data.entity:
        raise CatalogueError(f"{path.name}: tệp của thực thể {data.entity!r} phải tên "
                             f"{data.entity}.yaml (entity and file name differ)")
    return EntitySpec(entity=data.entity, record_key=data.record_key,
                      description_vi=data.description_vi,
                      checks=tuple(c.check(data.entity, data.scope) for c in data.checks))


@cache
def load_catalogue(directory: Path = CHECKS_DIR) -> tuple[EntitySpec, ...]:
    """Every catalogue file of ``checks/``, in the order of ENTITIES (cached per process)."""
    specs = []
    for entity in ENTITIES:
        path = directory / f"{entity}.yaml"
        if not path.exists():
            raise CatalogueError(f"Thiếu tệp danh mục kiểm tra (missing catalogue file): {path}")
        specs.append(load_entity(path))
    ids = [c.id for s in specs for c in s.checks]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise CatalogueError(f"Mã kiểm tra trùng (duplicate check ids): {duplicates}")
    return tuple(specs)


def all_checks(directory: Path = CHECKS_DIR) -> list[Check]:
    """Every check of the catalogue, in catalogue order."""
    return [c for spec in load_catalogue(directory) for c in spec.checks]


def get_check(check_id: str, directory: Path = CHECKS_DIR) -> Check:
    """The check with that id (KeyError with a Vietnamese message if unknown)."""
    for check in all_checks(directory):
        if check.id == check_id:
            return check
    raise KeyError(f"Không có kiểm tra {check_id!r} (unknown check id)")


def check_catalogue(directory: Path = CHECKS_DIR) -> pd.DataFrame:
    """The catalogue as a table: id, entity, severity, title_vi, title_en, basis (and kind)."""
    rows = [{"id": c.id, "entity": c.entity, "severity": c.severity, "title_vi": c.title_vi,
             "title_en": c.title_en, "basis": c.basis, "kind": c.kind}
            for c in all_checks(directory)]
    return pd.DataFrame(rows, columns=["id", "entity", "severity", "title_vi", "title_en", "basis",
                                       "kind"])
