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

from parbook.store.config import reference_yaml

UNASSIGNED = "Chưa phân công"


def _key(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold()
    text = re.sub(r"[–—-]", " ", text)
    return " ".join(text.split())


@cache
def sections() -> dict[str, dict[str, Any]]:
    """Section code → {name, aliases} from data/reference/sections.yaml."""
    return reference_yaml("sections.yaml")["sections"]


@cache
def _lookup() -> dict[str, str]:
    out: dict[str, str] = {}
    for code, spec in sections().items():
        for word in (code, spec["name"], *spec.get("aliases", [])):
            out[_key(word)] = spec["name"]
    return out


def section_name(code: str) -> str:
    """The display name of a section code (KeyError for an unknown code)."""
    return sections()[code]["name"]


def section_names(codes: Iterable[str]) -> str:
    """Display names of several section codes, joined by '; '."""
    return "; ".join(section_name(c) for c in codes)


def canonical_section(text: Any) -> str:
    """A code, name or alias → the section name; other text kept as typed; blank → unassigned."""
    if text is None or (isinstance(text, float) and text != text) or not str(text).strip():
        return UNASSIGNED
    return _lookup().get(_key(str(text)), unicodedata.normalize("NFC", str(text).strip()))
