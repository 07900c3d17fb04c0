"""Text cells a spreadsheet will not run, in the workbooks and CSV files parbook writes.

A cell that starts with = + - @ TAB or CR is a formula to Excel and LibreOffice (CSV injection:
``=cmd|' /C calc'!A0``). Every text cell of forms.xlsx, the quarantine workbook and every CSV file
meant for spreadsheet users (findings.csv, indicators.csv, bieu06.csv, the batch summary, the
demo's ground truth) gets a leading apostrophe before such a character.

In CSV files the rule is made reversible for auditors who need the raw value: a text that starts
with an apostrophe gets one more, so **the raw value is the cell with one leading apostrophe
removed** (:func:`raw_cell`, :func:`read_csv`). Numbers are never changed.

>>> spreadsheet_text("=HYPERLINK(\\"http://x\\")")
'\\'=HYPERLINK("http://x")'
>>> [csv_cell(v) for v in ("@SUM(1)", "'quoted", "-12", 12, "HS-01")]
["'@SUM(1)", "''quoted", "'-12", 12, 'HS-01']
>>> [raw_cell(csv_cell(v)) for v in ("@SUM(1)", "'quoted", "plain")]
['@SUM(1)', "'quoted", 'plain']
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: Any) -> Any:
    """A workbook text cell that a spreadsheet will not run as a formula (' before = + - @)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_cell(value: Any) -> Any:
    """A CSV text cell that a spreadsheet will not run, reversibly (see :func:`raw_cell`)."""
    if isinstance(value, str) and value.startswith((*FORMULA_PREFIXES, "'")):
        return "'" + value
    return value


def raw_cell(value: Any) -> Any:
    """The raw value of a cell written by :func:`csv_cell`: one leading apostrophe removed."""
    if isinstance(value, str) and value.startswith("'"):
        return value[1:]
    return value


def _text_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if pd.api.types.is_object_dtype(frame[c])
            or pd.api.types.is_string_dtype(frame[c])]


def write_csv(frame: pd.DataFrame | Iterable[pd.DataFrame], path: Path) -> Path:
    """A CSV file for spreadsheet users: UTF-8, ``\\n`` line ends, every text cell safe.

    ``frame``: one frame, or its pieces in order (same columns; the header is the first's),
    written one after the other: a large frame never exists whole."""
    pieces = [frame] if isinstance(frame, pd.DataFrame) else frame
    with open(path, "w", encoding="utf-8", newline="") as handle:
        for i, piece in enumerate(pieces):
            safe = piece.copy()
            for column in _text_columns(safe):
                safe[column] = safe[column].map(csv_cell)
            safe.to_csv(handle, index=False, header=i == 0, lineterminator="\n")
    return path


def read_csv(path: Path, **kwargs: Any) -> pd.DataFrame:
    """A CSV file written by :func:`write_csv`, with its raw values."""
    frame = pd.read_csv(path, **kwargs)
    for column in _text_columns(frame):
        frame[column] = frame[column].map(raw_cell)
    return frame
