"""Personal data (NĐ 13/2023): masking for every output path.

>>> mask_name("Nguyễn Văn An")
'Nguyễn V. A.'
>>> mask_phone("0912 345 123")
'09xx xxx 123'
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any


def mask_name(name: Any) -> str | None:
    """Keep the family name, reduce the other words to initials: 'Nguyễn V. A.'."""
    if name is None or (isinstance(name, float) and name != name):
        return None
    words = unicodedata.normalize("NFC", str(name)).split()
    if not words:
        return None
    if len(words) == 1:
        return words[0][0] + "."
    return " ".join([words[0], *(w[0] + "." for w in words[1:])])


def mask_phone(phone: Any) -> str | None:
    """Keep the first two and last three digits: '09xx xxx 123'."""
    if phone is None or (isinstance(phone, float) and phone != phone):
        return None
    digits = re.sub(r"\D", "", str(phone))
    if len(digits) < 5:
        return "xxx"
    return f"{digits[:2]}xx xxx {digits[-3:]}"


def mask_address(_address: Any) -> str | None:
    """Addresses are never shown, masked or not."""
    return None if _address is None else "***"

