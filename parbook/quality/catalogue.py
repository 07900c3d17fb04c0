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

This module does not import Great Expectations (its import costs seconds); parbook.quality.checks does.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from parbook.store.config import CHECKS_DIR
from parbook.store.db import PERSONAL_COLUMNS
from parbook.store.settings import ConfigError

ENTITIES = ("dossier", "feedback", "survey", "legal_document", "plan_task", "form")
SEVERITIES = ("error", "violation", "warning")
KINDS = ("integrity", "compliance")
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
        raise CatalogueError(f"Điều kiện không hợp lệ (invalid condition clause): {item!r}")
    column, op = str(item[0]), str(item[1])
    if len(item) == 2:
        if op not in NULLITY:
            raise CatalogueError(f"Toán tử không hợp lệ (invalid operator): {item!r}")
        return {"type": "nullity", "column": {"name": column}, "is_null": NULLITY[op]}
    if op not in COMPARISONS:
        raise CatalogueError(f"Toán tử không hợp lệ (invalid operator): {item!r}")
    value = item[2]
    if op in ("IN", "NOT_IN") and not isinstance(value, list):
        raise CatalogueError(f"IN/NOT_IN cần một danh sách (needs a list): {item!r}")
    return {"type": "comparison", "column": {"name": column}, "operator": op, "parameter": value}


def _dnf(when: Any) -> list[list[dict[str, Any]]]:
    """The condition as an OR of ANDs of clauses (GX accepts AND groups inside an OR, not ORs
    inside an AND): each inner list is one conjunction."""
    if isinstance(when, dict):
        if set(when) == {"all"}:
            return _dnf(list(when["all"]))
        if set(when) == {"any"}:
            return [conj for w in when["any"] for conj in _dnf(w)]
        raise CatalogueError(f"Điều kiện chỉ dùng all/any (use all/any): {when!r}")
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


def _require(mapping: dict[str, Any], key: str, where: str) -> Any:
    value = mapping.get(key)
    if value in (None, ""):
        raise CatalogueError(f"{where}: thiếu '{key}' (missing '{key}')")
    return value


def _scoped(scope: Any, when: Any) -> Any:
    """A rule's condition restricted to the records its check applies to."""
    if scope is None:
        return when
    return scope if when is None else {"all": [scope, when]}


def _parse_check(raw: dict[str, Any], entity: str, path: Path, entity_scope: Any = None) -> Check:
    where = f"{path.name} {raw.get('id', '?')}"
    scope = raw.get("scope", entity_scope)
    rules = []
    for r in _require(raw, "expectations", where):
        rule = Rule(type=_require(r, "type", where), kwargs=dict(r.get("kwargs") or {}),
                    when=_scoped(scope, r.get("when")), reason_vi=str(r.get("reason_vi") or ""))
        rule.row_condition()  # validates the condition now, not at run time
        rules.append(rule)
    check = Check(
        id=_require(raw, "id", where), entity=entity, severity=_require(raw, "severity", where),
        kind=_require(raw, "kind", where), title_vi=_require(raw, "title_vi", where),
        title_en=_require(raw, "title_en", where), basis=_require(raw, "basis", where),
        message_vi=_require(raw, "message_vi", where), rules=tuple(rules),
        explain=tuple(raw.get("explain") or ()), scope=scope)
    if check.severity not in SEVERITIES or check.kind not in KINDS:
        raise CatalogueError(f"{where}: severity/kind không hợp lệ (invalid severity or kind)")
    personal = check.columns() & set(PERSONAL_COLUMNS)
    texts = (check.message_vi, *(r.reason_vi for r in rules))
    if any(template_fields(t) & set(PERSONAL_COLUMNS) for t in texts):
        raise CatalogueError(
            f"{where}: thông điệp không được chứa dữ liệu cá nhân (no personal data in messages)")
    if personal - {"applicant_phone"}:
        raise CatalogueError(f"{where}: cột cá nhân {sorted(personal)} (personal columns)")
    return check


def load_entity(path: Path) -> EntitySpec:
    """Read and validate one catalogue file."""
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    entity = _require(raw, "entity", path.name)
    if entity not in ENTITIES or path.stem != entity:
        raise CatalogueError(f"{path.name}: thực thể không hợp lệ {entity!r} (invalid entity)")
    checks = tuple(_parse_check(c, entity, path, raw.get("scope"))
                   for c in _require(raw, "checks", path.name))
    return EntitySpec(entity=entity, record_key=_require(raw, "record_key", path.name),
                      description_vi=str(raw.get("description_vi") or ""), checks=checks)


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
