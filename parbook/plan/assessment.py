"""PAR self-assessment: the district's criteria tree, scored automatically and by hand.

The criteria file (data/reference/criteria/) is a tree lĩnh vực → tiêu chí → tiêu chí thành phần
with maximum points. A leaf is either **auto** — bound to an indicator of DESIGN.md §7 with score
bands — or **manual** — scored by staff in ``self_scores`` (sheet TuChamDiem) with evidence. The
shipped file is a labelled TEMPLATE ([U]); a district's official file replaces it
(``data/reference/criteria/par-xa.yaml`` is used when present).

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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from parbook import vnformat
from parbook.analysis.figures import indicator_value
from parbook.contract import INDICATOR_IDS, INDICATOR_SCOPES
from parbook.plan.sections import section_name, sections
from parbook.store.config import REFERENCE_DIR
from parbook.store.settings import ConfigError

CRITERIA_DIR = REFERENCE_DIR / "criteria"
OFFICIAL_CRITERIA = CRITERIA_DIR / "par-xa.yaml"
TEMPLATE_CRITERIA = CRITERIA_DIR / "par-xa-mau.yaml"
MAX_DEPTH = 3
LEVEL_NAMES = {1: "lĩnh vực", 2: "tiêu chí", 3: "tiêu chí thành phần"}
NODE_KEYS = {"id", "name", "max", "section", "requirements", "guide", "note", "auto", "children"}
AUTO_KEYS = {"indicator", "scope", "bands"}
EPS = 1e-9

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


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _node_label(spec: dict[str, Any], fallback: str) -> str:
    nid = spec.get("id") if isinstance(spec, dict) else None
    name = spec.get("name") if isinstance(spec, dict) else None
    if nid is None:
        return fallback
    return f"Tiêu chí '{nid}'" + (f" ({name})" if name else "")


def _parse_bands(raw: Any, where: str, max_points: float, errors: list[str]) -> tuple[Band, ...]:
    if not isinstance(raw, list) or not raw:
        errors.append(f"{where}: auto.bands phải là danh sách khoảng điểm không rỗng "
                      f"(bands must be a non-empty list)")
        return ()
    bands: list[Band] = []
    for i, spec in enumerate(raw, start=1):
        keys = [k for k in BAND_OPS if isinstance(spec, dict) and k in spec]
        extra = set(spec) - set(BAND_OPS) - {"points"} if isinstance(spec, dict) else set()
        if len(keys) != 1 or extra or not _is_number(spec.get(keys[0])) \
                or not _is_number(spec.get("points")):
            errors.append(f"{where}: khoảng điểm thứ {i} phải có đúng một ngưỡng số (at_least, above, "
                          f"at_most hoặc below) và points là số (band {i} malformed): {spec!r}")
            return ()
        bands.append(Band(keys[0], float(spec[keys[0]]), float(spec["points"])))
    directions = {BAND_OPS[b.key][0] for b in bands}
    if len(directions) > 1:
        errors.append(f"{where}: các khoảng điểm trộn chiều 'càng cao càng tốt' (at_least/above) với "
                      f"'càng thấp càng tốt' (at_most/below) (bands mix directions)")
        return ()
    higher = directions == {"higher"}
    for i, band in enumerate(bands, start=1):
        if not 0 <= band.points <= max_points + EPS:
            errors.append(f"{where}: khoảng điểm thứ {i} cho {vnformat.compact(band.points)} điểm, ngoài "
                          f"0–{vnformat.compact(max_points)} (band points outside 0..max)")
    if abs(bands[0].points - max_points) > EPS:
        errors.append(f"{where}: khoảng điểm đầu tiên phải cho điểm tối đa {vnformat.compact(max_points)}, "
                      f"không phải {vnformat.compact(bands[0].points)} (first band must give the maximum)")
    for i in range(1, len(bands)):
        prev, cur = bands[i - 1], bands[i]
        if cur.points > prev.points + EPS:
            errors.append(f"{where}: điểm phải giảm dần, khoảng {i + 1} cho nhiều điểm hơn khoảng {i} "
                          f"(points must not increase down the list)")
        strict_prev = prev.key in ("above", "below")
        strict_cur = cur.key in ("above", "below")
        looser = (cur.threshold < prev.threshold) if higher else (cur.threshold > prev.threshold)
        same_looser = cur.threshold == prev.threshold and strict_prev and not strict_cur
        if not (looser or same_looser):
            errors.append(f"{where}: ngưỡng khoảng {i + 1} ({cur.describe()}) phải lỏng hơn khoảng {i} "
                          f"({prev.describe()}) (thresholds must loosen down the list)")
    return tuple(bands)


def _parse_node(spec: Any, level: int, parent: Criterion | None, position: str,
                seen: set[str], sections_ok: dict[str, Any], errors: list[str]) -> Criterion | None:
    where = _node_label(spec, position)
    if not isinstance(spec, dict):
        errors.append(f"{where}: phải là một mục (mapping) có id, name, max (node must be a mapping)")
        return None
    unknown = set(spec) - NODE_KEYS
    if unknown:
        errors.append(f"{where}: khóa không hợp lệ {sorted(unknown)} (unknown keys)")
    raw_id = spec.get("id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, str | int) or not str(raw_id).strip():
        errors.append(f"{where}: mã tiêu chí (id) phải là chuỗi, đặt trong dấu nháy, ví dụ \"1.2\" "
                      f"(id must be a quoted string)")
        node_id = f"?{position}"
    else:
        node_id = str(raw_id).strip()
        if node_id in seen:
            errors.append(f"{where}: mã tiêu chí bị trùng (duplicate id)")
        seen.add(node_id)
    name = str(spec.get("name") or "").strip()
    if not name:
        errors.append(f"{where}: thiếu tên tiêu chí (name missing)")
    max_points = spec.get("max")
    if not _is_number(max_points) or max_points <= 0:
        errors.append(f"{where}: điểm tối đa (max) phải là số dương, không phải {max_points!r} "
                      f"(max must be a positive number)")
        max_points = 0.0
    if level > MAX_DEPTH:
        errors.append(f"{where}: cây tiêu chí chỉ có {MAX_DEPTH} cấp (lĩnh vực → tiêu chí → tiêu chí "
                      f"thành phần) (tree deeper than {MAX_DEPTH} levels)")
    section = spec.get("section", parent.section if parent else None)
    if section is not None and section not in sections_ok:
        errors.append(f"{where}: mã bộ phận {section!r} không có trong sections.yaml (unknown section)")
        section = None
    requirements = spec.get("requirements") or []
    if not isinstance(requirements, list):
        errors.append(f"{where}: requirements phải là danh sách mã yêu cầu (R…)")
        requirements = []
    node = Criterion(id=node_id, name=name, max=float(max_points), level=level,
                     parent_id=parent.id if parent else None, section=section,
                     requirements=tuple(str(r) for r in requirements),
                     guide=spec.get("guide"), note=spec.get("note"))
    children = spec.get("children")
    auto = spec.get("auto")
    if children is not None and auto is not None:
        errors.append(f"{where}: tiêu chí có tiêu chí con không được gắn chấm tự động (auto) "
                      f"(a node with children cannot be auto-scored)")
    if children is not None:
        if not isinstance(children, list) or not children:
            errors.append(f"{where}: children phải là danh sách không rỗng (children must be a "
                          f"non-empty list)")
        else:
            for i, child in enumerate(children, start=1):
                parsed = _parse_node(child, level + 1, node, f"Tiêu chí con thứ {i} của '{node_id}'",
                                     seen, sections_ok, errors)
                if parsed is not None:
                    node.children.append(parsed)
            total = sum(_num(c.get("max")) for c in children if isinstance(c, dict))
            if abs(total - node.max) > 1e-6:
                errors.append(f"{where}: tổng điểm tối đa các tiêu chí con là {vnformat.compact(total)}, "
                              f"khác điểm tối đa {vnformat.compact(node.max)} của tiêu chí "
                              f"(children's max points add up to {vnformat.compact(total)}, "
                              f"not {vnformat.compact(node.max)})")
    elif auto is not None:
        if not isinstance(auto, dict):
            errors.append(f"{where}: auto phải là một mục có indicator, scope, bands")
        else:
            bad = set(auto) - AUTO_KEYS
            if bad:
                errors.append(f"{where}: auto có khóa không hợp lệ {sorted(bad)} (unknown keys)")
            indicator = auto.get("indicator")
            if indicator not in INDICATOR_IDS:
                errors.append(f"{where}: chỉ số {indicator!r} không có trong danh mục chỉ số "
                              f"(DESIGN.md §7) (unknown indicator id)")
            scope = auto.get("scope", "ytd")
            if scope not in INDICATOR_SCOPES:
                errors.append(f"{where}: scope {scope!r} phải là ytd hoặc period")
            node.indicator = str(indicator)
            node.scope = str(scope)
            node.bands = _parse_bands(auto.get("bands"), where, node.max, errors)
    return node


def _num(value: Any) -> float:
    return float(value) if _is_number(value) else 0.0


def load_criteria(path: str | Path | None = None) -> CriteriaTree:
    """Read and validate a criteria file; :class:`CriteriaError` names every faulty node."""
    path = Path(path) if path is not None else default_criteria_file()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CriteriaError(f"Không có tệp bộ tiêu chí {path} (criteria file not found)") from exc
    except yaml.YAMLError as exc:
        raise CriteriaError(f"Tệp bộ tiêu chí {path.name} không đọc được (invalid YAML): {exc}") \
            from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("nodes"), list) or not raw["nodes"]:
        raise CriteriaError(f"Tệp bộ tiêu chí {path.name}: cần danh sách 'nodes' các lĩnh vực "
                            f"(a non-empty 'nodes' list is required)")
    errors: list[str] = []
    seen: set[str] = set()
    known_sections = sections()
    roots = [_parse_node(spec, 1, None, f"Lĩnh vực thứ {i}", seen, known_sections, errors)
             for i, spec in enumerate(raw["nodes"], start=1)]
    roots = [r for r in roots if r is not None]
    total_max = raw.get("total_max")
    root_total = sum(_num(s.get("max")) for s in raw["nodes"] if isinstance(s, dict))
    if total_max is not None and (not _is_number(total_max) or abs(total_max - root_total) > 1e-6):
        errors.append(f"Tổng điểm tối đa các lĩnh vực là {vnformat.compact(root_total)}, khác total_max "
                      f"{total_max!r} (domains add up to {vnformat.compact(root_total)})")
    if errors:
        raise CriteriaError(f"Bộ tiêu chí {path.name} có lỗi (criteria file errors):\n- "
                            + "\n- ".join(errors))
    template = bool(raw.get("template", False))
    title = str(raw.get("title") or path.stem)
    label = str(raw.get("label") or ("Bộ tiêu chí mẫu [U]" if template else title))
    return CriteriaTree(code=str(raw.get("code") or path.stem), title=title, template=template,
                        label=label, source=str(raw.get("source") or ""), path=path, roots=roots)


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
