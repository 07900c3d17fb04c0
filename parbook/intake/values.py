"""Cell values of an import → database values, or a Vietnamese reason why not (DESIGN.md §4).

Each parser takes what openpyxl or the CSV reader gives (str, int, float, bool, datetime, date,
time, None) and returns the database value, or raises :class:`BadValue` whose text completes
``Cột "<header>": "<value>" …``.

Codes and phone numbers stay text, without invisible format characters (zero-width space, BOM…:
:func:`parbook.intake.vocab.without_format_chars`). When Excel stored one as a number the text is
recovered:

- an integral number is written without decimals (``12345.0`` → ``"12345"``);
- a procedure code (national catalogue form ``N.NNNNNN``) stored as a number gets its six
  decimals back (``1.00089`` → ``"1.000890"``), and only if that reads back as the same number;
- a phone number stored as a number lost its leading zero: numbers in domestic form always begin
  with 0, so the 0 is restored (``912345678`` → ``"0912345678"``); international form (``84…``)
  is kept as is;
- any other fractional number keeps its shortest exact form (``1.2`` → ``"1.2"``); a date cell in
  a code column is refused (Excel turned the code into a date: the original text is lost).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from parbook.intake.vocab import (
    VOCABULARIES,
    ColumnSpec,
    SheetSpec,
    bool_lookup,
    norm,
    vocabulary_lookup,
    without_format_chars,
)
from parbook.store.dates import DATE_FORMATS_VI, DateTextError, parse_datetime, plausible_years
from parbook.store.params import UNIT_CODE_RE

INT32 = 2**31 - 1
# The characters an .xlsx cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE); a cell holding one is
# a malformed export, quarantined rather than silently altered.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
INT_RE = re.compile(r"[+-]?\d+(?:[.,]0+)?")
FLOAT_RE = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)")
PROCEDURE_CODE_DECIMALS = 6


class BadValue(ValueError):
    """A present value that is not valid for its column; the text says why, in Vietnamese."""


class Uncalculated(str):
    """A cell holding a formula that was never calculated (a file written by a program, not
    saved by Excel): it has no value to load. Its text is the formula (``=DATE(2024,7,1)``)."""


UNCALCULATED_VI = "công thức chưa có giá trị (formula without a value): mở và lưu lại bằng Excel"


Parser = Callable[[Any], Any]


def show(value: Any, limit: int = 60) -> str:
    """A value as quoted in a reason: text as written, dates in ISO form, shortened."""
    if isinstance(value, (datetime, date, time)):
        text = value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    else:
        text = unicodedata.normalize("NFC", str(value))
    text = CONTROL_RE.sub("\ufffd", text)
    if len(text) > limit:
        text = text[:limit] + f"… ({len(text)} ký tự)"
    return f'"{text}"'


def _string(value: str) -> str | None:
    if not unicodedata.is_normalized("NFC", value):
        value = unicodedata.normalize("NFC", value)
    value = value.strip()
    if not value:
        return None
    if CONTROL_RE.search(value):
        raise BadValue("có ký tự điều khiển không hợp lệ")
    return value


def _number_text(value: float | int) -> str:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise BadValue("không phải số hữu hạn")
        if value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value)


def _vi_date(value: date | datetime) -> str:
    if isinstance(value, datetime) and value.time() != time(0):
        return value.strftime("%d/%m/%Y %H:%M:%S")
    return value.strftime("%d/%m/%Y")


def text(value: Any) -> str | None:
    """Free text: trimmed, NFC; numbers and dates written as a person would read them."""
    if value is None:
        return None
    if type(value) is str:
        return _string(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return _number_text(value)
    if isinstance(value, (datetime, date)):
        return _vi_date(value)
    return _string(str(value))


def code(value: Any, decimals: int | None = None) -> str | None:
    """An identifier kept as text (see the module docstring for numbers Excel stored); invisible
    format characters are removed."""
    if value is None:
        return None
    if type(value) is str:
        return _string(without_format_chars(value))
    if isinstance(value, bool):
        raise BadValue("là giá trị đúng/sai, không phải mã")
    if isinstance(value, float) and decimals and math.isfinite(value) and not value.is_integer() \
            and 0 < value < 10:
        fixed = f"{value:.{decimals}f}"
        if float(fixed) == value:
            return fixed
    if isinstance(value, (int, float)):
        return _number_text(value)
    if isinstance(value, (datetime, date, time)):
        raise BadValue("là ô ngày tháng, không phải mã (định dạng ô thành Văn bản rồi nhập lại)")
    return _string(without_format_chars(str(value)))


def procedure_code(value: Any) -> str | None:
    return code(value, PROCEDURE_CODE_DECIMALS)


def unit_code(value: Any) -> str | None:
    """A unit code: usable as a folder name (letters, digits, '.', '-', '_')."""
    result = code(value)
    if result is not None and (not UNIT_CODE_RE.match(result) or ".." in result):
        raise BadValue("không phải mã đơn vị hợp lệ (chỉ chữ, số, '.', '-', '_')")
    return result


def phone(value: Any) -> str | None:
    """A phone number as text; a number that lost its leading 0 gets it back."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        digits = _number_text(value)
        if digits.isdigit() and not digits.startswith(("0", "84")):
            return "0" + digits
        return digits
    return code(value)


def integer(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise BadValue("không phải số nguyên")
    if isinstance(value, int):
        result = value
    elif isinstance(value, float):
        if not (math.isfinite(value) and value.is_integer()):
            raise BadValue("không phải số nguyên")
        result = int(value)
    elif isinstance(value, str):
        s = _string(value)
        if s is None:
            return None
        if not INT_RE.fullmatch(s):
            raise BadValue("không phải số nguyên")
        result = int(re.split(r"[.,]", s)[0])
    else:
        raise BadValue("không phải số nguyên")
    if abs(result) > INT32:
        raise BadValue("quá lớn")
    return result


def decimal(value: Any) -> float | None:
    """A number; text may use a decimal comma (7,5) or point (7.5)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise BadValue("không phải số")
    if isinstance(value, (int, float)):
        result = float(value)
    elif isinstance(value, str):
        s = _string(value)
        if s is None:
            return None
        if not FLOAT_RE.fullmatch(s):
            raise BadValue("không phải số")
        result = float(s.replace(",", "."))
    else:
        raise BadValue("không phải số")
    if not math.isfinite(result):
        raise BadValue("không phải số hữu hạn")
    return result


_BOOLS = bool_lookup()


def boolean(value: Any) -> bool:
    """Có / x / 1 / TRUE → true; Không / blank / 0 / FALSE → false; anything else is refused."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        if value in (0, 1):
            return bool(value)
        raise BadValue("không phải Có/Không")
    if isinstance(value, str):
        if not value.strip():
            return False
        found = _BOOLS.get(norm(value))
        if found is None:
            raise BadValue("không phải Có/Không (Có, x, 1, TRUE hoặc Không, 0, FALSE)")
        return found
    raise BadValue("không phải Có/Không")


def vocabulary(name: str, extra: dict[str, str] | None = None) -> Parser:
    """A parser for a vocabulary column (case/NFC-insensitive; canonical code accepted)."""
    lookup = vocabulary_lookup(name, extra)
    allowed = ", ".join(words[0] for words in VOCABULARIES[name].values())

    def parse(value: Any) -> str | None:
        if value is None:
            return None
        s = text(value)
        if s is None:
            return None
        found = lookup.get(norm(s))
        if found is None:
            raise BadValue(f"không thuộc danh mục ({allowed})")
        return found

    return parse


def _check_year(year: int, years: tuple[int, int] | None) -> None:
    lo, hi = years or plausible_years()
    if not lo <= year <= hi:
        raise BadValue(f"có năm {year} ngoài khoảng hợp lý {lo}–{hi} (gõ nhầm năm?)")


def _from_text(s: str, years: tuple[int, int] | None) -> datetime:
    try:
        result = parse_datetime(s)
    except DateTextError as exc:
        raise BadValue(str(exc)) from None
    _check_year(result.year, years)
    return result


def timestamp(value: Any, years: tuple[int, int] | None = None) -> datetime | None:
    """An Excel date cell or a text date (day first, always; :mod:`parbook.store.dates`); a year
    outside the plausible ``years`` (default :func:`parbook.store.dates.plausible_years`) is
    refused as a typo."""
    if value is None:
        return None
    if type(value) is datetime:
        _check_year(value.year, years)
        return value.replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, str):
        s = _string(value)
        return None if s is None else _from_text(s, years)
    if isinstance(value, date) and not isinstance(value, datetime):
        _check_year(value.year, years)
        return datetime.combine(value, time(0))
    if isinstance(value, (time, timedelta)):
        raise BadValue("chỉ có giờ, thiếu ngày")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise BadValue("là số, không phải ngày (định dạng ô thành Ngày hoặc ghi dd/mm/yyyy)")
    raise BadValue(f"không phải ngày hợp lệ ({DATE_FORMATS_VI})")


def day(value: Any, years: tuple[int, int] | None = None) -> date | None:
    """A calendar date (a time of day, if given, is dropped)."""
    result = timestamp(value, years)
    return None if result is None else result.date()


def limited(parse: Parser, max_length: int | None) -> Parser:
    """Refuse text longer than the database column holds."""
    if not max_length:
        return parse

    def parse_limited(value: Any) -> Any:
        result = parse(value)
        if result is not None and len(result) > max_length:
            raise BadValue(f"dài {len(result)} ký tự, tối đa {max_length}")
        return result

    return parse_limited


MEMO_SIZE = 4096


def memoised(parse: Parser) -> Parser:
    """Remember the outcome for text cells (vocabulary-like columns repeat a few words)."""
    seen: dict[str, Any] = {}

    def parse_memo(value: Any) -> Any:
        if type(value) is not str:
            return parse(value)
        found = seen.get(value, seen)
        if found is seen:
            try:
                found = parse(value)
            except BadValue as problem:
                found = problem
            if len(seen) < MEMO_SIZE:
                seen[value] = found
        if isinstance(found, BadValue):
            raise BadValue(str(found))
        return found

    return parse_memo


def _dated(parse: Callable[[Any, tuple[int, int]], Any], years: tuple[int, int]) -> Parser:
    """A date parser with the plausible years fixed once for a whole sheet."""
    def parse_dated(value: Any) -> Any:
        return parse(value, years)

    return parse_dated


def column_parser(sheet: SheetSpec, column: ColumnSpec, extra_words: dict[str, str] | None = None
                  ) -> Parser:
    """The parser of one column of a sheet (with a profile's extra vocabulary words)."""
    kind = column.kind
    if kind == "vocab":
        parse: Parser = vocabulary(column.vocabulary or column.name, extra_words)
    elif kind == "unit":
        parse = unit_code
    elif kind == "code":
        parse = procedure_code if column.name == "procedure_code" else code
    elif kind in ("datetime", "date"):
        parse = _dated(timestamp if kind == "datetime" else day, plausible_years())
    else:
        parse = {"phone": phone, "text": text, "int": integer, "float": decimal,
                 "bool": boolean}[kind]
    if kind in ("code", "unit", "phone", "text", "vocab"):
        parse = limited(parse, sheet.max_length(column.name))
    if kind in ("vocab", "bool", "unit"):
        parse = memoised(parse)
    return parse
