"""Workbook plumbing shared by the report's XLSX files: the font, number formats, and saving with
the results of parbook's own formulas cached.

openpyxl writes a formula without its result, so a reader that does not recalculate (pandas,
``openpyxl`` with ``data_only=True``, file previews) would see an empty cell. :func:`save_workbook`
saves the workbook, then writes into the file the value of every formula it can evaluate — the
two shapes parbook writes, ``=SUM(C10:C12)`` and ``=D10+E10+F10`` — so those readers see the
right numbers, while Excel (``fullCalcOnLoad``) and LibreOffice still recalculate after an edit.
A formula of another shape keeps an empty cached value (nothing wrong is ever cached).

>>> from openpyxl import Workbook
>>> ws = Workbook().active
>>> ws["A1"], ws["A2"], ws["B1"], ws["A3"] = 1, 2, "=A1+A2", "=SUM(A1:B1)"
>>> formula_values(ws)
{'B1': 3, 'A3': 4}
"""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from copy import copy
from pathlib import Path
from xml.etree import ElementTree

from openpyxl import Workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.styles import Font
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import range_boundaries
from openpyxl.utils.cell import coordinate_to_tuple, get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

FONT_NAME = "Times New Roman"
PERCENT = "0.0%"
SIGNED_PERCENT = "+0.0%;-0.0%;0.0%"
SCORE = "0.0"
INTEGER = "#,##0"
DATE = "dd/mm/yyyy"

_SUM = re.compile(r"=SUM\(([A-Z]{1,3}[0-9]+:[A-Z]{1,3}[0-9]+)\)")
_ADD = re.compile(r"=[A-Z]{1,3}[0-9]+(?:\+[A-Z]{1,3}[0-9]+)*")
_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}


def font(size: float = 11, **style: object) -> Font:
    """A Times New Roman font (NĐ 30/2020 typeface) of the given size and style."""
    return Font(name=FONT_NAME, size=size, **style)


def use_font_everywhere(ws: Worksheet) -> None:
    """Give every cell of the sheet the report's typeface, keeping its size and style.

    A font is looked at once: the cells sharing it get the index of its Times New Roman twin.
    """
    twin: dict[int, int] = {}                 # font index → index of the same font in the typeface
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell, MergedCell):
                continue
            if not cell._style:
                cell._style = StyleArray()     # as reading cell.font does
            font_id = cell._style.fontId
            if font_id in twin:
                cell._style.fontId = twin[font_id]
                continue
            if cell.font.name != FONT_NAME:
                styled = copy(cell.font)
                styled.name = FONT_NAME
                cell.font = styled
            twin[font_id] = cell._style.fontId


class _Unsupported(Exception):
    """A formula (or an operand) this evaluator does not handle."""


def formula_values(ws: Worksheet) -> dict[str, int | float]:
    """The value of every ``=SUM(range)`` and ``=A1+B2+…`` formula of the sheet (others left out).

    SUM ignores empty and text cells, as spreadsheets do; ``+`` counts an empty cell as 0 and
    gives up on text (a spreadsheet shows #VALUE!).
    """
    memo: dict[str, int | float] = {}
    active: set[str] = set()

    def number(coord: str, in_sum: bool) -> int | float:
        cell = ws._cells.get(coordinate_to_tuple(coord))   # no empty cell created by looking
        value = None if cell is None else cell.value
        if isinstance(value, str) and value.startswith("="):
            return evaluate(coord, value)
        if isinstance(value, bool):
            raise _Unsupported(coord)
        if isinstance(value, int | float):
            return value
        if value is None or in_sum:
            return 0
        raise _Unsupported(coord)

    def evaluate(coord: str, formula: str) -> int | float:
        if coord in memo:
            return memo[coord]
        if coord in active:
            raise _Unsupported(f"vòng tham chiếu (circular reference) {coord}")
        active.add(coord)
        try:
            text = formula.replace(" ", "").replace("$", "").upper()
            if match := _SUM.fullmatch(text):
                min_col, min_row, max_col, max_row = range_boundaries(match.group(1))
                result: int | float = sum(
                    number(f"{get_column_letter(c)}{r}", in_sum=True)
                    for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1))
            elif _ADD.fullmatch(text):
                result = sum(number(ref, in_sum=False) for ref in text[1:].split("+"))
            else:
                raise _Unsupported(formula)
        finally:
            active.discard(coord)
        memo[coord] = result
        return result

    out: dict[str, int | float] = {}
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                try:
                    out[cell.coordinate] = evaluate(cell.coordinate, cell.value)
                except _Unsupported:
                    continue
    return out


def _sheet_members(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title → its XML member in the archive."""
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.findall("rel:Relationship", _NS)}
    out = {}
    for sheet in book.findall("m:sheets/m:sheet", _NS):
        target = targets.get(sheet.get(f"{{{_NS['r']}}}id"), "")
        out[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return out


def _number_text(value: int | float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def cache_formula_values(path: Path, values: dict[str, dict[str, int | float]]) -> int:
    """Write cached results into a saved workbook: {sheet title: {cell: value}}.

    Returns how many cells got their value. openpyxl writes a formula's empty value as ``<v/>``
    or, with lxml installed, ``<v></v>``; a formula already carrying a value is left as it is.
    """
    values = {title: cells for title, cells in values.items() if cells}
    if not values:
        return 0
    done = 0
    with zipfile.ZipFile(path) as archive:
        members = _sheet_members(archive)
        wanted = {members[title]: cells for title, cells in values.items() if title in members}
        fd, tmp = tempfile.mkstemp(suffix=".xlsx", dir=Path(path).parent)
        os.close(fd)
        try:
            with zipfile.ZipFile(tmp, "w") as out:
                for info in archive.infolist():
                    data = archive.read(info)
                    if info.filename in wanted:
                        text = data.decode("utf-8")
                        for coord, value in wanted[info.filename].items():
                            pattern = re.compile(
                                rf'(<c r="{coord}"[^>]*>)(<f>[^<]*</f>)(?:<v\s*/>|<v></v>|(?!<v>))')
                            text, n = pattern.subn(
                                lambda m, v=value: f"{m.group(1)}{m.group(2)}<v>{_number_text(v)}</v>",
                                text, count=1)
                            done += n
                        data = text.encode("utf-8")
                    out.writestr(info, data, compress_type=info.compress_type)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return done


def save_workbook(wb: Workbook, path: Path) -> Path:
    """Save with the typeface on every cell and the results of parbook's formulas cached."""
    values = {}
    for ws in wb.worksheets:
        use_font_everywhere(ws)
        values[ws.title] = formula_values(ws)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    cache_formula_values(path, values)
    return path
