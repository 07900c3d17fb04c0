"""The commune's sections (bộ phận) and their names: data/reference/sections.yaml.

Plans and criteria files name sections by code (``VP-TK``, ``TP``…); the task register holds
free text typed by staff. :func:`canonical_section` maps either to the section's display name.

>>> section_name("VP-TK")
'Văn phòng – Thống kê'
>>> canonical_section("  văn phòng - thống kê ")
'Văn phòng – Thống kê'
>>> canonical_section("Tổ công tác riêng")
'Tổ công tác riêng'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from typing import Any

from parbook.store.settings import Strict, reference

UNASSIGNED = "Chưa phân công"


class Section(Strict):
    name: str
    aliases: tuple[str, ...] = ()


class SectionsFile(Strict):
    """sections.yaml: section code → its name and the other names staff type for it."""

    sections: dict[str, Section]


def _key(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold()
    text = re.sub(r"[–—-]", " ", text)
    return " ".join(text.split())


def sections() -> dict[str, Section]:
    """Section code → name and aliases (data/reference/sections.yaml)."""
    return reference("sections.yaml", SectionsFile).sections


@cache
def _lookup() -> dict[str, str]:
    out: dict[str, str] = {}
    for code, spec in sections().items():
        for word in (code, spec.name, *spec.aliases):
            out[_key(word)] = spec.name
    return out


def section_name(code: str) -> str:
    """The display name of a section code (KeyError for an unknown code)."""
    return sections()[code].name


def section_names(codes: Iterable[str]) -> str:
    """Display names of several section codes, joined by '; '."""
    return "; ".join(section_name(c) for c in codes)


def canonical_section(text: Any) -> str:
    """A code, name or alias → the section name; other text kept as typed; blank → unassigned."""
    if text is None or (isinstance(text, float) and text != text) or not str(text).strip():
        return UNASSIGNED
    return _lookup().get(_key(str(text)), unicodedata.normalize("NFC", str(text).strip()))
