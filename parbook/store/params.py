"""Validation of user-supplied parameters before they reach SQL, paths or notebooks."""

from __future__ import annotations

import re

from parbook.errors import ParbookError

UNIT_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class ParameterError(ParbookError, ValueError):
    """A command-line or notebook parameter parbook cannot accept."""


def validate_unit_code(code: str) -> str:
    """A unit code safe as a folder name and notebook parameter (no '/', no '..')."""
    if not isinstance(code, str) or not UNIT_CODE_RE.match(code) or ".." in code:
        raise ParameterError(
            f"Mã đơn vị không hợp lệ {code!r}: chỉ chữ, số, '.', '-', '_' "
            f"(invalid unit code: letters, digits, '.', '-', '_' only)")
    return code
