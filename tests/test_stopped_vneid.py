"""Status ``stopped`` (dừng giải quyết) and channel ``vneid`` (DESIGN.md §12): import, facts, forms."""

from __future__ import annotations

import pandas as pd
from openpyxl import load_workbook
from sqlalchemy import select

from parbook.analysis.forms import bieu06, withdrawn_beside
from parbook.analysis.measures import dossier_masks
from parbook.intake.ingest import ingest_files
from parbook.intake.template import write_template
from parbook.store import db
from parbook.store.init import init_database
from parbook.timeline.facts import build_facts
from parbook.timeline.periods import Window
from tests.builders import dossier, unit_data
from tests.messy import csv_bytes

HEADERS = ["Mã hồ sơ", "Mã đơn vị", "Mã TTHC", "Hình thức nộp", "Ngày tiếp nhận", "Ngày hẹn trả",
           "Ngày có kết quả", "Trạng thái"]


def test_import_reads_stopped_and_vneid(sqlite_url, tmp_path) -> None:
    init_database(sqlite_url, [{"unit_code": "X1"}])
    (tmp_path / "HoSo.csv").write_text(csv_bytes([
        HEADERS,
        ["HS-1", "X1", "2.001035", "VNeID", "01/08/2025 08:00", "05/08/2025", "04/08/2025 10:00",
         "Dừng giải quyết"],
        ["HS-2", "X1", "2.001035", "Ứng dụng VNeID", "01/08/2025 08:00", "05/08/2025", "",
         "Đang xử lý"],
        ["HS-3", "X1", "2.001035", "Trực tiếp", "01/08/2025 08:00", "05/08/2025", "", "Dừng"],
        ["HS-4", "X1", "2.001035", "Trực tiếp", "01/08/2025 08:00", "05/08/2025", "",
         "Rút hồ sơ"],
    ]), encoding="utf-8")
    result, = ingest_files([tmp_path / "HoSo.csv"], url=sqlite_url)
    assert (result.read, result.inserted, result.quarantined) == (4, 3, 1)
    with db.engine(sqlite_url).connect() as conn:
        rows = {r.dossier_code: (r.channel, r.status) for r in conn.execute(select(db.dossiers))}
        reasons = [r.reason for r in conn.execute(select(db.quarantine))]
    assert rows == {"HS-1": ("vneid", "stopped"), "HS-2": ("vneid", "processing"),
                    "HS-4": ("direct", "withdrawn")}     # withdrawn without a date: as before
    assert reasons == ['Hồ sơ "Dừng giải quyết" thiếu "Ngày có kết quả" (ngày dừng giải quyết '
                       "ghi trên Thông báo dừng giải quyết hồ sơ, bắt buộc)"]


def test_template_lists_the_new_words(tmp_path) -> None:
    wb = load_workbook(write_template(tmp_path / "mau.xlsx"))
    words = {c.value for row in wb["DanhSach"].iter_rows() for c in row if c.value}
    assert {"Dừng giải quyết", "VNeID"} <= words
    guide = " ".join(str(c.value) for row in wb["HuongDan"].iter_rows() for c in row if c.value)
    assert "Dừng giải quyết / Dừng (stopped)" in guide
    assert "VNeID / Ứng dụng VNeID (vneid)" in guide


def window_facts(as_of: str | None = None) -> pd.DataFrame:
    return build_facts(unit_data([
        dossier("STOP", received="2025-08-01 08:00", due="2025-08-05", finished="2025-08-04 10:00",
                status="stopped"),
        dossier("LATER", received="2025-08-01 08:00", due="2025-08-05",
                finished="2025-09-20 10:00", status="stopped"),
        dossier("APP", received="2025-08-01 08:00", due="2025-08-05", finished="2025-08-04 10:00",
                status="done", channel="vneid"),
        dossier("WEB", received="2025-08-01 08:00", due="2025-08-05", status="processing",
                channel="online"),
    ]), Window.parse("2025-Q3", as_of=as_of))


def test_stopped_is_beside_the_form_and_vneid_is_online() -> None:
    f = window_facts()
    assert f.loc["STOP", "withdrawn"] and f.loc["STOP", "timeliness"] == "stopped"
    # stopped after the as-of date (14/9/2025): still being processed then, and overdue
    assert not f.loc["LATER", "withdrawn"]
    assert f.loc["LATER", "timeliness"] == "pending_overdue"
    total = bieu06(f).set_index("field").loc["TOTAL"]
    assert (total["received_total"], total["received_online"],
            total["received_direct_postal"]) == (3, 2, 1)
    assert withdrawn_beside(f)["TOTAL"] == 1
    num, den = dossier_masks(f)["online_rate"]
    assert (int(num.sum()), int(den.sum())) == (2, 3)
    num, den = dossier_masks(f)["ontime_rate"]
    assert (int(num.sum()), int(den.sum())) == (1, 1)
