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

The file is read into pydantic models (:class:`ProfileFile`, through
:mod:`parbook.store.settings`): a mistake is a :class:`ProfileError` naming the file, the place
inside it (``sheets.HoSo.headers.Ngày``) and what was expected. Each sheet has its own model,
so a column is checked against that sheet of the import contract (DESIGN.md §4).

A workbook with a single sheet, read with a profile that maps a single sheet, is read as that
sheet whatever its title (a register exported as "Sheet1"). Canonical headers stay accepted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, Field, create_model, field_validator, model_validator

from parbook.intake.vocab import LOAD_ORDER, SHEET_BY_NAME, VOCABULARIES, SheetSpec, norm
from parbook.store import db
from parbook.store.config import REFERENCE_DIR
from parbook.store.settings import ConfigError, Strict, read_yaml, validate

PROFILES_DIR = REFERENCE_DIR / "import_profiles"
ADDRESS_PHONE = ("applicant_address", "applicant_phone")


class ProfileError(ConfigError):
    """A profile that is missing or inconsistent with the import contract."""


class Lookup(Strict):
    """Find ``column`` of ``table`` from the row of that table whose ``by`` equals the cell."""

    column: str
    table: str
    by: str

    @model_validator(mode="after")
    def _known_table(self) -> Lookup:
        table = db.DATA_TABLES.get(self.table)
        if table is None or self.by not in table.c or self.column not in table.c:
            raise ValueError(f"tra cứu sai bảng/cột (bad lookup): cần bảng trong "
                             f"{', '.join(sorted(db.DATA_TABLES))} và cột của bảng đó")
        return self


class SheetProfileFile(Strict):
    """One sheet of a profile as written in the file (each sheet gets a model of its own that
    checks the columns against that sheet: :data:`SHEET_MODELS`)."""

    sheet_names: list[str] = []
    headers: dict[str, str] = {}
    split_address_phone: list[str] = []
    lookup: dict[str, Lookup] = {}
    ignore: list[str] = []
    vocabulary: dict[str, dict[str, str]] = {}


def _sheet_model(spec: SheetSpec) -> type[SheetProfileFile]:
    """The model of one sheet's profile: every column named must be a column of that sheet."""

    def column(name: str) -> str:
        if name not in spec.by_name:
            raise ValueError(f"cột '{name}' không thuộc trang {spec.name} (unknown column)")
        return name

    def vocabulary_column(name: str) -> str:
        if column(name) and spec.by_name[name].vocabulary is None:
            raise ValueError(f"cột '{name}' không có danh mục (no vocabulary)")
        return name

    def split_columns(cls: type, headers: list[str]) -> list[str]:
        if headers:
            for name in ADDRESS_PHONE:
                column(name)
        return headers

    def vocabulary_codes(cls: type, vocabulary: dict[str, dict[str, str]]
                         ) -> dict[str, dict[str, str]]:
        for col, words in vocabulary.items():
            vocab = spec.by_name[col].vocabulary
            for word, code in words.items():
                if code not in VOCABULARIES[vocab]:
                    raise ValueError(f"'{word}' → '{code}' không phải mã của {vocab}")
        return vocabulary

    Column = Annotated[str, AfterValidator(column)]
    SheetLookup = create_model(f"Lookup_{spec.name}", __base__=Lookup, __module__=__name__,
                               column=(Column, ...))
    return create_model(
        f"SheetProfile_{spec.name}", __base__=SheetProfileFile, __module__=__name__,
        headers=(dict[str, Column], {}),
        lookup=(dict[str, SheetLookup], {}),
        vocabulary=(dict[Annotated[str, AfterValidator(vocabulary_column)], dict[str, str]], {}),
        __validators__={
            "split_columns": field_validator("split_address_phone")(split_columns),
            "vocabulary_codes": field_validator("vocabulary")(vocabulary_codes),
        },
    )


SHEET_MODELS: dict[str, type[SheetProfileFile]] = {
    name: _sheet_model(SHEET_BY_NAME[name]) for name in LOAD_ORDER}


def _unknown_sheet(name: str) -> str:
    raise ValueError(f"trang tính '{name}' không có trong hợp đồng nhập (unknown sheet): cần một "
                     f"trong {', '.join(LOAD_ORDER)}")


class _SheetsBase(Strict):
    """``sheets:`` — one optional entry per sheet of the contract; any other name is refused
    with its own message (an unknown entry is validated as its name, not as its content)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    __pydantic_extra__: dict[str, Annotated[str, AfterValidator(_unknown_sheet)]]

    @model_validator(mode="before")
    @classmethod
    def _names_of_unknown(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: (v if k in cls.model_fields else str(k)) for k, v in data.items()}
        return data


ProfileSheets = create_model(
    "ProfileSheets", __base__=_SheetsBase, __module__=__name__,
    **{name: (model | None, None) for name, model in SHEET_MODELS.items()})


class ProfileFile(Strict):
    """An import profile file (data/reference/import_profiles/*.yaml)."""

    name: str | None = None
    title: str = ""
    sheets: ProfileSheets | None = Field(None, validate_default=True)
    not_provided: dict[str, str] = {}

    @field_validator("sheets")
    @classmethod
    def _some_sheet(cls, sheets: Any) -> Any:
        if sheets is None or not any(getattr(sheets, n) is not None for n in LOAD_ORDER):
            raise ValueError("không khai báo trang tính nào (no sheets)")
        return sheets


@dataclass(frozen=True)
class SheetProfile:
    """A sheet of a profile, ready for matching: headers and sheet names in :func:`norm` form."""

    sheet: str
    sheet_names: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    split_address_phone: tuple[str, ...] = ()
    lookups: dict[str, Lookup] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()
    vocabulary: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, sheet: str, spec: SheetProfileFile) -> SheetProfile:
        return cls(
            sheet=sheet,
            sheet_names=tuple(norm(n) for n in spec.sheet_names),
            headers={norm(h): c for h, c in spec.headers.items()},
            split_address_phone=tuple(norm(h) for h in spec.split_address_phone),
            lookups={norm(h): Lookup(column=lk.column, table=lk.table, by=lk.by)
                     for h, lk in spec.lookup.items()},
            ignore=tuple(norm(h) for h in spec.ignore),
            vocabulary={c: dict(words) for c, words in spec.vocabulary.items()},
        )


@dataclass(frozen=True)
class Profile:
    """A validated profile: its sheets by canonical name."""

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
    try:
        data = validate(read_yaml(path) or {}, ProfileFile, path.name)
    except ProfileError:
        raise
    except ConfigError as exc:
        raise ProfileError(str(exc)) from None
    sheets = {n: SheetProfile.of(n, spec) for n in LOAD_ORDER
              if (spec := getattr(data.sheets, n)) is not None}
    return Profile(data.name or path.stem, data.title, sheets, dict(data.not_provided))
