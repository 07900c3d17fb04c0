"""HTML tables for notebooks and reports: every cell escaped, personal data masked.

A frame shown anywhere in a notebook or report goes through :func:`html_table`, which

- masks applicant names and phones (``Nguyễn V. A.``, ``09xx xxx 123``) and drops addresses
  (NĐ 13/2023; DESIGN.md §9) whatever the caller passed;
- escapes every header and cell (text from data may hold ``<script>``);
- formats numbers, shares and dates the Vietnamese way (95,3% · 1.234 · 14/09/2024).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from parbook import vnformat
from parbook.report.templating import render
from parbook.store.db import PERSONAL_COLUMNS
from parbook.store.privacy import mask_name, mask_phone

Formatter = Callable[[Any], str]


@dataclass(frozen=True)
class Block:
    """A piece of prose: a paragraph (``p``), a list item of a section (``item``, "- …") or a
    bulleted list (``list`` of ``items``); ``css`` classes a paragraph."""

    text: str
    kind: str = "p"
    css: str | None = None
    items: tuple[str, ...] = ()

FORMATS: dict[str, Formatter] = {
    "percent": vnformat.percent,
    "number": vnformat.number,
    "number1": lambda v: vnformat.number(v, 1),
    "number2": lambda v: vnformat.number(v, 2),
    "date": vnformat.short_date,
    "bool": lambda v: vnformat.EMPTY if vnformat.is_missing(v) else ("Có" if bool(v) else "Không"),
}
NUMERIC_FORMATS = {"percent", "number", "number1", "number2"}


def mask_personal(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with names and phones masked and addresses removed."""
    out = frame.copy()
    if "applicant_name" in out.columns:
        out["applicant_name"] = out["applicant_name"].map(mask_name)
    if "applicant_phone" in out.columns:
        out["applicant_phone"] = out["applicant_phone"].map(mask_phone)
    drop = [c for c in PERSONAL_COLUMNS if c in out.columns and c not in ("applicant_name",
                                                                          "applicant_phone")]
    return out.drop(columns=drop)


def _default_format(value: Any) -> str:
    if vnformat.is_missing(value):
        return vnformat.EMPTY
    if isinstance(value, bool | np.bool_):
        return "Có" if value else "Không"
    if isinstance(value, int | np.integer):
        return vnformat.number(value)
    if isinstance(value, float | np.floating):
        return vnformat.number(value, 0 if float(value).is_integer() else 2)
    if isinstance(value, pd.Timestamp):
        if value == value.normalize():
            return vnformat.short_date(value)
        return f"{vnformat.short_date(value)} {value:%H:%M}"
    return str(value)


def _formatter(spec: str | Formatter | None) -> Formatter:
    if spec is None:
        return _default_format
    if callable(spec):
        return spec
    return FORMATS[spec]


def html_table(frame: pd.DataFrame, headers: Mapping[str, str] | None = None,
               formats: Mapping[str, str | Formatter] | None = None,
               groups: Sequence[tuple[str, int]] | None = None, caption: str | None = None,
               css_class: str = "parbook-table", max_rows: int | None = None,
               empty_text: str = "Không có dữ liệu.", numbered: bool = False) -> Markup:
    """An escaped HTML table of the frame (index ignored), rendered by templates/table.html.j2.

    ``headers`` selects and renames columns (in its order; a missing column is an error, never
    silently skipped); ``formats`` maps a column to percent/number/number1/date/bool or a
    function; ``groups`` adds an upper header row of (label, span); ``numbered`` adds the row of
    column numbers (1), (2)… under the headers, as official forms have; ``max_rows`` cuts long
    tables with a note saying how many rows were left out.
    """
    data = mask_personal(frame)
    if headers is not None:
        missing = [c for c in headers if c not in data.columns]
        if missing:
            raise KeyError(f"Bảng thiếu cột (missing columns): {missing}")
        data = data[list(headers)]
        names = [headers[c] for c in headers]
    else:
        names = [str(c) for c in data.columns]
    formats = dict(formats or {})
    header_rows = [{"css": None, "cells": [(label, int(span)) for label, span in groups]}] \
        if groups else []
    header_rows.append({"css": None, "cells": [(name, 1) for name in names]})
    if numbered:
        header_rows.append({"css": "column-numbers",
                            "cells": [(f"({i})", 1) for i in range(1, len(names) + 1)]})
    shown = data if max_rows is None else data.head(max_rows)
    columns = list(shown.columns)
    fmts = [_formatter(formats.get(c)) for c in columns]
    numeric = [formats.get(c) in NUMERIC_FORMATS or pd.api.types.is_numeric_dtype(shown[c])
               and not pd.api.types.is_bool_dtype(shown[c]) for c in columns]
    rows = [{"css": None, "cells": [(fmt(value), is_num) for value, fmt, is_num in zip(row, fmts, numeric,
                                                                          strict=True)]}
            for row in shown.itertuples(index=False, name=None)]
    more = vnformat.number(len(data) - max_rows) if max_rows is not None and len(data) > max_rows \
        else None
    return render("table.html.j2", css_class=css_class, caption=caption, header_rows=header_rows,
                  rows=rows, width=max(len(names), 1), empty_text=empty_text, more=more)


def html_prose(blocks: Sequence[Block]) -> Markup:
    """Paragraphs, list items and bulleted lists of plain text, escaped (templates/prose.html.j2)."""
    return render("prose.html.j2", blocks=blocks)


def html_paragraphs(items: Sequence[str], css_class: str | None = None) -> Markup:
    """Paragraphs of plain text, each escaped."""
    return html_prose([Block(text, css=css_class) for text in items])


def html_list(items: Sequence[str]) -> Markup:
    """A bulleted list of plain text, each escaped."""
    return html_prose([Block("", kind="list", items=tuple(items))])
