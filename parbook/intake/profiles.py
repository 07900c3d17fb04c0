"""Import profiles: another system's sheet names, headers and words → the canonical ones.

A profile is ``data/reference/import_profiles/<NAME>.yaml``::

    name: tt01-mau06
    title: …
    sheets:
      HoSo:                              # canonical sheet the rows load into
        sheet_names: [Sổ theo dõi hồ sơ] # sheet titles / CSV file stems of the other system
        headers: {"Nhận hồ sơ": received_at, …}   # header → canonical column
        split_address_phone: ["Địa chỉ, số điện thoại"]   # one cell → applicant_address + phone
        lookup:                          # a name → the code of a reference table
          "Tên TTHC": {column: procedure_code, table: procedures, by: procedure_name}
        ignore: [TT, Ký nhận]            # known columns with nothing to load
        vocabulary: {result_delivery: {"Nhận trực tiếp": counter}}
    not_provided: {…}                    # documentation: what the register cannot give

A workbook with a single sheet, read with a profile that maps a single sheet, is read as that
sheet whatever its title (a register exported as "Sheet1"). Canonical headers stay accepted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from parbook.intake.vocab import SHEET_BY_NAME, VOCABULARIES, norm
from parbook.store import db
from parbook.store.config import REFERENCE_DIR
from parbook.store.settings import ConfigError

PROFILES_DIR = REFERENCE_DIR / "import_profiles"
ADDRESS_PHONE = ("applicant_address", "applicant_phone")


class ProfileError(ConfigError):
    """A profile that is missing or inconsistent with the import contract."""


@dataclass(frozen=True)
class Lookup:
    """Find ``column`` of ``table`` from the row of that table whose ``by`` equals the cell."""

    column: str
    table: str
    by: str


@dataclass
class SheetProfile:
    sheet: str
    sheet_names: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    split_address_phone: tuple[str, ...] = ()
    lookups: dict[str, Lookup] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()
    vocabulary: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class Profile:
    name: str
    title: str
    sheets: dict[str, SheetProfile]
    not_provided: dict[str, str] = field(default_factory=dict)

    def sheet_for_title(self, title: str) -> str | None:
        key = norm(title)
        for sheet in self.sheets.values():
            if key in sheet.sheet_names:
                return sheet.sheet
        return None


def available() -> list[str]:
    return sorted(p.stem for p in PROFILES_DIR.glob("*.yaml"))


def load_profile(name: str | Path) -> Profile:
    """Read and check a profile by name (data/reference/import_profiles) or path."""
    path = Path(name)
    if not path.suffix:
        path = PROFILES_DIR / f"{name}.yaml"
    if not path.exists():
        raise ProfileError(f"Không có hồ sơ nhập '{name}' (unknown import profile); có: "
                           f"{', '.join(available()) or 'không có'}")
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    sheets = {}
    for sheet_name, spec in (data.get("sheets") or {}).items():
        sheets[sheet_name] = _sheet_profile(path, sheet_name, spec or {})
    if not sheets:
        raise ProfileError(f"{path.name}: không khai báo trang tính nào (no sheets)")
    return Profile(str(data.get("name") or path.stem), str(data.get("title") or ""), sheets,
                   {str(k): str(v) for k, v in (data.get("not_provided") or {}).items()})


def _sheet_profile(path: Path, sheet_name: str, spec: dict[str, Any]) -> SheetProfile:
    sheet = SHEET_BY_NAME.get(sheet_name)
    if sheet is None:
        raise ProfileError(f"{path.name}: trang tính '{sheet_name}' không có trong hợp đồng nhập "
                           f"(unknown sheet)")

    def column(name: str) -> str:
        if name not in sheet.by_name:
            raise ProfileError(f"{path.name}: cột '{name}' không thuộc trang {sheet_name} "
                               f"(unknown column)")
        return name

    headers = {norm(h): column(c) for h, c in (spec.get("headers") or {}).items()}
    splits = tuple(norm(h) for h in spec.get("split_address_phone") or ())
    if splits:
        for c in ADDRESS_PHONE:
            column(c)
    lookups = {}
    for header, how in (spec.get("lookup") or {}).items():
        table = db.DATA_TABLES.get(how.get("table", ""))
        if table is None or how.get("by") not in table.c or how.get("column") not in table.c:
            raise ProfileError(f"{path.name}: tra cứu '{header}' sai bảng/cột (bad lookup)")
        lookups[norm(header)] = Lookup(column(how["column"]), table.name, how["by"])
    vocabulary = {}
    for col, words in (spec.get("vocabulary") or {}).items():
        vocab = sheet.by_name[column(col)].vocabulary
        if vocab is None:
            raise ProfileError(f"{path.name}: cột '{col}' không có danh mục (no vocabulary)")
        for word, code in words.items():
            if code not in VOCABULARIES[vocab]:
                raise ProfileError(f"{path.name}: '{word}' → '{code}' không phải mã của {vocab}")
        vocabulary[col] = {str(w): str(c) for w, c in words.items()}
    return SheetProfile(
        sheet=sheet_name,
        sheet_names=tuple(norm(n) for n in spec.get("sheet_names") or ()),
        headers=headers,
        split_address_phone=splits,
        lookups=lookups,
        ignore=tuple(norm(h) for h in spec.get("ignore") or ()),
        vocabulary=vocabulary,
    )
