"""The rows of one sheet → records ready to load, or reasons to quarantine them (no database).

Every non-blank row after the header is *read*; it becomes a record when each present value
parses, its key is present and, later (:func:`mark_duplicates`), its key is unique in the file.
A row's reason lists every problem found, joined by "; ", each naming the column and the value.

Events have no id column: ``event_id`` is derived from the row's natural key (dossier code, event
type, event time, stage) by :func:`event_id`, so the same row imported again finds itself.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd
from openpyxl.utils import get_column_letter

from parbook.intake.headers import HEADER_SEARCH_ROWS, Layout
from parbook.intake.profiles import ADDRESS_PHONE, SheetProfile
from parbook.intake.values import (
    UNCALCULATED_VI,
    BadValue,
    Uncalculated,
    column_parser,
    integer,
    limited,
    phone,
    show,
    text,
)
from parbook.intake.vocab import SheetSpec
from parbook.store.db import PERSONAL_COLUMNS

PHONE_IN_TEXT = re.compile(r"(?<!\d)(?:\+84|0)(?:[ .\-]?\d){9,10}(?!\d)")
PHONE_LABEL = re.compile(r"(?:s?đt|đtdđ|điện thoại|tel|phone)\s*[:.]?\s*$", re.I)
SPLIT_TRIM = " ,;/|:-–—\t\n"
MAX_LISTED_ROWS = 10


def event_id(dossier_code: str, event_type: str | None, event_at: datetime | None,
             stage: str | None) -> str:
    """Deterministic id of an event from its natural key: ``ev-`` + 32 hex of a SHA-256.

    The key is ``dossier_code␟event_type␟event_at (ISO, to the microsecond)␟stage``, a missing
    part (None, NaN, NaT) written empty; pandas values give the same id as Python ones.
    """
    def part(value: Any) -> str:
        if value is None or pd.isna(value):
            return ""
        return value.isoformat() if isinstance(value, datetime) else str(value)

    parts = [part(dossier_code), part(event_type), part(event_at), part(stage)]
    return "ev-" + hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def split_address_phone(value: str | None) -> tuple[str | None, str | None]:
    """'Thôn 3, xã An Lộc - ĐT: 0912 345 678' → ('Thôn 3, xã An Lộc', '0912 345 678')."""
    if not value:
        return None, None
    found = list(PHONE_IN_TEXT.finditer(value))
    if not found:
        return value, None
    m = found[-1]
    before = PHONE_LABEL.sub("", value[:m.start()].rstrip(SPLIT_TRIM + " "))
    rest = (before.strip(SPLIT_TRIM) + " " + value[m.end():].strip(SPLIT_TRIM)).strip()
    return rest or None, m.group(0)


def jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def raw_row(headers: list[str], values: list[Any], skip: frozenset[int] = frozenset()) -> str:
    """The original row as JSON: header → value (cells past the header by column letter;
    ``skip``: positions left out, the columns a quarantine export adds)."""
    out: dict[str, Any] = {}
    for i, v in enumerate(values):
        if i in skip:
            continue
        if i < len(headers):
            out[headers[i]] = jsonable(v)
        elif v is not None:
            out[f"Cột {get_column_letter(i + 1)}"] = jsonable(v)
    return json.dumps(out, ensure_ascii=False)


@dataclass(slots=True)
class RowOutcome:
    number: int
    values: list[Any]
    record: dict[str, Any] | None
    errors: list[str]
    key: tuple | None = None
    origin: tuple[int, int] | None = None  # ("Lô nhập", "Dòng gốc") of a quarantine export row


@dataclass
class ParsedSheet:
    """A sheet read and parsed: every data row with its record or its reasons."""

    spec: SheetSpec
    title: str
    layout: Layout | None
    rows: list[RowOutcome] = field(default_factory=list)
    provided: set[str] = field(default_factory=set)
    unit: str | None = None
    missing_required: list[str] = field(default_factory=list)  # labels of absent key columns
    unnamed: dict[int, int] = field(default_factory=dict)  # header-less position → rows with data

    @property
    def headers(self) -> list[str]:
        return self.layout.headers if self.layout else []

    @property
    def read(self) -> int:
        return len(self.rows)

    def raw(self, row: RowOutcome) -> str:
        skip = frozenset(self.layout.annotations.values()) if self.layout else frozenset()
        return raw_row(self.headers, row.values, skip)

    @property
    def unnamed_columns(self) -> list[dict[str, Any]]:
        """Columns that hold data but have no header: not loaded, reported by letter."""
        return [{"column": get_column_letter(pos + 1), "rows": n}
                for pos, n in sorted(self.unnamed.items())]


def _blank_cell(v: Any) -> bool:
    return v is None or (type(v) is str and not v.strip())


def _blank(values: list[Any]) -> bool:
    for v in values:
        if v is not None and not (type(v) is str and not v.strip()):
            return False
    return True


def _reason(header: str, value: Any, problem: BadValue, personal: bool = False) -> str:
    shown = "(dữ liệu cá nhân, không hiện)" if personal else show(value)
    return f'Cột "{header}": {shown} {problem}'


def _key_label(spec: SheetSpec) -> str:
    if spec.derived_key:
        return "Sự kiện (cùng Mã hồ sơ, Loại sự kiện, Thời điểm, Giai đoạn)"
    labels = [spec.by_name[k].label for k in spec.key]
    return labels[0] if len(labels) == 1 else "Khóa (" + ", ".join(labels) + ")"


class RowParser:
    """Turns the cells of one data row of a sheet into a record, its errors and its key."""

    def __init__(self, spec: SheetSpec, layout: Layout, unit: str | None = None,
                 profile: SheetProfile | None = None, check_formulas: bool = False) -> None:
        self.spec, self.unit = spec, unit
        self.check_formulas = check_formulas
        words = profile.vocabulary if profile else {}
        self.fields = [(pos, col, header, column_parser(spec, spec.by_name[col], words.get(col)),
                        col in PERSONAL_COLUMNS) for pos, col, header in layout.fields]
        self.splits = layout.splits
        self.split_parsers = {c: limited(phone if c == "applicant_phone" else text,
                                         spec.max_length(c))
                              for c in ADDRESS_PHONE} if self.splits else {}
        self.lookups = layout.lookups
        # position → (header, columns it fills, personal?) for every column the sheet loads
        self.used: dict[int, tuple[str, tuple[str, ...], bool]] = {
            **{pos: (header, (col,), col in PERSONAL_COLUMNS) for pos, col, header in layout.fields},
            **{pos: (header, ADDRESS_PHONE, True) for pos, header in layout.splits},
            **{pos: (header, (lk.column,), False) for pos, header, lk in layout.lookups}}
        provided = {col for _, col, _ in layout.fields}
        if self.splits:
            provided.update(ADDRESS_PHONE)
        provided.update(lk.column for _, _, lk in self.lookups)
        self.has_unit = "unit_code" in spec.by_name
        if self.has_unit and unit:
            provided.add("unit_code")
        if spec.derived_key:
            provided.update(spec.key)
        self.provided = provided
        self.missing = [k for k in spec.required_headers if k not in provided]
        self.missing_problems = [
            f'Không có cột "{spec.by_name[k].label}" (cột '
            f'{"khóa" if spec.derived_key or k in spec.key else "bắt buộc"}) trong trang tính'
            for k in self.missing]

    def parse(self, values: list[Any]) -> tuple[dict[str, Any], list[str], tuple | None]:
        rec: dict[str, Any] = {}
        errors: list[str] = list(self.missing_problems)
        bad: set[str] = set()
        if self.check_formulas:
            values = self._uncalculated(values, errors, bad)
        n = len(values)
        for pos, col, header, parse, personal in self.fields:
            v = values[pos] if pos < n else None
            if col in bad:
                rec[col] = None
                continue
            try:
                rec[col] = parse(v)
            except BadValue as problem:
                errors.append(_reason(header, v, problem, personal))
                bad.add(col)
                rec[col] = None
        for pos, header in self.splits:
            self._split(rec, errors, header, values[pos] if pos < n else None)
        for pos, header, lk in self.lookups:
            v = values[pos] if pos < n else None
            rec.setdefault(lk.column, None)
            try:
                wanted = text(v)
            except BadValue as problem:
                errors.append(_reason(header, v, problem))
                continue
            if wanted is not None and rec[lk.column] is None:  # an explicit code wins
                rec.setdefault("@lookups", []).append((lk, header, wanted))
        for column, code, needed, reason in self.spec.required_when:
            if rec.get(column) == code and rec.get(needed) is None and needed not in bad:
                errors.append(reason)
        if self.has_unit and "unit_code" not in bad:
            if rec.get("unit_code") is None and self.unit:
                rec["unit_code"] = self.unit
            if rec.get("unit_code") is None and "unit_code" in self.spec.required + self.spec.key:
                errors.append('Thiếu Mã đơn vị: ghi vào cột "Mã đơn vị" hoặc chạy với --unit')
        return rec, errors, self._key(rec, errors, bad)

    def _uncalculated(self, values: list[Any], errors: list[str], bad: set[str]) -> list[Any]:
        """Formulas without a value in the columns this sheet loads: a reason each, the column
        marked bad (not filled from --unit, not reported missing); the cells read as empty."""
        found = [(pos, v) for pos, v in enumerate(values) if type(v) is Uncalculated
                 and pos in self.used]
        if not found:
            return values
        values = list(values)
        for pos, v in found:
            header, columns, personal = self.used[pos]
            errors.append(_reason(header, v, UNCALCULATED_VI, personal))
            bad.update(columns)
            values[pos] = None
        return values

    def _split(self, rec: dict[str, Any], errors: list[str], header: str, v: Any) -> None:
        try:
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                parts = (None, phone(v))  # only a number: the phone, its 0 restored
            else:
                parts = split_address_phone(text(v))
            for col, part in zip(ADDRESS_PHONE, parts, strict=True):
                if rec.get(col) is None:  # an explicit address or phone column wins
                    rec[col] = self.split_parsers[col](part)
        except BadValue as problem:
            errors.append(_reason(header, v, problem, personal=True))

    def _key(self, rec: dict[str, Any], errors: list[str], bad: set[str]) -> tuple | None:
        spec = self.spec
        if spec.derived_key:
            code = rec.get("dossier_code")
            if code is None:
                if "dossier_code" not in bad and not self.missing:
                    errors.append('Sự kiện không có "Mã hồ sơ"')
                return None
            rec["event_id"] = event_id(code, rec.get("event_type"), rec.get("event_at"),
                                       rec.get("stage"))
            return (rec["event_id"],)
        absent = [k for k in spec.key if rec.get(k) is None]
        for k in absent:
            if k not in bad and k in self.provided and k != "unit_code":
                errors.append(f'Thiếu "{spec.by_name[k].label}" (cột khóa, không được để trống)')
        return None if absent else tuple(rec[k] for k in spec.key)


def no_header_problem(spec: SheetSpec, hint: str | None = None) -> str:
    """Why the rows of a sheet without a recognisable header row are quarantined."""
    problem = (f"Không tìm thấy dòng tiêu đề của trang {spec.name} trong {HEADER_SEARCH_ROWS} "
               f"dòng đầu")
    return f"{problem} — {hint}" if hint else problem


def parse_sheet(spec: SheetSpec, title: str, layout: Layout | None, rows: Iterable[tuple[int, list]],
                unit: str | None = None, profile: SheetProfile | None = None,
                tick: Callable[[int], None] | None = None,
                no_header_hint: str | None = None, check_formulas: bool = False) -> ParsedSheet:
    """Parse the data rows (those after the layout's header) of one sheet; without a layout,
    every non-blank row is quarantined (:func:`no_header_problem`, with ``no_header_hint``)."""
    parsed = ParsedSheet(spec, title, layout, unit=unit)
    if layout is None:
        problem = no_header_problem(spec, no_header_hint)
        for number, values in rows:
            if not _blank(values):
                parsed.rows.append(RowOutcome(number, values, None, [problem]))
        return parsed
    parser = RowParser(spec, layout, unit, profile, check_formulas)
    parsed.provided = parser.provided
    parsed.missing_required = [spec.by_name[k].label for k in parser.missing]
    width, unnamed, seen = len(layout.headers), layout.unnamed, parsed.unnamed
    marks = layout.annotations
    origin = (marks["batch"], marks["row"]) if "batch" in marks and "row" in marks else None
    count = 0
    for number, values in rows:
        if _blank(values):
            continue
        count += 1
        if tick is not None and count % 2000 == 0:
            tick(count)
        n = len(values)
        for pos in unnamed:  # header-less columns inside the header's width
            if pos < n and not _blank_cell(values[pos]):
                seen[pos] = seen.get(pos, 0) + 1
        if n > width:  # and cells past it
            for pos in range(width, n):
                if not _blank_cell(values[pos]):
                    seen[pos] = seen.get(pos, 0) + 1
        rec, errors, key = parser.parse(values)
        parsed.rows.append(RowOutcome(number, values, rec, errors, key,
                                      _origin(values, origin) if origin else None))
    if tick is not None:
        tick(count)
    return parsed


def _origin(values: list[Any], positions: tuple[int, int]) -> tuple[int, int] | None:
    """("Lô nhập", "Dòng gốc") of a row of a quarantine export, if both are whole numbers."""
    try:
        lot, line = (integer(values[p]) if p < len(values) else None for p in positions)
    except BadValue:
        return None
    return (lot, line) if lot is not None and line is not None else None


def _listed(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:MAX_LISTED_ROWS])
    return shown + (", …" if len(numbers) > MAX_LISTED_ROWS else "")


def mark_duplicates(sheets: list[ParsedSheet]) -> None:
    """A key that appears more than once in one file quarantines all its rows."""
    if not sheets:
        return
    counts = Counter(r.key for s in sheets for r in s.rows if r.key is not None)
    dups = {k for k, n in counts.items() if n > 1}
    if not dups:
        return
    where: dict[tuple, list[int]] = {}
    for s in sheets:
        for r in s.rows:
            if r.key in dups:
                where.setdefault(r.key, []).append(r.number)
    spec = sheets[0].spec
    label = _key_label(spec)
    for s in sheets:
        for r in s.rows:
            if r.key in dups:
                lines = where[r.key]
                shown = "" if spec.derived_key else " " + ", ".join(show(k) for k in r.key)
                r.errors.append(f"{label}{shown} lặp lại {len(lines)} lần trong tệp "
                                f"(dòng {_listed(lines)})")
