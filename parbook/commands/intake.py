"""``parbook ingest`` and ``parbook quarantine``."""

from __future__ import annotations

import argparse
import sys

from parbook.intake.ingest import IngestError, ingest_files
from parbook.intake.loader import SheetResult
from parbook.intake.quarantine import export_xlsx, format_listing, quarantine_frame

COLUMNS = (("đọc", "read"), ("thêm mới", "inserted"), ("cập nhật", "updated"),
           ("không đổi", "unchanged"), ("cách ly", "quarantined"))


def format_results(results: list[SheetResult]) -> str:
    """Per file — one "lô" to the user, numbered by its first batch — and per sheet: read /
    inserted / updated / unchanged / quarantined, then notes and warnings."""
    lines: list[str] = []
    width = max([11, *(len(r.sheet) for r in results)])
    by_file: dict[str, list[SheetResult]] = {}
    for r in results:
        by_file.setdefault(r.file, []).append(r)
    for file, rows in by_file.items():
        written = [r for r in rows if r.batch_id is not None and not r.already_loaded]
        old = sorted({r.lot for r in rows if r.already_loaded and r.lot is not None})
        if written:
            span = f" — lô nhập (batch) {written[0].lot} ({len(written)} trang tính)"
        elif old:
            span = (f" — đã nạp trước đó (already loaded): lô {', '.join(map(str, old))}, "
                    f"không thay đổi gì (nothing changed)")
        else:
            span = ""
        lines.append(f"Tệp (file) {file}{span}")
        lines.append("  " + "trang tính".ljust(width) + "".join(vi.rjust(12) for vi, _ in COLUMNS))
        lines.append("  " + "sheet".ljust(width) + "".join(en.rjust(12) for _, en in COLUMNS))
        for r in rows:
            counts = (r.read, r.inserted, r.updated, r.unchanged, r.quarantined)
            lines.append("  " + r.sheet.ljust(width) + "".join(f"{n:>12}" for n in counts))
        for r in rows:
            if r.already_loaded and written:
                lines.append(f"  {r.sheet}: đã nạp trước đó (lô {r.lot}), không thay đổi gì "
                             "(already loaded, nothing changed)")
            lines.extend(f"  {note}" for note in r.notes)
            if r.source_sheet and r.source_sheet != r.sheet:
                lines.append(f"  {r.sheet}: đọc từ trang tính '{r.source_sheet}'")
            named = [c for c in r.extra_columns if c.get("header")]  # header-less: in notes
            if named:
                cols = ", ".join(f"\"{c['header']}\" (cột {c['column']})" for c in named)
                lines.append(f"  {r.sheet}: cột không thuộc mẫu, không nạp, đã ghi vào lô "
                             f"{r.lot} (extra columns): {cols}")
            if r.units_created:
                lines.append(f"  Đơn vị mới được tạo (units created): {', '.join(r.units_created)}")
            if r.quarantined:
                lines.append(f"  {r.sheet}: {r.quarantined} dòng bị cách ly (quarantined)")
        for lot in sorted({r.lot for r in rows if r.quarantined and r.lot is not None}):
            lines.append(f"  Xem dòng bị cách ly (see quarantined rows): parbook quarantine "
                         f"--batch {lot}")
    return "\n".join(lines)


def cmd_ingest(args: argparse.Namespace) -> int:
    progress = not getattr(args, "no_progress", False) and sys.stderr.isatty()
    try:
        results = ingest_files(args.files, url=args.db, unit=args.unit, profile=args.profile,
                               progress=progress, create_units=args.create_unit)
    except IngestError as exc:
        if exc.results:
            print(format_results(exc.results))
        raise
    print(format_results(results))
    return 0


def cmd_quarantine(args: argparse.Namespace) -> int:
    frame = quarantine_frame(args.db, args.batch)
    print(format_listing(frame))
    if args.xlsx:
        export_xlsx(frame, args.xlsx)
        print(f"Đã ghi {len(frame)} dòng ra {args.xlsx} (có dữ liệu cá nhân: chỉ dùng nội bộ để "
              f"sửa và nạp lại — contains personal data, internal use)")
    return 0
