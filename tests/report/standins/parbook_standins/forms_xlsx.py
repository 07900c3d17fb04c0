"""Stand-in of parbook.forms_xlsx (TEST DOUBLE): Biểu 06 as a plain table."""

from __future__ import annotations

from typing import Any

from parbook.privacy import spreadsheet_text


def write_bieu06_sheet(ws: Any, bieu06: Any, withdrawn: Any, meta: Any) -> Any:
    ws.append([spreadsheet_text(f"Biểu số 06/VPCP/KSTT — {meta['unit_name']} — {meta['period_label']}")])
    ws.append(list(bieu06.columns) + ["withdrawn"])
    for rec in bieu06.to_dict("records"):
        ws.append([spreadsheet_text(rec["field"]), *[int(rec[c]) for c in bieu06.columns[1:]],
                   int(withdrawn.get(rec["field"], 0))])
    return ws
