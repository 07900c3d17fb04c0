"""PAR self-assessment: the district's criteria tree, scored automatically and by hand.

The criteria file (data/reference/criteria/) is a tree lĩnh vực → tiêu chí → tiêu chí thành phần
with maximum points. A leaf is either **auto** — bound to an indicator of DESIGN.md §7 with score
bands — or **manual** — scored by staff in ``self_scores`` (sheet TuChamDiem) with evidence. The
shipped file is a labelled TEMPLATE ([U]); a district's official file replaces it
(``data/reference/criteria/par-xa.yaml`` is used when present).

The file is read into pydantic models (:class:`CriteriaFile`, a tree of :class:`CriterionNode`)
and every problem is reported together: a structural one (unknown key, wrong type, missing key)
with its place in the file (``nodes[2].children[1].max``), a rule of the domain (points that do
not add up, duplicate id, unknown indicator or section, score bands, depth) naming the criterion
(``Tiêu chí '1.2' (Công khai TTHC): …``).

How to show it (notebook 04)::

    assessment = par_assessment(analysis)            # one row per criterion, tree order
    totals = par_totals(assessment)                  # overall score / max / gap, counts, label
    print(totals["label"])                           # always say when the criteria are a template
    assessment[["criterion_id", "name", "section", "source", "score", "max", "gap", "status"]]
    largest_gaps(assessment, 10)                     # the biggest gaps first, with their sections

>>> tree = load_criteria()
>>> tree.template, sum(n.max for n in tree.roots)
(True, 100.0)
>>> b = tree.node("3.3.1").bands
>>> [score_bands(b, v) for v in (0.951, 0.95, 0.90, 0.8999, 0.8, 0.79)]
[6.0, 4.0, 4.0, 2.0, 2.0, 0.0]
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import ConfigDict, ValidationInfo, field_validator, model_validator

from parbook import vnformat
from parbook.analysis.figures import indicator_value
from parbook.contract import INDICATOR_IDS, INDICATOR_SCOPES
from parbook.plan.sections import section_name, sections
from parbook.store.config import REFERENCE_DIR
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

CRITERIA_DIR = REFERENCE_DIR / "criteria"
OFFICIAL_CRITERIA = CRITERIA_DIR / "par-xa.yaml"
TEMPLATE_CRITERIA = CRITERIA_DIR / "par-xa-mau.yaml"
MAX_DEPTH = 3
LEVEL_NAMES = {1: "lĩnh vực", 2: "tiêu chí", 3: "tiêu chí thành phần"}
EPS = 1e-9
Scope = Literal[INDICATOR_SCOPES]

# band key → (direction, comparison): "higher" bands test value ≥/> threshold, "lower" ≤/<.
BAND_OPS: dict[str, tuple[str, Callable[[float, float], bool]]] = {
    "at_least": ("higher", operator.ge), "above": ("higher", operator.gt),
    "at_most": ("lower", operator.le), "below": ("lower", operator.lt),
}
BAND_VI = {"at_least": "≥", "above": ">", "at_most": "≤", "below": "<"}

SOURCE_AUTO, SOURCE_MANUAL, SOURCE_TOTAL = "tự động", "tự chấm", "tổng hợp"
STATUS_SCORED = "đã chấm"
STATUS_AUTO = "đã chấm (tự động)"
STATUS_UNSCORED = "chưa chấm"
STATUS_NO_DATA = "chưa có dữ liệu"
STATUS_NO_EVIDENCE = "thiếu tài liệu kiểm chứng"
STATUS_OUT_OF_RANGE = "điểm ngoài khoảng cho phép"

ASSESSMENT_COLUMNS = [
    "criterion_id", "parent_id", "level", "level_name", "name", "section_code", "section",
    "is_leaf", "source", "indicator_id", "value", "score", "max", "gap", "status", "flagged",
    "evidence", "note", "requirements",
]


class CriteriaError(ConfigError):
    """A criteria file that cannot be used; the message names every faulty node."""


@dataclass(frozen=True)
class Band:
    """Points given when the indicator value passes ``op threshold`` (first match wins)."""

    key: str
    threshold: float
    points: float

    def matches(self, value: float) -> bool:
        return BAND_OPS[self.key][1](value, self.threshold)

    def describe(self) -> str:
        threshold, points = vnformat.compact(self.threshold), vnformat.compact(self.points)
        return f"{BAND_VI[self.key]} {threshold} → {points} điểm"


@dataclass
class Criterion:
    """A node of the criteria tree (section inherited from the parent when not given)."""

    id: str
    name: str
    max: float
    level: int
    parent_id: str | None = None
    section: str | None = None
    requirements: tuple[str, ...] = ()
    guide: str | None = None
    note: str | None = None
    indicator: str | None = None
    scope: str = "ytd"
    bands: tuple[Band, ...] = ()
    children: list[Criterion] = field(default_factory=list)

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def is_auto(self) -> bool:
        return self.indicator is not None


@dataclass
class CriteriaTree:
    """A validated criteria file."""

    code: str
    title: str
    template: bool
    label: str
    source: str
    path: Path
    roots: list[Criterion]

    def walk(self) -> Iterator[Criterion]:
        """Every node, parents before their children, in file order."""
        stack = list(reversed(self.roots))
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def node(self, criterion_id: str) -> Criterion:
        for n in self.walk():
            if n.id == criterion_id:
                return n
        raise KeyError(criterion_id)


def score_bands(bands: tuple[Band, ...], value: float) -> float:
    """Points of the first band the value passes; none passes → 0."""
    for band in bands:
        if band.matches(value):
            return band.points
    return 0.0


def default_criteria_file() -> Path:
    """The district's official file when present, else the shipped template."""
    return OFFICIAL_CRITERIA if OFFICIAL_CRITERIA.exists() else TEMPLATE_CRITERIA


def _band_problems(specs: tuple[BandSpec, ...], max_points: float) -> list[str]:
    """What is wrong with the score bands of an auto-scored criterion worth ``max_points``."""
    if not specs:
        return ["auto.bands phải là danh sách khoảng điểm không rỗng "
                "(bands must be a non-empty list)"]
    bands: list[Band] = []
    for i, spec in enumerate(specs, start=1):
        band = spec.band()
        if band is None:
            return [f"khoảng điểm thứ {i} phải có đúng một ngưỡng số (at_least, above, at_most "
                    f"hoặc below) (band {i} needs exactly one threshold)"]
        bands.append(band)
    directions = {BAND_OPS[b.key][0] for b in bands}
    if len(directions) > 1:
        return ["các khoảng điểm trộn chiều 'càng cao càng tốt' (at_least/above) với 'càng thấp "
                "càng tốt' (at_most/below) (bands mix directions)"]
    higher = directions == {"higher"}
    out = []
    for i, band in enumerate(bands, start=1):
        if not 0 <= band.points <= max_points + EPS:
            out.append(f"khoảng điểm thứ {i} cho {vnformat.compact(band.points)} điểm, ngoài "
                       f"0–{vnformat.compact(max_points)} (band points outside 0..max)")
    if abs(bands[0].points - max_points) > EPS:
        out.append(f"khoảng điểm đầu tiên phải cho điểm tối đa {vnformat.compact(max_points)}, "
                   f"không phải {vnformat.compact(bands[0].points)} "
                   f"(first band must give the maximum)")
    for i in range(1, len(bands)):
        prev, cur = bands[i - 1], bands[i]
        if cur.points > prev.points + EPS:
            out.append(f"điểm phải giảm dần, khoảng {i + 1} cho nhiều điểm hơn khoảng {i} "
                       f"(points must not increase down the list)")
        strict_prev = prev.key in ("above", "below")
        strict_cur = cur.key in ("above", "below")
        looser = (cur.threshold < prev.threshold) if higher else (cur.threshold > prev.threshold)
        same_looser = cur.threshold == prev.threshold and strict_prev and not strict_cur
        if not (looser or same_looser):
            out.append(f"ngưỡng khoảng {i + 1} ({cur.describe()}) phải lỏng hơn khoảng {i} "
                       f"({prev.describe()}) (thresholds must loosen down the list)")
    return out


def _label(node_id: Any, name: Any) -> str:
    return f"Tiêu chí '{node_id}'" + (f" ({name})" if name else "")


class BandSpec(Strict):
    """A score band as written: one threshold and the points it gives."""

    at_least: Number | None = None
    above: Number | None = None
    at_most: Number | None = None
    below: Number | None = None
    points: Number

    def band(self) -> Band | None:
        """The band, or None when the spec has no threshold or more than one."""
        keys = [k for k in BAND_OPS if getattr(self, k) is not None]
        return Band(keys[0], getattr(self, keys[0]), self.points) if len(keys) == 1 else None


class AutoScoring(Strict):
    """``auto:`` of a leaf criterion: an indicator of DESIGN.md §7 scored through bands."""

    indicator: str
    scope: Scope = "ytd"
    bands: tuple[BandSpec, ...]


class CriterionNode(Strict):
    """A node of the criteria file as written (its children are nodes too)."""

    # Built inside CriteriaFile, not before it: a model that uses an already built recursive
    # model runs that model's before/after validators twice (pydantic issue #13581), and these
    # report problems — each would be listed twice.
    model_config = ConfigDict(defer_build=True)

    id: Text
    name: Text
    max: Number
    section: str | None = None
    requirements: tuple[str, ...] = ()
    guide: str | None = None
    note: str | None = None
    auto: AutoScoring | None = None
    children: tuple[CriterionNode, ...] | None = None

    @model_validator(mode="before")
    @classmethod
    def _quoted_id(cls, data: Any, info: ValidationInfo) -> Any:
        """An id written as a number: an integer is read as its text (``1`` → "1"); a decimal is
        refused, YAML reads ``1.10`` as 1.1 — ids are written in quotes."""
        if isinstance(data, dict) and isinstance(data.get("id"), int | float) \
                and not isinstance(data["id"], bool):
            if isinstance(data["id"], float):
                report(info, [f"{_label(data['id'], data.get('name'))}: mã tiêu chí (id) phải là "
                              f"chuỗi, đặt trong dấu nháy, ví dụ \"1.2\" (id must be a quoted "
                              f"string)"])
            data = {**data, "id": str(data["id"])}
        return data

    @model_validator(mode="after")
    def _domain_rules(self, info: ValidationInfo) -> CriterionNode:
        problems = []
        if self.max <= 0:
            problems.append(f"điểm tối đa (max) phải là số dương, không phải "
                            f"{vnformat.compact(self.max)} (max must be a positive number)")
        if self.section is not None and self.section not in sections():
            problems.append(f"mã bộ phận {self.section!r} không có trong sections.yaml "
                            f"(unknown section)")
        if self.children is not None and self.auto is not None:
            problems.append("tiêu chí có tiêu chí con không được gắn chấm tự động (auto) "
                            "(a node with children cannot be auto-scored)")
        if self.children is not None:
            total = sum(c.max for c in self.children)
            if not self.children:
                problems.append("children phải là danh sách không rỗng "
                                "(children must be a non-empty list)")
            elif abs(total - self.max) > 1e-6:
                total_vi, max_vi = vnformat.compact(total), vnformat.compact(self.max)
                problems.append(f"tổng điểm tối đa các tiêu chí con là {total_vi}, khác điểm tối "
                                f"đa {max_vi} của tiêu chí (children's max points add up to "
                                f"{total_vi}, not {max_vi})")
        elif self.auto is not None:
            if self.auto.indicator not in INDICATOR_IDS:
                problems.append(f"chỉ số {self.auto.indicator!r} không có trong danh mục chỉ số "
                                f"(DESIGN.md §7) (unknown indicator id)")
            problems += _band_problems(self.auto.bands, self.max)
        report(info, [f"{_label(self.id, self.name)}: {p}" for p in problems])
        return self


def _walk(nodes: Iterable[CriterionNode], level: int = 1) -> Iterator[tuple[CriterionNode, int]]:
    """Every node with its level, parents before their children, in file order."""
    for node in nodes:
        yield node, level
        yield from _walk(node.children or (), level + 1)


class CriteriaFile(Strict):
    """A criteria file (data/reference/criteria/*.yaml) as written."""

    code: str | None = None
    title: str | None = None
    year: Count | None = None
    template: bool = False
    label: str | None = None
    source: str = ""
    total_max: Number | None = None
    nodes: tuple[CriterionNode, ...]

    @field_validator("nodes")
    @classmethod
    def _some(cls, nodes: tuple[CriterionNode, ...]) -> tuple[CriterionNode, ...]:
        if not nodes:
            raise ValueError("cần danh sách các lĩnh vực không rỗng (a non-empty list is required)")
        return nodes

    @model_validator(mode="after")
    def _tree_rules(self, info: ValidationInfo) -> CriteriaFile:
        problems, seen = [], set()
        for node, level in _walk(self.nodes):
            where = _label(node.id, node.name)
            if node.id in seen:
                problems.append(f"{where}: mã tiêu chí bị trùng (duplicate id)")
            seen.add(node.id)
            if level > MAX_DEPTH:
                problems.append(f"{where}: cây tiêu chí chỉ có {MAX_DEPTH} cấp (lĩnh vực → tiêu chí "
                                f"→ tiêu chí thành phần) (tree deeper than {MAX_DEPTH} levels)")
        root_total = sum(n.max for n in self.nodes)
        if self.total_max is not None and abs(self.total_max - root_total) > 1e-6:
            total_vi = vnformat.compact(root_total)
            problems.append(f"Tổng điểm tối đa các lĩnh vực là {total_vi}, khác total_max "
                            f"{vnformat.compact(self.total_max)} (domains add up to {total_vi})")
        report(info, problems)
        return self


def _criterion(node: CriterionNode, level: int, parent: Criterion | None) -> Criterion:
    """The scoring node of a validated file node (a section not given is the parent's)."""
    inherited = parent.section if parent else None
    crit = Criterion(id=node.id, name=node.name, max=node.max, level=level,
                     parent_id=parent.id if parent else None,
                     section=node.section if "section" in node.model_fields_set else inherited,
                     requirements=node.requirements, guide=node.guide, note=node.note)
    if node.auto is not None:
        crit.indicator, crit.scope = node.auto.indicator, node.auto.scope
        crit.bands = tuple(b for spec in node.auto.bands if (b := spec.band()) is not None)
    crit.children = [_criterion(child, level + 1, crit) for child in node.children or ()]
    return crit


def load_criteria(path: str | Path | None = None) -> CriteriaTree:
    """Read and validate a criteria file (:class:`CriteriaFile`); :class:`CriteriaError` lists
    every problem: the place of a structural one (``nodes[2].children[1].max``), the criterion of
    the others (``Tiêu chí '1.2' (Công khai TTHC): …``)."""
    path = Path(path) if path is not None else default_criteria_file()
    if not path.is_file():
        raise CriteriaError(f"Không có tệp bộ tiêu chí {path} (criteria file not found)")
    data = validate(read_yaml(path, CriteriaError), CriteriaFile, path.name, CriteriaError)
    title = data.title or path.stem
    label = data.label or ("Bộ tiêu chí mẫu [U]" if data.template else title)
    return CriteriaTree(code=data.code or path.stem, title=title, template=data.template,
                        label=label, source=data.source, path=path,
                        roots=[_criterion(node, 1, None) for node in data.nodes])


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or value is pd.NA \
        or not str(value).strip()


def _score_leaf(node: Criterion, indicators: pd.DataFrame, manual: dict[str, dict[str, Any]]
                ) -> dict[str, Any]:
    entry = manual.get(node.id)
    if node.is_auto:
        iv = indicator_value(indicators, node.indicator or "", node.scope)
        note = "; ".join(b.describe() for b in node.bands)
        if entry is not None and not _blank(entry.get("score")):
            note += (f"; bỏ qua điểm tự chấm {vnformat.compact(entry['score'])}: tiêu chí chấm tự động "
                     f"(manual score ignored, auto-scored criterion)")
        if not iv.known:
            return {"source": SOURCE_AUTO, "indicator_id": node.indicator, "value": None,
                    "score": 0.0, "status": STATUS_NO_DATA, "flagged": False,
                    "evidence": iv.describe(), "note": note}
        return {"source": SOURCE_AUTO, "indicator_id": node.indicator, "value": iv.value,
                "score": score_bands(node.bands, float(iv.value)), "status": STATUS_AUTO,
                "flagged": False, "evidence": iv.describe(), "note": note}
    base = {"source": SOURCE_MANUAL, "indicator_id": None, "value": None,
            "note": node.guide or ""}
    if entry is None or _blank(entry.get("score")):
        return {**base, "score": 0.0, "status": STATUS_UNSCORED, "flagged": False,
                "evidence": "" if entry is None or _blank(entry.get("evidence"))
                else str(entry["evidence"])}
    score = float(entry["score"])
    evidence = "" if _blank(entry.get("evidence")) else str(entry["evidence"]).strip()
    problems = []
    if not 0 <= score <= node.max + EPS:
        problems.append(f"{STATUS_OUT_OF_RANGE} 0–{vnformat.compact(node.max)} "
                        f"(nhập {vnformat.compact(score)})")
        score = min(max(score, 0.0), node.max)
    if not evidence:
        problems.append(STATUS_NO_EVIDENCE)
    note = "; ".join(x for x in (base["note"], "" if _blank(entry.get("note"))
                                 else str(entry["note"])) if x)
    return {**base, "score": score, "status": "; ".join(problems) or STATUS_SCORED,
            "flagged": bool(problems), "evidence": evidence, "note": note}


def _manual_scores(self_scores: pd.DataFrame, year: int) -> dict[str, dict[str, Any]]:
    if self_scores is None or self_scores.empty:
        return {}
    rows = self_scores[pd.to_numeric(self_scores["year"], errors="coerce") == year]
    return {str(r["criterion_id"]).strip(): r for r in rows.to_dict("records")}


def par_assessment(self_scores: pd.DataFrame, year: int, indicators: pd.DataFrame,
                   criteria_file: str | Path | CriteriaTree | None = None) -> pd.DataFrame:
    """Score every criterion for a unit and year (columns ASSESSMENT_COLUMNS).

    ``criteria_file``: a path, an already loaded tree, or None for :func:`default_criteria_file`.

    Leaves: auto (indicator value of ``indicators`` — the contract frame — through the bands;
    no value → 0, "chưa có dữ liệu") or manual (``self_scores`` of the year; no score → 0,
    "chưa chấm";
    a score without evidence or outside 0–max is flagged). Parents sum their children. The frame's
    ``attrs`` carry the criteria file's label and the self_scores ids that match no criterion.
    """
    tree = criteria_file if isinstance(criteria_file, CriteriaTree) else load_criteria(criteria_file)
    manual = _manual_scores(self_scores, year)
    rows: dict[str, dict[str, Any]] = {}
    order = list(tree.walk())
    for node in order:
        rows[node.id] = {
            "criterion_id": node.id, "parent_id": node.parent_id, "level": node.level,
            "level_name": LEVEL_NAMES.get(node.level, ""), "name": node.name,
            "section_code": node.section,
            "section": section_name(node.section) if node.section else "",
            "is_leaf": node.is_leaf, "max": node.max, "requirements": ", ".join(node.requirements),
        }
        if node.is_leaf:
            rows[node.id].update(_score_leaf(node, indicators, manual))
    for node in reversed(order):
        if node.is_leaf:
            continue
        kids = [rows[c.id] for c in node.children]
        leaves = [rows[n.id] for n in _leaves(node)]
        done = sum(r["status"] not in (STATUS_UNSCORED, STATUS_NO_DATA) for r in leaves)
        rows[node.id].update({
            "source": SOURCE_TOTAL, "indicator_id": None, "value": None,
            "score": sum(k["score"] for k in kids),
            "status": f"{done}/{len(leaves)} tiêu chí đã chấm",
            "flagged": any(r["flagged"] for r in leaves), "evidence": "", "note": "",
        })
    frame = pd.DataFrame([rows[n.id] for n in order], columns=ASSESSMENT_COLUMNS)
    frame["gap"] = frame["max"] - frame["score"]
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    frame["flagged"] = frame["flagged"].astype(bool)
    known = {n.id for n in order}
    frame.attrs["criteria"] = {"code": tree.code, "title": tree.title, "template": tree.template,
                               "label": tree.label, "file": tree.path.name}
    frame.attrs["unknown_scores"] = sorted(set(manual) - known)
    return frame


def _leaves(node: Criterion) -> list[Criterion]:
    if node.is_leaf:
        return [node]
    return [leaf for c in node.children for leaf in _leaves(c)]


def par_totals(assessment: pd.DataFrame) -> dict[str, Any]:
    """Overall score, max and gap, auto/manual split and counts of the assessment."""
    roots = assessment[assessment["level"] == 1]
    leaves = assessment[assessment["is_leaf"]]
    auto = leaves[leaves["source"] == SOURCE_AUTO]
    manual = leaves[leaves["source"] == SOURCE_MANUAL]
    meta = assessment.attrs.get("criteria", {})
    label = meta.get("label", "")
    if meta.get("template"):
        label = f"{label} — kết quả chỉ để tham khảo (template criteria, indicative only)"
    return {
        "score": float(roots["score"].sum()), "max": float(roots["max"].sum()),
        "gap": float(roots["gap"].sum()),
        "auto_score": float(auto["score"].sum()), "auto_max": float(auto["max"].sum()),
        "manual_score": float(manual["score"].sum()), "manual_max": float(manual["max"].sum()),
        "criteria": int(len(leaves)),
        "unscored": int((manual["status"] == STATUS_UNSCORED).sum()),
        "no_data": int((auto["status"] == STATUS_NO_DATA).sum()),
        "flagged": int(leaves["flagged"].sum()),
        "unknown_scores": list(assessment.attrs.get("unknown_scores", [])),
        "template": bool(meta.get("template", False)), "label": label,
        "criteria_code": meta.get("code", ""),
    }


def largest_gaps(assessment: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The ``n`` leaf criteria with the largest gap (max − score), with their sections.

    Ties: the larger maximum first, then criterion order. Criteria at full marks are left out.
    Show it as is in notebook 04 (columns: criterion_id, name, section, source, score, max, gap,
    status, requirements).
    """
    leaves = assessment[assessment["is_leaf"] & (assessment["gap"] > EPS)].copy()
    leaves["_order"] = range(len(leaves))
    leaves = leaves.sort_values(["gap", "max", "_order"], ascending=[False, False, True])
    cols = ["criterion_id", "name", "section", "source", "score", "max", "gap", "status",
            "requirements"]
    return leaves.head(n)[cols].reset_index(drop=True)
