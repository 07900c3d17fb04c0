"""Import of an N-dossier workbook (+ events) into a fresh SQLite database, against the floor of
merely reading the same file with openpyxl (read-only, values only). Target: ratio ≤ 2 and peak
memory ≤ 1 GiB. Each run is a fresh process (bench.harness); runs are interleaved, median of 3.

Two files with the same content: as openpyxl writes it (text inline in each cell, slow to read)
and as Excel saves it (text in a shared-strings table, read about twice as fast): the second
floor is lower, so it is the harder ratio for our own per-row work.

``python -m bench --only ingest`` or ``python bench/bench_ingest.py [--quick]``.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench.harness import ROOT, compare
from bench.synth import UNIT, dossier_tables

CACHE = Path(tempfile.gettempdir()) / "parbook-bench"
TARGET_RATIO = 2.0
MEMORY_LIMIT_MB = 1024
FAMILY = np.array(["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng"])
GIVEN = np.array(["Văn An", "Thị Bình", "Minh Châu", "Đức Dũng", "Thị Hoa", "Quốc Huy",
                  "Thị Lan", "Văn Long", "Ngọc Mai", "Thanh Tùng"])


def build_workbook(path: Path, n: int, seed: int = 1) -> Path:
    """The import workbook of n synthetic dossiers (every HoSo column) and their events."""
    if path.exists():
        return path
    from parbook.intake.template import write_workbook

    tables = dossier_tables(n, seed)
    dossiers = tables["dossiers"].copy()
    rng = np.random.default_rng(seed + 1)
    m = len(dossiers)
    dossiers["applicant_name"] = (rng.choice(FAMILY, m).astype(object) + " "
                                  + rng.choice(GIVEN, m).astype(object))
    dossiers["applicant_phone"] = [f"09{x:08d}" for x in rng.integers(0, 10**8, m)]
    dossiers["applicant_address"] = [f"Thôn {x}, xã Đo Hiệu Năng" for x in rng.integers(1, 12, m)]
    dossiers["result_delivery"] = rng.choice(["counter", "postal", "online"], m)
    dossiers["handler"] = rng.choice(["Trần Thị Bình", "Lê Văn Cường", "Phạm Thu Dung"], m)
    dossiers["department"] = "Tư pháp – Hộ tịch"
    dossiers["note"] = np.where(rng.random(m) < 0.1, "Hồ sơ có ghi chú", None)
    events = tables["dossier_events"].copy()
    events["reason"] = np.where(events["event_type"] == "apology", "Cần xác minh thêm", None)
    write_workbook(path, {"HoSo": dossiers, "SuKien": events})
    return path


INLINE_RE = re.compile(r'<c ([^>]*?)t="inlineStr"([^>]*)><is><t(?: [^>]*)?>(.*?)</t></is></c>',
                       re.S)
SST_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
SST_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def shared_strings_copy(src: Path, dst: Path) -> Path:
    """The same workbook as Excel saves it: text cells point into xl/sharedStrings.xml."""
    if dst.exists():
        return dst
    table: dict[str, int] = {}

    def shared(m: re.Match) -> str:
        index = table.setdefault(m.group(3), len(table))
        return f'<c {m.group(1)}t="s"{m.group(2)}><v>{index}</v></c>'

    tmp = dst.with_suffix(".tmp")
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = INLINE_RE.sub(shared, data.decode("utf-8")).encode("utf-8")
            elif item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", f'<Override PartName="/xl/sharedStrings.xml" '
                                    f'ContentType="{SST_CONTENT}"/></Types>'.encode())
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", f'<Relationship Type="{SST_TYPE}" '
                                    f'Target="/xl/sharedStrings.xml" Id="rIdSst"/>'
                                    f"</Relationships>".encode())
            zout.writestr(item, data)
        items = "".join(f'<si><t xml:space="preserve">{text}</t></si>' for text in table)
        zout.writestr("xl/sharedStrings.xml",
                      f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns='
                      f'"{MAIN_NS}" count="{len(table)}" uniqueCount="{len(table)}">{items}</sst>')
    tmp.rename(dst)
    return dst


def ours(path: str) -> Callable[[], Any]:
    """Set-up (not timed): a fresh SQLite database with the schema and reference data."""
    from parbook.intake.ingest import ingest_files
    from parbook.store.init import init_database

    db_path = Path(tempfile.mkdtemp(prefix="parbook-bench-ingest-")) / "bench.sqlite"
    url = f"sqlite:///{db_path}"
    init_database(url, [{"unit_code": UNIT}])

    def run() -> None:
        results = ingest_files([path], url=url)
        assert sum(r.inserted for r in results) > 0 and not any(r.quarantined for r in results)

    return run


def floor(path: str) -> Callable[[], Any]:
    import openpyxl

    def run() -> None:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for ws in wb.worksheets:
            for _ in ws.iter_rows(values_only=True):
                pass
        wb.close()

    return run


def run(quick: bool, sizes: list[int] | None = None) -> list[dict[str, Any]]:
    CACHE.mkdir(exist_ok=True)
    sizes = sizes or ([5_000] if quick else [100_000])
    results = []
    for n in sizes:
        inline = CACHE / f"ingest-{n}.xlsx"
        if not inline.exists():  # in a child: a big parent would inflate the children's peak RSS
            subprocess.run([sys.executable, "-c", "import sys; from bench.bench_ingest import "
                            "build_workbook as b; b(__import__('pathlib').Path(sys.argv[1]), "
                            "int(sys.argv[2]))", str(inline), str(n)], cwd=ROOT, check=True)
        shared = shared_strings_copy(inline, CACHE / f"ingest-{n}-sst.xlsx")
        for label, path in (("openpyxl-written", inline), ("Excel-style strings", shared)):
            row = compare(f"ingest {n:,} dossiers, {label}", "bench.bench_ingest:ours",
                          "bench.bench_ingest:floor", target=TARGET_RATIO, shared=quick,
                          path=str(path))
            row["passed"] = row["passed"] and row["peak_mb"] <= MEMORY_LIMIT_MB
            results.append(row)
    return results


if __name__ == "__main__":
    for r in run("--quick" in sys.argv):
        print(r)
