"""The internal follow-up list WITH personal data (``parbook report --include-personal-data``).

Staff following up late or defective dossiers need to call the applicant: this list joins the
dossier findings with applicant names and phone numbers. It is an explicit opt-in, logged and
recorded in the manifest, written only under ``noi-bo/`` and marked internal on every sheet;
the district report, the notebooks and every other output stay without personal data (NĐ 13/2023,
data minimisation: no addresses, only the dossiers with findings).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from sqlalchemy import select

from parbook.report.workbook import cell_value, write_table
from parbook.store import db
from parbook.timeline.periods import Window

FOLLOWUP_FILE = "NOI-BO_danh-sach-theo-doi-co-du-lieu-ca-nhan.xlsx"
BANNER = ("TÀI LIỆU NỘI BỘ — CÓ DỮ LIỆU CÁ NHÂN (NĐ 13/2023/NĐ-CP). Chỉ dùng để liên hệ, xử lý hồ sơ; "
          "KHÔNG gửi kèm báo cáo, không chia sẻ ra ngoài.")
HEADERS = {"dossier_code": "Mã hồ sơ", "checks": "Mã kiểm tra", "messages": "Nội dung cần xử lý",
           "applicant_name": "Người nộp", "applicant_phone": "Số điện thoại"}


def followup_frame(findings: pd.DataFrame, url: str | None = None) -> pd.DataFrame:
    """One row per dossier with findings: codes, messages, applicant name and phone (unmasked)."""
    dossier = findings[findings["entity"] == "dossier"]
    if dossier.empty:
        return pd.DataFrame(columns=list(HEADERS))
    grouped = dossier.groupby("record_key", sort=True).agg(
        checks=("check_id", lambda s: ", ".join(sorted(set(s)))),
        messages=("message", lambda s: " | ".join(s)))
    codes = grouped.index.astype(str).tolist()
    d = db.dossiers.c
    rows = []
    with db.engine(url).connect() as conn:
        for start in range(0, len(codes), 500):
            chunk = codes[start:start + 500]
            rows += conn.execute(select(d.dossier_code, d.applicant_name, d.applicant_phone)
                                 .where(d.dossier_code.in_(chunk))).all()
    people = pd.DataFrame(rows, columns=["dossier_code", "applicant_name", "applicant_phone"])
    out = grouped.rename_axis("dossier_code").reset_index().merge(people, on="dossier_code", how="left")
    return out[list(HEADERS)]


def write_followup_list(findings_csv: Path, unit_code: str, window: Window, path: Path,
                        url: str | None = None) -> int:
    """Write the internal list next to the report; returns the number of dossiers listed."""
    findings = pd.read_csv(findings_csv, dtype=str, keep_default_na=False)
    frame = followup_frame(findings, url)
    wb = Workbook()
    ws = wb.active
    ws.title = "NOI BO - KHONG GUI"
    ws.append([cell_value(BANNER)])
    ws.cell(row=1, column=1).font = Font(bold=True, color="C00000", size=13)
    ws.cell(row=1, column=1).fill = PatternFill("solid", fgColor="FFF2CC")
    ws.append([cell_value(f"Đơn vị {unit_code} — {window.label_vi()} "
                          f"({window.start:%d/%m/%Y}–{window.end:%d/%m/%Y}, chốt {window.as_of:%d/%m/%Y})")])
    ws.append([])
    write_table(ws, frame, headers=HEADERS, mask=False)  # the one file that carries them
    ws.oddHeader.center.text = "TÀI LIỆU NỘI BỘ — CÓ DỮ LIỆU CÁ NHÂN"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return len(frame)
