"""Finding the header row of a sheet and what each column holds.

The header row is the row, among the first 11 (up to 10 title rows above it), that matches the
most known headers of the sheet; ties go to the upper row. Headers match after NFC, trimming,
collapsing spaces and case folding; a trailing "(…)" or "*" is tolerated ("Ngày tiếp nhận
(dd/mm/yyyy)"). The row below is a second header row when each of its cells is a known header
and it names columns the first row left to a group title (a register's "Ngày, tháng, năm" over
"Nhận hồ sơ | Hẹn trả kết quả | Trả kết quả"). A row of column numbers ("(1) (2) (3)…") right
below the header is skipped. Unknown headers are extra columns, reported in the batch; a column
whose header cell is blank (a merged header cell swallowed it) is watched while the rows are
read, and reported if it holds data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter

from parbook.intake.profiles import Lookup, SheetProfile
from parbook.intake.vocab import (
    QUARANTINE_BATCH_HEADER,
    QUARANTINE_REASON_HEADER,
    QUARANTINE_ROW_HEADER,
    SheetSpec,
    nfc,
    norm,
)

HEADER_SEARCH_ROWS = 11
SUFFIX_RE = re.compile(r"\s*(?:\([^()]*\)|\*)\s*$")
NUMBER_CELL_RE = re.compile(r"\(?(\d{1,3})\)?")


@dataclass(frozen=True)
class Target:
    """What a column of the file holds: a canonical field, a split cell, a lookup, or nothing."""

    kind: str  # field | split | lookup | ignore
    column: str | None = None  # for "ignore": the annotation it is (ANNOTATIONS), if one
    lookup: Lookup | None = None


IGNORE = Target("ignore")
# The columns `parbook quarantine --xlsx` adds: not loaded, but they say which quarantined row a
# row of the export fixes (parbook.intake.loader).
ANNOTATIONS = {QUARANTINE_BATCH_HEADER: "batch", QUARANTINE_ROW_HEADER: "row",
               QUARANTINE_REASON_HEADER: "reason"}
SPLIT = Target("split")


@dataclass
class Layout:
    """The header of a sheet: where data starts and what each column holds."""

    spec: SheetSpec
    header_row: int
    data_start: int  # index in the buffered rows of the first row after the header
    headers: list[str]  # header text per position (column letter when blank), for raw rows
    fields: list[tuple[int, str, str]] = field(default_factory=list)  # (position, column, header)
    splits: list[tuple[int, str]] = field(default_factory=list)
    lookups: list[tuple[int, str, Lookup]] = field(default_factory=list)
    extra: list[dict[str, Any]] = field(default_factory=list)
    unnamed: list[int] = field(default_factory=list)  # positions whose header cell is blank
    annotations: dict[str, int] = field(default_factory=dict)  # "batch"/"row"/"reason" → position


def header_targets(spec: SheetSpec, profile: SheetProfile | None = None) -> dict[str, Target]:
    """Matching form of every accepted header of the sheet → its target."""
    targets: dict[str, Target] = {}
    for col in spec.columns:
        targets[norm(col.name)] = Target("field", col.name)
        targets[norm(col.label)] = Target("field", col.name)
    for header, role in ANNOTATIONS.items():
        targets[norm(header)] = Target("ignore", role)
    if profile is not None:
        for header, column in profile.headers.items():
            targets[header] = Target("field", column)
        for header in profile.split_address_phone:
            targets[header] = SPLIT
        for header, lookup in profile.lookups.items():
            targets[header] = Target("lookup", lookup.column, lookup)
        for header in profile.ignore:
            targets[header] = IGNORE
    return targets


def match(cell: Any, targets: dict[str, Target]) -> Target | None:
    if cell is None:
        return None
    key = norm(cell)
    if not key:
        return None
    found = targets.get(key)
    if found is None:
        stripped = SUFFIX_RE.sub("", key)
        if stripped != key:
            found = targets.get(stripped)
    return found


def _score(matches: list[Target | None]) -> int:
    return len({(t.kind, t.column, id(t.lookup)) for t in matches if t and t.kind != "ignore"})


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _key_present(spec: SheetSpec, matches: list[Target | None]) -> bool:
    have = {t.column for t in matches if t is not None and t.column}
    return set(spec.required_headers) <= have


def _sub_header(row: list[Any], header: list[Target | None], targets: dict[str, Target]
                ) -> list[Target | None] | None:
    matches = [match(v, targets) for v in row]
    filled = [i for i, v in enumerate(row) if not _blank(v)]
    if not filled or any(matches[i] is None for i in filled):
        return None
    opens = [i for i in filled if matches[i].kind != "ignore"
             and (i >= len(header) or header[i] is None or header[i].kind == "ignore")]
    return matches if opens else None


def _numbering(row: list[Any]) -> bool:
    numbers = []
    for v in row:
        if _blank(v):
            continue
        m = NUMBER_CELL_RE.fullmatch(str(v).strip())
        if m is None:
            return False
        numbers.append(int(m.group(1)))
    return len(numbers) >= 3 and numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def _header_text(cell: Any, position: int) -> str:
    text = nfc(str(cell)) if not _blank(cell) else ""
    return " ".join(text.split()) or f"Cột {get_column_letter(position + 1)}"


def find_layout(buffer: list[tuple[int, list[Any]]], candidates: list[tuple[SheetSpec, dict]],
                infer: bool = False) -> Layout | None:
    """The header layout of the buffered first rows, for the best-matching candidate sheet.

    ``infer`` (the sheet's name said nothing): a candidate must have its key headers and at least
    three known headers, and beat every other candidate.
    """
    best: list[tuple[int, int, SheetSpec, dict, list]] = []
    for spec, targets in candidates:
        top = None
        for i, (_, row) in enumerate(buffer[:HEADER_SEARCH_ROWS]):
            matches = [match(v, targets) for v in row]
            score = _score(matches)
            if score and (top is None or score > top[0]):
                top = (score, i, spec, targets, matches)
        if top and (not infer or (top[0] >= 3 and _key_present(spec, top[4]))):
            best.append(top)
    if not best:
        return None
    best.sort(key=lambda t: -t[0])
    if infer and len(best) > 1 and best[1][0] == best[0][0]:
        return None
    _, index, spec, targets, matches = best[0]
    header_cells = list(buffer[index][1])
    data_start = index + 1
    if data_start < len(buffer):
        sub_row = buffer[data_start][1]
        sub = _sub_header(sub_row, matches, targets)
        if sub is not None:
            width = max(len(matches), len(sub))
            merged, cells = [], []
            for i in range(width):
                s = sub[i] if i < len(sub) else None
                h = matches[i] if i < len(matches) else None
                use_sub = s is not None and s.kind != "ignore"
                merged.append(s if use_sub else h)
                cells.append(sub_row[i] if use_sub else (header_cells[i] if i < len(header_cells)
                                                         else None))
            matches, header_cells = merged, cells
            data_start += 1
    if data_start < len(buffer) and _numbering(buffer[data_start][1]):
        data_start += 1
    return _layout(spec, buffer[index][0], data_start, header_cells, matches)


def _layout(spec: SheetSpec, header_row: int, data_start: int, cells: list[Any],
            matches: list[Target | None]) -> Layout:
    headers: list[str] = []
    seen_text: set[str] = set()
    for i, cell in enumerate(cells):
        text = _header_text(cell, i)
        if text in seen_text:
            text = f"{text} [{get_column_letter(i + 1)}]"
        seen_text.add(text)
        headers.append(text)
    layout = Layout(spec, header_row, data_start, headers)
    taken: set[str] = set()
    for i, target in enumerate(matches):
        cell = cells[i]
        if target is None:
            if not _blank(cell):
                layout.extra.append({"header": headers[i], "column": get_column_letter(i + 1)})
            else:
                layout.unnamed.append(i)
            continue
        if target.kind == "ignore":
            if target.column:
                layout.annotations.setdefault(target.column, i)
            continue
        key = {"field": target.column, "split": "split"}.get(target.kind, f"lookup:{target.column}")
        if key in taken:
            layout.extra.append({"header": headers[i], "column": get_column_letter(i + 1),
                                 "note": "cột trùng, đã dùng cột đứng trước"})
            continue
        taken.add(key)
        if target.kind == "field":
            layout.fields.append((i, target.column, headers[i]))
        elif target.kind == "split":
            layout.splits.append((i, headers[i]))
        else:
            layout.lookups.append((i, headers[i], target.lookup))
    return layout
