"""A small commune database for report tests: 2024-Q3 (nd09), a few dozen dossiers, every register.

The applicants' names, phone numbers and addresses are fictitious and listed in ``PERSONAL`` so
tests can scan every output for them. Some texts from data are hostile on purpose: a handler and
a PAKN subject hold ``<script>alert(1)</script>``, a department starts with ``=`` (a spreadsheet
formula).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from parbook.store import db
from parbook.store.init import init_database
from parbook.timeline.calendar import WorkCalendar

UNIT = "XA-THU"
PERIOD = "2024-Q3"
XSS = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://example.invalid","x")'
NAMES = ["Lê Thị Quỳnh Giao", "Trịnh Văn Khải Hoàn", "Đặng Thị Mỹ Duyên", "Vũ Văn Thạch Sanh",
         "Nguyễn Thị Bích Ngọc", "Phùng Văn Đức Trọng", "Hà Thị Thu Thủy", "Tạ Văn Quang Vinh"]
PHONES = ["0912 345 678", "0935.111.222", "+84 987 654 321", "0905-246-813", "0978123456",
          "098 765 43", "0868 777 999", "0399 888 111"]
ADDRESSES = ["Thôn Đông Xuyên Hạ, xã Thử Nghiệm", "Tổ 7 khu phố Bàu Sen Thượng",
             "Xóm Giếng Đá Ong, thôn Tây", "Số 18 kiệt 4 đường Hồ Nước Ngọt"]


@dataclass
class Fixture:
    """What the fixture holds, for assertions computed independently of the code under test."""

    url: str
    unit: str = UNIT
    period: str = PERIOD
    settled: int = 0
    ontime: int = 0
    personal: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ontime_rate(self) -> float:
        return self.ontime / self.settled


def code(day: date, n: int, prefix: str = "000") -> str:
    return f"{prefix}.17.22.H57-{day:%y%m%d}-{n:04d}"


def build(url: str, unit: str = UNIT, unit_name: str = "Xã Thử Nghiệm", scale: int = 1,
          prefix: str = "000") -> Fixture:
    """Create the schema, the unit and its rows; returns the expected on-time figures.

    ``scale`` repeats the dossier pattern (for benchmarks); ``prefix`` (3 characters) keeps the
    dossier codes of several units apart in one database.
    """
    init_database(url, [{"unit_code": unit, "unit_name": unit_name, "district": "Huyện Kiểm Tra",
                         "province": "Thừa Thiên Huế"}])
    cal = WorkCalendar.default()
    dossiers: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    surveys: list[dict[str, Any]] = []
    counter = [0]

    def add(received: datetime, kind: str, procedure: str = "2.001035", channel: str = "direct",
            **extra: Any) -> dict[str, Any]:
        counter[0] += 1
        n = counter[0]
        due = cal.add_working_days(cal.next_working_day(received.date()), 2)
        row = {"dossier_code": code(received.date(), n, prefix), "unit_code": unit,
               "procedure_code": procedure,
               "applicant_name": NAMES[n % len(NAMES)], "applicant_phone": PHONES[n % len(PHONES)],
               "applicant_address": ADDRESSES[n % len(ADDRESSES)], "channel": channel,
               "received_at": received, "due_at": datetime.combine(due, datetime.min.time()),
               "status": "processing", "handler": [XSS, "Nguyễn Văn Cán", "Trần Thị Bộ"][n % 3],
               "department": "Tư pháp – Hộ tịch", "digitized": n % 2 == 0, "electronic_result": n % 3 == 0,
               "result_delivery": "counter"}
        finished = {"early": cal.add_working_days(due, -1), "on_time": due,
                    "late": due + timedelta(days=2)}.get(kind)
        if finished is not None:
            row.update(status="done", finished_at=datetime.combine(finished, datetime.min.time()) +
                       timedelta(hours=10), returned_at=datetime.combine(finished, datetime.min.time()) +
                       timedelta(hours=15))
            surveys.append({"survey_id": f"{prefix}-PKS-{n:04d}", "dossier_code": row["dossier_code"],
                            "surveyed_at": row["returned_at"] + timedelta(minutes=5), "channel": "HueS",
                            "access": 5, "procedure": 4, "staff": 5 if n % 4 else 3, "result": 4,
                            "feedback_handling": 4, "overall": 5})
        row.update(extra)
        dossiers.append(row)
        return row

    start = date(2024, 7, 1)
    days = [d for d in (start + timedelta(days=i) for i in range(60)) if cal.is_working_day(d)]
    settled = ontime = 0
    for rep in range(scale):
        for i in range(10):
            add(datetime.combine(days[i], datetime.min.time()) + timedelta(hours=9), "early",
                channel="online" if i % 3 == 0 else "direct")
            settled, ontime = settled + 1, ontime + 1
        for i in range(6):
            add(datetime.combine(days[10 + i], datetime.min.time()) + timedelta(hours=14), "on_time",
                channel="postal" if i == 0 else "direct")
            settled, ontime = settled + 1, ontime + 1
        for i in range(4):
            row = add(datetime.combine(days[20 + i], datetime.min.time()) + timedelta(hours=8), "late")
            settled += 1
            if i:  # one late dossier without apology (HS08)
                events.append({"event_id": f"{prefix}-E-AP-{rep}-{i}", "dossier_code": row["dossier_code"],
                               "event_type": "apology",
                               "event_at": row["due_at"] - timedelta(days=1) + timedelta(hours=9),
                               "new_due_at": row["finished_at"], "reason": "Cần xác minh thêm"})
        rejected = add(datetime(2024, 8, 5, 9), "early", status="rejected")
        events.append({"event_id": f"{prefix}-E-RJ-{rep}", "dossier_code": rejected["dossier_code"],
                       "event_type": "rejection", "event_at": rejected["finished_at"],
                       "reason": "Không đủ điều kiện"})
        add(datetime(2024, 8, 6, 9), "early", procedure="9.999999")          # HS02 unknown procedure
        settled, ontime = settled + 2, ontime + 2
        carried = add(datetime(2024, 6, 13, 9), "on_time")                    # carried over, on time
        settled, ontime = settled + 1, ontime + 1
        add(datetime(2024, 9, 12, 9), "pending", channel="online")            # pending within
        add(datetime(2024, 9, 12, 10), "pending")
        add(datetime(2024, 9, 13, 9), "pending")
        add(datetime(2024, 9, 5, 9), "pending")                               # pending overdue
        add(datetime(2024, 9, 6, 9), "pending", channel="online")
        add(datetime(2024, 7, 8, 9), "withdrawn", status="withdrawn", finished_at=datetime(2024, 7, 9, 9))
        add(datetime(2024, 8, 7, 9), "early", department=FORMULA)
        settled, ontime = settled + 1, ontime + 1
        events.append({"event_id": f"{prefix}-E-SR-{rep}", "dossier_code": carried["dossier_code"],
                       "event_type": "supplement_request", "event_at": datetime(2024, 6, 13, 10),
                       "stage": "reception"})
    surveys.append({"survey_id": f"{prefix}-PKS-BAD", "dossier_code": dossiers[0]["dossier_code"],
                    "surveyed_at": datetime(2024, 7, 20, 9), "channel": "HueS", "access": 7,
                    "procedure": 4, "staff": 4, "result": 4, "feedback_handling": 4, "overall": 4})
    feedback = [
        {"feedback_id": f"{prefix}-PA-1", "unit_code": unit, "received_at": datetime(2024, 7, 2, 9),
         "channel": "Hộp thư", "subject": "Đề nghị niêm yết thủ tục", "in_scope": True,
         "resolved_at": datetime(2024, 7, 8, 9), "outcome": "Đã niêm yết", "about_staff": False},
        {"feedback_id": f"{prefix}-PA-2", "unit_code": unit, "received_at": datetime(2024, 8, 1, 9),
         "channel": "Cổng DVC", "subject": XSS + " phản ánh chậm trả kết quả", "in_scope": True,
         "resolved_at": None, "about_staff": True, "dossier_code": dossiers[20]["dossier_code"]},
        {"feedback_id": f"{prefix}-PA-3", "unit_code": unit, "received_at": datetime(2024, 8, 20, 9),
         "channel": "Trực tiếp", "subject": "Kiến nghị về đất đai", "in_scope": False,
         "resolved_at": datetime(2024, 8, 22, 9), "about_staff": False},
    ]
    legal = [
        {"document_id": f"{prefix}-01/2023/QĐ-UBND", "unit_code": unit, "title": "Quy chế một cửa",
         "issued_at": date(2023, 3, 1), "reviewed_at": date(2024, 7, 1), "review_result": "valid"},
        {"document_id": f"{prefix}-02/2023/QĐ-UBND", "unit_code": unit, "title": "Quy định phí chợ",
         "issued_at": date(2023, 5, 1), "reviewed_at": date(2024, 7, 1), "review_result": "amend"},
        {"document_id": f"{prefix}-03/2024/QĐ-UBND", "unit_code": unit, "title": "Quy chế văn hóa",
         "issued_at": date(2024, 2, 1)},
    ]
    tasks = [
        {"task_id": f"{prefix}-kh-par-sipas-2024-R1-1", "unit_code": unit, "plan_code": "kh-par-sipas-2024",
         "requirement_id": "R1", "department": "Văn phòng – Thống kê", "title": "Báo cáo CCHC quý II",
         "due_date": date(2024, 6, 14), "done_date": date(2024, 6, 12), "evidence": "BC 12/BC-UBND"},
        {"task_id": f"{prefix}-kh-par-sipas-2024-R2-1", "unit_code": unit, "plan_code": "kh-par-sipas-2024",
         "requirement_id": "R2", "department": "Tư pháp", "title": "Rà soát văn bản QPPL",
         "due_date": date(2024, 8, 15)},
        {"task_id": f"{prefix}-kh-par-sipas-2024-R3-1", "unit_code": unit, "plan_code": "kh-par-sipas-2024",
         "requirement_id": "R3", "department": "Bộ phận TN&TKQ", "title": "Khảo sát SIPAS quý III",
         "due_date": date(2024, 9, 10), "done_date": date(2024, 9, 9)},
        {"task_id": f"{prefix}-kh-par-sipas-2024-R1-2", "unit_code": unit, "plan_code": "kh-par-sipas-2024",
         "requirement_id": "R1", "department": "Văn phòng – Thống kê", "title": "Báo cáo CCHC quý III",
         "due_date": date(2024, 9, 20)},
        {"task_id": f"{prefix}-kh-par-sipas-2024-R4-1", "unit_code": unit, "plan_code": "kh-par-sipas-2024",
         "requirement_id": "R4", "department": "Văn phòng – Thống kê", "title": "Đối thoại với người dân",
         "due_date": date(2024, 11, 30)},
    ]
    scores = [{"unit_code": unit, "year": 2024, "criterion_id": "1.1", "score": 2.0, "evidence": "KH 25"},
              {"unit_code": unit, "year": 2024, "criterion_id": "1.2", "score": 1.0}]
    with db.begin(url) as conn:
        for table, rows in ((db.dossiers, dossiers), (db.dossier_events, events), (db.surveys, surveys),
                            (db.feedback, feedback), (db.legal_documents, legal), (db.plan_tasks, tasks),
                            (db.self_scores, scores)):
            cols = [c.name for c in table.columns]
            conn.execute(table.insert(), [{c: r.get(c) for c in cols} for r in rows])
    personal = {
        "names": sorted({r["applicant_name"] for r in dossiers}),
        "phones": sorted({r["applicant_phone"] for r in dossiers}),
        "addresses": sorted({r["applicant_address"] for r in dossiers}),
    }
    return Fixture(url=url, unit=unit, settled=settled, ontime=ontime, personal=personal)
