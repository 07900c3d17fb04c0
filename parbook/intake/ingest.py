"""Load the commune's exports into the database (DESIGN.md §3, §4; ``parbook ingest``).

:func:`ingest_files` is the public entry point. Each file is read and parsed entirely first (no
database access), then written in one transaction (:mod:`parbook.intake.loader`): an error or a kill
mid-file leaves the database as it was. Sheets load in dependency order (DanhMucTTHC, HoSo,
SuKien, then the others); files given together are taken in that order too (``SuKien.csv`` after
``HoSo.csv`` whatever the command line order), otherwise in the order given.

Where a sheet's rows go: its title (``HoSo``; a CSV's file name ``HoSo.csv``), else the import
profile's names for it, else — a single-sheet file read with a single-sheet profile — the
profile's sheet, else the sheet whose headers it carries (key headers and at least three known
headers, unambiguously). Helper sheets of our own workbooks (HuongDan, DanhSach) are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain, islice
from pathlib import Path

from sqlalchemy import inspect, select
from sqlalchemy.exc import SQLAlchemyError

from parbook.errors import ParbookError
from parbook.intake.headers import HEADER_SEARCH_ROWS, find_layout, header_targets
from parbook.intake.loader import LockedError, SheetResult, load_sheet, now_local, write_transaction
from parbook.intake.profiles import Profile, SheetProfile, load_profile
from parbook.intake.progress import Progress
from parbook.intake.rows import ParsedSheet, mark_duplicates, parse_sheet
from parbook.intake.sources import (
    SheetSource,
    Source,
    SourceError,
    encoding_hint,
    open_source,
    sheet_name_of_file,
)
from parbook.intake.vocab import LOAD_ORDER, SHEET_BY_NAME, SHEETS, SheetSpec, is_helper_sheet, sheet_for
from parbook.store import db
from parbook.store.params import validate_unit_code

__all__ = ["IngestError", "SheetResult", "ingest_files"]


class IngestError(ParbookError):
    """A file could not be imported; ``results`` holds what earlier files committed."""

    def __init__(self, message: str, results: list[SheetResult] | None = None) -> None:
        super().__init__(message)
        self.results = results or []


def _spec_by_name(source: Source, sheet: SheetSource, profile: Profile | None,
                  single: bool) -> SheetSpec | None:
    if profile is not None:
        name = profile.sheet_for_title(sheet.title)
        if name:
            return SHEET_BY_NAME[name]
    if source.kind == "csv":
        name = sheet_name_of_file(sheet.title, list(LOAD_ORDER))
        spec = SHEET_BY_NAME[name] if name else None
    else:
        spec = sheet_for(sheet.title)
    if spec is None and profile is not None and single and len(profile.sheets) == 1:
        spec = SHEET_BY_NAME[next(iter(profile.sheets))]
    return spec


def _file_rank(source: Source, profile: Profile | None) -> int:
    ranks = [LOAD_ORDER.index(spec.name) for sheet in source.sheets
             if (spec := _spec_by_name(source, sheet, profile, single=False)) is not None]
    return min(ranks, default=len(LOAD_ORDER))


def _parse_sheet(source: Source, sheet: SheetSource, spec: SheetSpec | None,
                 profile: Profile | None, unit: str | None, progress: Progress
                 ) -> ParsedSheet | None:
    """Find the header (and a CSV's delimiter), then parse the rows; None if unrecognised."""
    def sheet_profile(s: SheetSpec) -> SheetProfile | None:
        return profile.sheets.get(s.name) if profile else None

    specs = [spec] if spec is not None else list(SHEETS)
    candidates = [(s, header_targets(s, sheet_profile(s))) for s in specs]
    openers = ([sheet.open_rows(d) for d in sheet.delimiter_choices] if sheet.open_rows
               else [sheet.rows])
    best = None
    for opener in openers:
        rows = opener()
        buffer = list(islice(rows, HEADER_SEARCH_ROWS))
        layout = find_layout(buffer, candidates, infer=spec is None)
        fields = -1 if layout is None else len(layout.fields) + len(layout.splits) + len(
            layout.lookups)
        # a tie (a one-column header reads alike under every delimiter) goes to the delimiter the
        # rows use: an Excel ";" file's empty row ";" is two empty cells, not the text ";"
        score = (fields, sum(len(row) > 1 for _, row in buffer))
        if best is None or score > best[0]:
            best = (score, rows, buffer, layout)
    _, rows, buffer, layout = best
    if layout is None and spec is None:
        return None
    spec = layout.spec if layout is not None else spec
    rest: Iterable = chain(buffer[layout.data_start:] if layout else buffer, rows)
    progress.stage(f"{source.name} › {sheet.title}", sheet.total_rows)
    return parse_sheet(spec, sheet.title, layout, rest, unit=unit, profile=sheet_profile(spec),
                       tick=progress.update, no_header_hint=encoding_hint(source),
                       check_formulas=sheet.has_uncalculated)


def read_source(source: Source, unit: str | None = None, profile: Profile | None = None,
                progress: Progress | None = None) -> tuple[list[ParsedSheet], list[str]]:
    """Parse every recognised sheet of an opened file (no database). Returns them in load order
    with the titles of the sheets not recognised."""
    progress = progress or Progress(enabled=False)
    parsed: list[ParsedSheet] = []
    skipped: list[str] = []
    data_sheets = [s for s in source.sheets
                   if not (source.kind == "xlsx" and is_helper_sheet(s.title))]
    for sheet in data_sheets:
        spec = _spec_by_name(source, sheet, profile, single=len(data_sheets) == 1)
        result = _parse_sheet(source, sheet, spec, profile, unit, progress)
        if result is None:
            skipped.append(sheet.title)
        else:
            parsed.append(result)
    parsed.sort(key=lambda p: LOAD_ORDER.index(p.spec.name))
    for name in LOAD_ORDER:
        mark_duplicates([p for p in parsed if p.spec.name == name])
    return parsed, skipped


def sheet_warnings(source: Source, parsed: ParsedSheet) -> list[str]:
    """What the user must know about a sheet that did not load as it looks: no header row, a
    missing required column (the sheet loads nothing), columns with data but no header."""
    where = f"tệp '{source.name}', trang tính '{parsed.title}'"
    if parsed.title != parsed.spec.name:
        where += f" ({parsed.spec.name})"
    warnings = []
    if parsed.layout is None and parsed.read:
        hint = encoding_hint(source)
        warnings.append(f"CẢNH BÁO — {where}: không tìm thấy dòng tiêu đề trong "
                        f"{HEADER_SEARCH_ROWS} dòng đầu, không nạp dòng nào; {parsed.read} dòng bị "
                        f"cách ly (header row not found: sheet not loaded)"
                        + (f"; {hint}" if hint else ""))
    if parsed.missing_required and parsed.read:
        names = ", ".join(f'"{label}"' for label in parsed.missing_required)
        warnings.append(f"CẢNH BÁO — {where}: thiếu cột bắt buộc {names}, không nạp dòng nào; "
                        f"{parsed.read} dòng bị cách ly (required column missing: sheet not "
                        f"loaded)")
    for col in parsed.unnamed_columns:
        warnings.append(f"CẢNH BÁO — {where}: cột {col['column']} có dữ liệu ({col['rows']} dòng) "
                        f"nhưng không có tiêu đề (ô tiêu đề trống, có thể bị gộp với ô bên cạnh), "
                        f"không nạp: ghi tiêu đề cho cột rồi nạp lại (column {col['column']} holds "
                        f"data but has no header: not loaded)")
    return warnings


def _load_file(source: Source, parsed: list[ParsedSheet], url: str | None,
               progress: Progress, create_units: bool = False) -> list[SheetResult]:
    progress.stage(f"{source.name} › ghi CSDL (writing)")
    progress.update(sum(p.read for p in parsed), force=True)
    with write_transaction(url) as conn:
        at = now_local()
        results = [load_sheet(conn, p, source.name, source.sha256, at, create_units)
                   for p in parsed]
    written = [r.batch_id for r in results if r.batch_id is not None and not r.already_loaded]
    for p, result in zip(parsed, results, strict=True):
        result.notes.extend(sheet_warnings(source, p))
        if result.batch_id is not None and not result.already_loaded:
            result.lot = min(written)
    return results


def _not_initialised(url: str | None) -> str:
    shown = db.engine(url).url.render_as_string(hide_password=True)
    return (f"CSDL {shown} chưa được khởi tạo (chưa có danh mục TTHC): chạy 'parbook init' trước "
            f"(database not initialised: run 'parbook init' first)")


def check_database(url: str | None, unit: str | None, create_units: bool) -> None:
    """The database was initialised (``parbook init``: tables and the procedure catalogue) and
    the ``--unit`` was declared (or may be created); else IngestError. Creates the tables that a
    newer parbook added to an initialised database."""
    eng = db.engine(url)
    if eng.dialect.name == "sqlite" and eng.url.database not in (None, "", ":memory:") \
            and not Path(eng.url.database).exists():
        raise IngestError(_not_initialised(url))  # do not leave an empty file behind
    ready, declared = False, unit is None
    try:
        if {"units", "procedures"} <= set(inspect(eng).get_table_names()):
            with eng.connect() as conn:
                ready = conn.execute(select(db.procedures.c.procedure_code).limit(1)
                                     ).first() is not None
                declared = declared or conn.execute(select(db.units.c.unit_code).where(
                    db.units.c.unit_code == unit)).first() is not None
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or type(exc).__name__)[:300]
        raise IngestError(f"Không mở được CSDL (cannot open the database): {detail}") from exc
    if not ready:
        raise IngestError(_not_initialised(url))
    if not declared and not create_units:
        raise IngestError(
            f"Đơn vị '{unit}' chưa được khai báo trong CSDL: chạy parbook init --unit {unit} "
            f"--unit-name \"<tên đơn vị>\" trước, hoặc nạp với --create-unit để tạo đơn vị chỉ có "
            f"mã (unit not declared: run parbook init --unit … --unit-name …, or add "
            f"--create-unit)")
    db.create_schema(eng)


def ingest_files(paths: Sequence[str | Path], url: str | None = None, unit: str | None = None,
                 profile: str | Profile | None = None, progress: bool = False,
                 create_units: bool = False) -> list[SheetResult]:
    """Import files (.xlsx workbooks, CSV named after a sheet) into the database.

    Every file is checked readable, and the database initialised, before anything is parsed or
    written; then each file is one transaction. Units must have been declared (``parbook init
    --unit``): an unknown ``unit`` is refused and rows naming an unknown unit are quarantined,
    unless ``create_units`` (``--create-unit``) creates them from their code (DESIGN.md §3).
    Raises :class:`IngestError` (clear message naming the file) for an unreadable file, a
    database not initialised, an undeclared unit, a locked database or a failed write — with
    the results of the files already committed.
    """
    if unit is not None:
        validate_unit_code(unit)
    prof = load_profile(profile) if isinstance(profile, (str, Path)) else profile
    sources: list[Source] = []
    errors: list[str] = []
    for path in paths:
        try:
            sources.append(open_source(path))
        except SourceError as exc:
            errors.append(str(exc))
    try:
        if errors:
            raise IngestError("\n".join(errors))
        check_database(url, unit, create_units)
    except IngestError:
        for s in sources:
            s.close()
        raise
    sources.sort(key=lambda s: _file_rank(s, prof))
    bar = Progress(enabled=progress)
    results: list[SheetResult] = []
    try:
        for source in sources:
            try:
                parsed, skipped = read_source(source, unit, prof, bar)
            except SourceError as exc:
                raise IngestError(str(exc), results) from exc
            finally:
                source.close()
            if not parsed:
                names = ", ".join(LOAD_ORDER)
                hint = encoding_hint(source)
                raise IngestError(
                    f"Tệp '{source.path}': không có trang tính nào nhận ra được (cần một trong: "
                    f"{names}; đã thấy: {', '.join(skipped) or 'không có'}) — no known sheet"
                    + (f"; {hint}" if hint else ""), results)
            try:
                loaded = _load_file(source, parsed, url, bar, create_units)
            except LockedError as exc:
                raise IngestError(f"Tệp '{source.path}': {exc}", results) from exc
            except SQLAlchemyError as exc:
                detail = str(getattr(exc, "orig", None) or type(exc).__name__)[:300]
                raise IngestError(f"Tệp '{source.path}': lỗi khi ghi vào CSDL, đã hoàn tác cả "
                                  f"tệp (write failed, rolled back): {detail}", results) from exc
            loaded[0].notes.extend(f"Bỏ qua trang tính không nhận ra (sheet skipped): '{title}'"
                                   for title in skipped)
            results.extend(loaded)
    finally:
        bar.close()
    return results
