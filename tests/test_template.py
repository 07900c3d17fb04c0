"""The import workbook: contract headers and words, drop-downs, formats; write_workbook round trip."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
from openpyxl import load_workbook

from parbook.intake.ingest import ingest_files
from parbook.intake.rows import event_id
from parbook.intake.template import write_template, write_workbook
from parbook.intake.vocab import SHEETS, VOCABULARIES
from parbook.store import db
from parbook.store.init import init_database

# DESIGN.md §4, copied verbatim: the contract the workbook must follow.
CONTRACT = """
DanhMucTTHC | Mã TTHC → procedure_code · Tên TTHC → procedure_name · Lĩnh vực → field · Thời hạn giải quyết → processing_time_value · Đơn vị thời hạn → processing_time_unit · Số ngày xác minh → verification_extra_days · Phí, lệ phí → fee · Mức độ DVC trực tuyến → online_level · Bộ phận → department
HoSo | Mã hồ sơ → dossier_code · Mã đơn vị → unit_code · Mã TTHC → procedure_code · Người nộp → applicant_name · Số điện thoại → applicant_phone · Địa chỉ → applicant_address · Hình thức nộp → channel · Ngày tiếp nhận → received_at · Ngày hẹn trả → due_at · Ngày có kết quả → finished_at · Ngày trả kết quả → returned_at · Hình thức trả kết quả → result_delivery · Trạng thái → status · Cán bộ xử lý → handler · Bộ phận → department · Số hóa → digitized · Kết quả điện tử → electronic_result · Ghi chú → note
SuKien | Mã hồ sơ → dossier_code · Loại sự kiện → event_type · Thời điểm → event_at · Ngày hẹn mới → new_due_at · Lý do → reason · Giai đoạn → stage
PAKN | Mã PAKN → feedback_id · Mã đơn vị → unit_code · Ngày tiếp nhận → received_at · Kênh → channel · Nội dung → subject · Mã hồ sơ → dossier_code · Thuộc thẩm quyền → in_scope · Ngày xử lý xong → resolved_at · Kết quả → outcome · Về thái độ cán bộ → about_staff · Hài lòng → satisfied
DanhGia | Mã phiếu → survey_id · Mã hồ sơ → dossier_code · Ngày đánh giá → surveyed_at · Kênh → channel · Tiếp cận dịch vụ → access · Thủ tục hành chính → procedure · Công chức → staff · Kết quả → result · Tiếp nhận PAKN → feedback_handling · Tổng thể → overall
VBQPPL | Số, ký hiệu → document_id · Mã đơn vị → unit_code · Trích yếu → title · Ngày ban hành → issued_at · Ngày rà soát → reviewed_at · Kết quả rà soát → review_result · Ngày xử lý → handled_at · Hình thức xử lý → handling
NhiemVu | Mã nhiệm vụ → task_id · Mã đơn vị → unit_code · Kế hoạch → plan_code · Yêu cầu → requirement_id · Bộ phận chủ trì → department · Nội dung → title · Hạn hoàn thành → due_date · Ngày hoàn thành → done_date · Tài liệu kiểm chứng → evidence
TuChamDiem | Mã đơn vị → unit_code · Năm → year · Mã tiêu chí → criterion_id · Điểm tự chấm → score · Tài liệu kiểm chứng → evidence · Ghi chú → note
"""  # noqa: E501

CONTRACT_WORDS = {
    # §4, plus §12: channel VNeID / Ứng dụng VNeID → vneid; status Dừng giải quyết / Dừng → stopped
    "channel": "Trực tiếp → direct · Trực tuyến → online · Bưu chính công ích / BCCI → postal · "
               "VNeID / Ứng dụng VNeID → vneid",
    "result_delivery": "Tại Bộ phận Một cửa / Trực tiếp → counter · Bưu chính công ích / BCCI → "
                       "postal · Trực tuyến → online",
    "status": "Đang xử lý → processing · Chờ bổ sung → supplementing · Tạm dừng → paused · Đã có "
              "kết quả / Đã giải quyết / Đã trả kết quả → done · Từ chối → rejected · Rút hồ sơ / "
              "Công dân rút → withdrawn · Dừng giải quyết / Dừng → stopped",
    "event_type": "Yêu cầu bổ sung → supplement_request · Nhận bổ sung → supplement_received · "
                  "Xin lỗi / Xin lỗi, hẹn lại / Gia hạn → apology · Chuyển xác minh → "
                  "verification_transfer · Tạm dừng → pause · Tiếp tục → resume · Từ chối → "
                  "rejection",
    "stage": "Tiếp nhận → reception · Thẩm định / Giải quyết → appraisal",
    "processing_time_unit": "Ngày làm việc → working_days · Trong ngày → same_day · Ngay → "
                            "immediate",
    "online_level": "Toàn trình → full · Một phần → partial · Không → none",
    "review_result": "Còn hiệu lực → valid · Cần sửa đổi → amend · Cần bãi bỏ / Hết hiệu lực → "
                     "repeal",
}


def _contract() -> dict[str, list[tuple[str, str]]]:
    out = {}
    for line in CONTRACT.strip().splitlines():
        sheet, cols = line.split(" | ")
        out[sheet] = [tuple(part.split(" → ")) for part in cols.split(" · ")]
    return out


def test_sheets_follow_the_contract() -> None:
    assert {s.name: [(c.label, c.name) for c in s.columns] for s in SHEETS} == _contract()


def test_vocabularies_follow_the_contract() -> None:
    for name, text in CONTRACT_WORDS.items():
        expected = {}
        for part in text.split(" · "):
            words, code = part.split(" → ")
            expected[code] = tuple(words.split(" / "))
        assert VOCABULARIES[name] == expected, name


def test_template_layout(tmp_path) -> None:
    path = write_template(tmp_path / "mau.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["HuongDan", *(s.name for s in SHEETS), "DanhSach"]
    assert wb["DanhSach"].sheet_state == "hidden"
    lists = wb["DanhSach"]
    for spec in SHEETS:
        ws = wb[spec.name]
        assert [c.value for c in ws[1]] == [c.label for c in spec.columns]
        assert ws.freeze_panes == "A2" and all(c.font.bold for c in ws[1])
        validations = {str(dv.sqref).split(":")[0][:-1]: dv for dv in
                       ws.data_validations.dataValidation}
        for j, col in enumerate(spec.columns, start=1):
            letter = ws.cell(1, j).column_letter
            fmt = ws.column_dimensions[letter].number_format
            if col.kind == "datetime":
                assert fmt == "dd/mm/yyyy hh:mm"
            elif col.kind == "date":
                assert fmt == "dd/mm/yyyy"
            elif col.kind in ("code", "phone", "unit"):
                assert fmt == "@"
            if col.kind in ("vocab", "bool"):
                dv = validations.pop(letter)
                assert dv.type == "list"
                ref = dv.formula1.split("!")[1].replace("$", "")
                words = [c.value for row in lists[ref] for c in row]
                expected = ([w[0] for w in VOCABULARIES[col.vocabulary].values()]
                            if col.kind == "vocab" else ["Có", "Không"])
                assert words == expected, (spec.name, col.name)
        assert not validations, spec.name
    guide = [str(c.value) for row in wb["HuongDan"].iter_rows() for c in row if c.value]
    for spec in SHEETS:
        assert any(spec.name in text for text in guide)
        for col in spec.columns:
            assert col.label in guide and col.help in guide


def test_empty_template_imports_nothing(sqlite_url, tmp_path) -> None:
    init_database(sqlite_url)
    results = ingest_files([write_template(tmp_path / "mau.xlsx")], url=sqlite_url)
    assert [r.sheet for r in results] == [s.name for s in SHEETS]
    assert all((r.read, r.inserted, r.quarantined, r.batch_id) == (0, 0, 0, None)
               for r in results)


def _frames() -> dict[str, pd.DataFrame]:
    ts = pd.Timestamp
    dossiers = pd.DataFrame([
        dict(dossier_code="000.00.20.H57-240701-0001", unit_code="X1", procedure_code="1.000890",
             applicant_name="Nguyễn Thị Ánh", applicant_phone="0912345678",
             applicant_address="Thôn 1, xã An Lộc", channel="online",
             received_at=ts("2024-07-01 15:01:30"), due_at=ts("2024-07-03 17:00"),
             finished_at=ts("2024-07-03 09:15:45"), returned_at=ts("2024-07-03 10:00"),
             result_delivery="counter", status="done", handler="Trần Bình",
             department="Tư pháp – Hộ tịch", digitized=True, electronic_result=False,
             note="=HYPERLINK(\"x\") là chữ"),
        dict(dossier_code="000.00.20.H57-240702-0002", unit_code="X2", procedure_code="2.000635",
             applicant_name=None, applicant_phone="0087", applicant_address=None,
             channel="postal", received_at=ts("2024-07-02 08:00"), due_at=None, finished_at=None,
             returned_at=None, result_delivery="postal", status="supplementing", handler=None,
             department=None, digitized=False, electronic_result=True, note=None),
    ])
    events = pd.DataFrame([
        dict(event_id="x", dossier_code="000.00.20.H57-240702-0002",
             event_type="supplement_request", event_at=ts("2024-07-02 10:00"), new_due_at=None,
             reason="Thiếu giấy tờ", stage="appraisal"),
        dict(event_id="y", dossier_code="000.00.20.H57-240701-0001", event_type="apology",
             event_at=ts("2024-07-02 16:00:05"), new_due_at=ts("2024-07-05 17:00"),
             reason="Xác minh", stage=None),
    ])
    return {
        "procedures": pd.DataFrame([dict(
            procedure_code="9.000010", procedure_name="Thủ tục, thử", field="Thử",
            processing_time_value=3, processing_time_unit="working_days",
            verification_extra_days=None, fee=True, online_level="partial", department="VP")]),
        "HoSo": dossiers,
        "dossier_events": events,
        "PAKN": pd.DataFrame([dict(
            feedback_id="PA-1", unit_code="X1", received_at=ts("2024-07-05 09:00"),
            channel="Hộp thư", subject="Chậm", dossier_code="000.00.20.H57-240701-0001",
            in_scope=True, resolved_at=None, outcome=None, about_staff=False, satisfied=True)]),
        "surveys": pd.DataFrame([dict(
            survey_id="DG-1", dossier_code="KHONG-CO", surveyed_at=ts("2024-07-03 10:05"),
            channel="Kiosk", access=5, procedure=4, staff=5, result=3, feedback_handling=None,
            overall=9)]),
        "VBQPPL": pd.DataFrame([dict(
            document_id="05/2023/QĐ-UBND", unit_code="X1", title="Quy định", issued_at=date(2023, 3, 15),
            reviewed_at=date(2024, 4, 10), review_result="amend", handled_at=None,
            handling=None)]),
        "plan_tasks": pd.DataFrame([dict(
            task_id="NV-01", unit_code="X1", plan_code="kh-2024", requirement_id="R1",
            department="VP", title="Niêm yết", due_date=date(2024, 3, 31), done_date=None,
            evidence=None)]),
        "self_scores": pd.DataFrame([dict(unit_code="X1", year=2024, criterion_id="1.10",
                                          score=1.25, evidence="KH 05", note=None)]),
    }


def test_write_workbook_round_trip(any_db_url, tmp_path) -> None:
    init_database(any_db_url, [{"unit_code": "X1"}])
    frames = _frames()
    path = write_workbook(tmp_path / "du-lieu.xlsx", frames)
    results = ingest_files([path], url=any_db_url, create_units=True)   # X2 is not declared
    assert sum(r.quarantined for r in results) == 0
    assert sum(r.inserted for r in results) == sum(len(f) for f in frames.values())
    with db.engine(any_db_url).connect() as conn:
        for name, frame in frames.items():
            spec = next(s for s in SHEETS if name in (s.name, s.table.name))
            table = spec.table
            expected = frame.copy()
            if spec.derived_key:
                expected["event_id"] = [event_id(r.dossier_code, r.event_type, r.event_at,
                                                 r.stage) for r in frame.itertuples()]
            key = list(spec.key)
            mine = table.c[key[0]].in_([str(k) for k in expected[key[0]]])
            got = db.read_table(conn, table, mine, columns=list(expected.columns))
            got = got.sort_values(key).reset_index(drop=True)
            expected = db.coerce_frame(expected, table).sort_values(key).reset_index(drop=True)
            pd.testing.assert_frame_equal(got, expected, check_dtype=True, obj=name)
    # and it is idempotent
    again = ingest_files([path], url=any_db_url)
    assert sum(r.unchanged for r in again) == sum(len(f) for f in frames.values())


def test_write_workbook_cells(tmp_path) -> None:
    path = write_workbook(tmp_path / "x.xlsx", {"HoSo": _frames()["HoSo"]})
    ws = load_workbook(path)["HoSo"]
    header = [c.value for c in ws[1]]
    row = {h: c for h, c in zip(header, ws[2], strict=True)}
    assert row["Hình thức nộp"].value == "Trực tuyến" and row["Trạng thái"].value == "Đã có kết quả"
    assert row["Số hóa"].value == "Có" and row["Kết quả điện tử"].value == "Không"
    assert row["Ngày tiếp nhận"].value == datetime(2024, 7, 1, 15, 1, 30)
    assert row["Ngày tiếp nhận"].number_format == "dd/mm/yyyy hh:mm"
    assert row["Số điện thoại"].value == "0912345678" and row["Mã TTHC"].value == "1.000890"
    assert row["Ghi chú"].data_type == "s"                  # text, not a formula


def test_write_workbook_unknown_sheet(tmp_path) -> None:
    with pytest.raises(KeyError, match="unknown sheet"):
        write_workbook(tmp_path / "x.xlsx", {"Khac": pd.DataFrame()})
