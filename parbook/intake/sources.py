"""Opening import files: .xlsx workbooks and CSV files, as sheets of numbered rows.

A file is recognised by its content, not its name: a ZIP container is read as an .xlsx workbook
(openpyxl, read-only, cached formula values; a formula never calculated comes as an
:class:`~parbook.intake.values.Uncalculated` cell, found by a byte search and, only in a sheet
that has formulas, one extra parse of that sheet); text is read as CSV. An OpenDocument spreadsheet
(.ods of LibreOffice, by its mimetype or its name) is refused with the advice to save it as .xlsx
(no reader for it without a heavy dependency). The CSV encoding is detected:
a BOM (UTF-8, UTF-16) wins; otherwise UTF-16 without BOM (Excel's "Unicode text"), UTF-8, then
Windows-1258 (Excel's Vietnamese ANSI code page). The delimiter (``,`` ``;`` or tab) is the one
under which the header row is recognised; an Excel ``sep=;`` first line is honoured. Anything
else is a :class:`SourceError` naming the file.

Rows are numbered as a spreadsheet shows them (1-based; in a CSV one record is one row).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parbook.errors import ParbookError
from parbook.intake.values import Uncalculated
from parbook.intake.vocab import norm
from parbook.store.hashing import file_sha256

Row = tuple[int, list[Any]]
CSV_DELIMITERS = (",", ";", "\t")
CSV_FIELD_LIMIT = 16 * 1024 * 1024
MAX_CONTROL_SHARE = 0.05
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# OpenDocument (LibreOffice Calc): a ZIP whose first entry, stored, is "mimetype"; or flat XML.
ODF_MIMETYPE = b"application/vnd.oasis.opendocument"
ODF_SUFFIXES = (".ods", ".ots", ".fods")


class SourceError(ParbookError):
    """An unreadable file; the message names the file and says why (Vietnamese, English)."""


@dataclass
class SheetSource:
    """One sheet of a file: its title and a way to iterate its rows."""

    title: str
    rows: Callable[[], Iterator[Row]]
    total_rows: int | None = None
    delimiter_choices: tuple[str, ...] = ()
    open_rows: Callable[[str], Callable[[], Iterator[Row]]] | None = None
    has_uncalculated: bool = False  # formulas without a cached value come as Uncalculated cells


@dataclass
class Source:
    """An opened import file."""

    path: Path
    kind: str
    sha256: str
    sheets: list[SheetSource]
    encoding: str | None = None
    encodings_tried: tuple[str, ...] = ()
    head_text: str = ""  # the start of a text file, to tell why its header was not found
    closers: list[Callable[[], None]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name

    def close(self) -> None:
        for close in self.closers:
            close()
        self.closers.clear()


def _fail(path: Path, vi: str, en: str) -> SourceError:
    return SourceError(f"Không đọc được tệp '{path}': {vi} ({en})")


def open_source(path: str | Path) -> Source:
    """Open an import file, or raise SourceError (missing, not Excel/CSV, corrupt)."""
    path = Path(path)
    if not path.exists():
        raise _fail(path, "không có tệp này", "file not found")
    if not path.is_file():
        raise _fail(path, "không phải là tệp", "not a file")
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        raise _fail(path, "không mở được", str(exc)) from exc
    if path.suffix.lower() in ODF_SUFFIXES or ODF_MIMETYPE in head:
        raise _fail(path, "định dạng .ods chưa hỗ trợ — lưu lại thành .xlsx",
                    ".ods not supported: save as .xlsx")
    sha = file_sha256(path)
    if head.startswith(b"PK"):
        return _open_xlsx(path, sha)
    if head.startswith(OLE2_MAGIC):
        raise _fail(path, "tệp Excel cũ (.xls) chưa được hỗ trợ: hãy lưu lại thành .xlsx",
                    "legacy .xls: save as .xlsx")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise _fail(path, "không phải tệp Excel .xlsx hợp lệ", "not an .xlsx workbook")
    return _open_csv(path, sha)


# ---------------------------------------------------------------------------------------------
# xlsx


def _open_xlsx(path: Path, sha: str) -> Source:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError,
            AttributeError, EOFError) as exc:
        raise _fail(path, "không phải tệp Excel .xlsx hợp lệ hoặc tệp bị hỏng",
                    f"not a valid .xlsx: {type(exc).__name__}: {exc}") from exc
    except Exception as exc:  # openpyxl raises many kinds on a corrupt package
        raise _fail(path, "tệp Excel bị hỏng", f"corrupt workbook: {type(exc).__name__}: {exc}"
                    ) from exc
    sheets = []
    try:
        with zipfile.ZipFile(path) as archive:
            for ws in wb.worksheets:
                gaps = _uncalculated_cells(path, archive, ws)
                sheets.append(SheetSource(ws.title, _xlsx_rows(path, ws, gaps),
                                          total_rows=ws.max_row, has_uncalculated=bool(gaps)))
    except BaseException:
        wb.close()
        raise
    return Source(path, "xlsx", sha, sheets, closers=[wb.close])


# Every formula element of a sheet part ends in "f>": "<f>…</f>", "</x:f>"; a shared formula
# "<f …/>" always has its master "<f …>…</f>" in the same part. Text cannot hold a raw ">".
FORMULA_MARK = b"f>"
SCAN_CHUNK = 1 << 22


def _has_formula(archive: zipfile.ZipFile, member: str) -> bool:
    """Whether a sheet part may hold a formula: one substring search over the decompressed part
    (about 0.3 s for 100k rows, against 10 s or more to parse it), so a workbook without
    formulas is never parsed twice. A false alarm only costs the exact parse."""
    tail = b""
    with archive.open(member) as fh:
        while chunk := fh.read(SCAN_CHUNK):
            if FORMULA_MARK in tail + chunk[:1] or FORMULA_MARK in chunk:
                return True
            tail = chunk[-1:]
    return False


def _uncalculated_cells(path: Path, archive: zipfile.ZipFile, ws: Any
                        ) -> dict[int, list[tuple[int, str]]]:
    """Cells holding a formula but no cached value (written by a program, never calculated;
    openpyxl's data_only reading gives None for them), by row: row → [(column index from 0,
    "=formula")]. Only parsed when the part holds a formula at all (:func:`_has_formula`)."""
    from xml.etree.ElementTree import iterparse

    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    member = getattr(ws, "_worksheet_path", None)
    if not member:
        return {}
    member = member.lstrip("/")
    gaps: dict[int, list[tuple[int, str]]] = {}
    try:
        if not _has_formula(archive, member):
            return gaps
        row = col = 0
        with archive.open(member) as fh:
            for event, el in iterparse(fh, events=("start", "end")):
                tag = el.tag.rpartition("}")[2]
                if event == "start":
                    if tag == "row":
                        row, col = int(el.get("r") or row + 1), 0
                    continue
                if tag == "c":
                    ref = el.get("r")
                    if ref:
                        letters, row = coordinate_from_string(ref)
                        col = column_index_from_string(letters)
                    else:
                        col += 1
                    parts = {child.tag.rpartition("}")[2]: child for child in el}
                    formula, value = parts.get("f"), parts.get("v")
                    if formula is not None and "is" not in parts and (
                            value is None or (not (value.text or "").strip()
                                              and el.get("t") != "str")):
                        gaps.setdefault(row, []).append((col - 1, "=" + (formula.text or "…")))
                    el.clear()
                elif tag == "row":
                    el.clear()
    except Exception as exc:  # a corrupt sheet part
        raise _fail(path, f"trang tính '{ws.title}' bị hỏng",
                    f"corrupt sheet: {type(exc).__name__}: {exc}") from exc
    return gaps


def _xlsx_rows(path: Path, ws: Any, gaps: dict[int, list[tuple[int, str]]] | None = None
               ) -> Callable[[], Iterator[Row]]:
    def rows() -> Iterator[Row]:
        ws.reset_dimensions()  # a wrong <dimension> in the file must not cut rows off
        try:
            for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
                cells = list(values)
                if gaps and number in gaps:
                    for col, formula in gaps[number]:
                        if col >= len(cells):
                            cells.extend([None] * (col + 1 - len(cells)))
                        if cells[col] is None:
                            cells[col] = Uncalculated(formula)
                yield number, cells
        except Exception as exc:  # a corrupt sheet part surfaces while streaming
            raise _fail(path, f"trang tính '{ws.title}' bị hỏng",
                        f"corrupt sheet: {type(exc).__name__}: {exc}") from exc

    return rows


# ---------------------------------------------------------------------------------------------
# CSV


ENCODING_NAMES = {"utf-8-sig": "UTF-8 (có BOM)", "utf-16": "UTF-16", "utf-16-le": "UTF-16 LE",
                  "utf-16-be": "UTF-16 BE", "utf-8": "UTF-8", "cp1258": "Windows-1258"}


def decode_text(data: bytes, path: Path) -> tuple[str, str, tuple[str, ...]]:
    """The text of a CSV file, the encoding found and the encodings tried, in order (see the
    module docstring)."""
    if data.startswith(codecs.BOM_UTF8):
        return _decode(data[3:], "utf-8", path), "utf-8-sig", ("utf-8-sig",)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode(data, "utf-16", path), "utf-16", ("utf-16",)
    sample = data[:4096]
    if b"\x00" in sample:
        even, odd = sample[0::2], sample[1::2]
        if odd and odd.count(0) > 0.3 * len(odd) and even.count(0) < 0.05 * len(even):
            return _decode(data, "utf-16-le", path), "utf-16-le", ("utf-16-le",)
        if even and even.count(0) > 0.3 * len(even) and odd.count(0) < 0.05 * len(odd):
            return _decode(data, "utf-16-be", path), "utf-16-be", ("utf-16-be",)
        raise _fail(path, "là tệp nhị phân, không phải Excel hay CSV", "binary file, not Excel/CSV")
    try:
        return data.decode("utf-8"), "utf-8", ("utf-8",)
    except UnicodeDecodeError:
        pass
    return _decode(data, "cp1258", path), "cp1258", ("utf-8", "cp1258")


# "M? h? s?": a letter followed by '?' — what an editor writes for letters its code page lacks
QUESTION_MARKS_RE = re.compile(r"[^\W\d_]\?(?=[^\W\d_]|[ \t,;]|$)", re.M)


def encoding_hint(source: Source) -> str | None:
    """For a text file whose header row was not found: the encoding may be wrong — which one was
    used, which were tried, and '?' in place of letters if the file's first lines show them.
    None for a workbook (no encoding to get wrong)."""
    if source.kind != "csv" or source.encoding is None:
        return None
    tried = ", ".join(ENCODING_NAMES.get(e, e) for e in source.encodings_tried)
    used = ENCODING_NAMES.get(source.encoding, source.encoding)
    marks = ("; tệp có dấu '?' thay cho chữ có dấu: tệp đã được lưu bằng bảng mã không có chữ "
             "tiếng Việt (như Windows-1252)") if QUESTION_MARKS_RE.search(source.head_text) else ""
    return (f"có thể sai bảng mã của tệp (đã thử: {tried}; đã đọc theo {used}){marks} — hãy "
            f"lưu lại thành CSV UTF-8 (the file's encoding may be wrong; tried: {tried})")


def _decode(data: bytes, encoding: str, path: Path) -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise _fail(path, "không nhận ra bảng mã (cần UTF-8, UTF-16 hoặc Windows-1258)",
                    f"unknown text encoding: {exc}") from exc
    if "\x00" in text:
        raise _fail(path, "là tệp nhị phân, không phải Excel hay CSV", "binary file, not Excel/CSV")
    return text


def _check_text(text: str, path: Path) -> None:
    if not text:
        return
    controls = len(re.findall(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", text[:65536]))
    if controls > MAX_CONTROL_SHARE * min(len(text), 65536):
        raise _fail(path, "không phải tệp văn bản CSV", "not a text/CSV file")


SEP_LINE = re.compile(r"sep=(.)\r?\n?", re.I)


def _open_csv(path: Path, sha: str) -> Source:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _fail(path, "không mở được", str(exc)) from exc
    text, encoding, tried = decode_text(data, path)
    _check_text(text, path)
    first_line = text.split("\n", 1)[0]
    forced = SEP_LINE.fullmatch(first_line.rstrip("\r") + "\n") if first_line else None
    choices = (forced.group(1),) if forced else CSV_DELIMITERS
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))

    def opener(delimiter: str) -> Callable[[], Iterator[Row]]:
        def rows() -> Iterator[Row]:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            try:
                for number, record in enumerate(reader, start=1):
                    yield number, [cell if cell.strip() else None for cell in record]
            except csv.Error as exc:
                raise _fail(path, "CSV sai định dạng", f"malformed CSV: {exc}") from exc

        return rows

    sheet = SheetSource(path.stem, opener(choices[0]), total_rows=text.count("\n") + 1,
                        delimiter_choices=choices, open_rows=opener)
    return Source(path, "csv", sha, [sheet], encoding=encoding, encodings_tried=tried,
                  head_text=text[:4096])


def sheet_name_of_file(stem: str, names: list[str]) -> str | None:
    """The sheet a CSV file is named after: ``HoSo.csv``, ``hoso.csv`` or ``HoSo_2024Q3.csv``."""
    key = norm(stem).replace(" ", "")
    for name in names:
        low = name.casefold()
        if key == low or (key.startswith(low) and key[len(low)] in "_-. "):
            return name
    return None
