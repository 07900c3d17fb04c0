"""Plan tasks of the demo commune for the requirements R1–R48 of the 2024 PAR/SIPAS plan
(../shared/domain/plan-2024.md, Part 2).

Task ids read ``<plan_code>-<requirement_id>-<n>``. Schedules: ``Q`` a quarterly report due at
the end of each NĐ 09 quarter (14/3, 14/6, 14/9, 14/12), ``H`` half-yearly (14/6, 14/12), or an
annual task with its due date (month, day). Every clean task is done on or before its due date
with a piece of evidence. The titles are short labels; the plan loader owns the full wording.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from parbook.demo import profile
from parbook.demo.context import Context
from parbook.demo.times import DAY, wd_add

DEPARTMENTS = {
    "VPTK": "Văn phòng – Thống kê",
    "TP": "Tư pháp – Hộ tịch",
    "TCNS": "Tài chính – Ngân sách",
    "DC": "Địa chính – Xây dựng – Nông nghiệp – Môi trường",
    "VHXH": "Văn hóa – Xã hội",
    "QS": "Ban Chỉ huy Quân sự xã",
    "BPMC": "Bộ phận Tiếp nhận và Trả kết quả",
    "CT": "Chủ tịch UBND xã",
}

# requirement id, departments (one task each), schedule, title
REQUIREMENTS: list[tuple[str, tuple[str, ...], str | tuple[int, int], str]] = [
    ("R1", ("VPTK",), "Q", "Theo dõi thực hiện Kế hoạch CCHC năm (KH 25/KH-UBND)"),
    ("R2", ("VPTK",), (12, 20), "Tự chấm điểm Chỉ số CCHC, so sánh với năm trước"),
    ("R3", ("BPMC",), (12, 13), "Tổng hợp kết quả SIPAS của xã, so sánh với năm trước"),
    ("R4", ("VPTK",), "Q", "Tự kiểm tra công tác CCHC hằng quý"),
    ("R5", ("VPTK",), (2, 29), "Xác định nhiệm vụ trọng tâm, giải pháp CCHC của năm"),
    ("R6", ("CT",), (3, 8), "Văn bản chỉ đạo của Chủ tịch UBND xã về CCHC"),
    ("R7", ("VPTK",), (4, 26), "Giải pháp nâng điểm từng tiêu chí, tiêu chí thành phần"),
    ("R8", ("BPMC",), "Q", "Theo dõi tỷ lệ hồ sơ TTHC giải quyết đúng hạn (trên 95%)"),
    ("R9", ("VPTK",), (5, 31), "Rà soát sáng kiến năm trước, đề xuất sáng kiến CCHC"),
    ("R10", ("VPTK",), "Q", "Theo dõi, đôn đốc thực hiện ý kiến chỉ đạo của UBND huyện"),
    ("R11", ("VPTK",), (9, 27), "Tổ chức đối thoại với người dân, doanh nghiệp"),
    ("R12", ("BPMC",), "Q", "Tỷ lệ hồ sơ đúng hạn, trước hạn từ 95% trở lên"),
    ("R13", ("BPMC",), "H", "Nâng tỷ lệ hồ sơ TTHC xử lý trực tuyến"),
    ("R14", ("BPMC",), "H", "Đánh giá chất lượng giải quyết TTHC (TT 01/2018/TT-VPCP)"),
    ("R15", ("VPTK",), "Q", "Kiểm tra việc xin lỗi khi trễ hẹn"),
    ("R16", ("BPMC",), "H", "Khắc phục tình trạng yêu cầu bổ sung hồ sơ nhiều lần"),
    ("R17", ("TP",), "H", "Hạn chế chuyển xác minh không cần thiết"),
    ("R18", ("VPTK",), "Q", "Theo dõi việc gia hạn và xin lỗi của các bộ phận"),
    ("R19", ("VPTK",), "Q", "Bảo đảm 100% hồ sơ trễ hạn có thư xin lỗi"),
    ("R20", ("VPTK",), "Q", "Báo cáo các trường hợp trễ hẹn không xin lỗi"),
    ("R21", ("VPTK",), "H", "Theo dõi chấp hành kỷ luật, kỷ cương hành chính"),
    ("R22", ("TCNS",), (10, 31), "Báo cáo tự chủ biên chế, kinh phí; thu nhập tăng thêm"),
    ("R23", ("TCNS",), "Q", "Báo cáo thực hành tiết kiệm, quyết toán ngân sách"),
    ("R24", ("BPMC",), "Q", "Khảo sát mức độ hài lòng trên HueS ngay sau khi trả kết quả"),
    ("R25", ("BPMC",), (6, 28), "Đẩy mạnh cơ chế một cửa, một cửa liên thông"),
    ("R26", ("VPTK",), "Q", "Rà soát, khắc phục dữ liệu giải quyết TTHC"),
    ("R27", ("BPMC",), "H", "Đẩy mạnh trả kết quả qua dịch vụ BCCI"),
    ("R28", ("VPTK",), "Q", "Kiểm tra mỗi hồ sơ trễ hạn xin lỗi không quá một lần"),
    ("R29", ("VPTK",), "H", "Xử lý công chức giải quyết hồ sơ trễ hạn nhiều lần"),
    ("R30", ("VPTK",), (8, 30), "Xây dựng văn hóa công vụ lấy người dân làm trung tâm"),
    ("R31", ("VPTK",), "Q", "Tiếp nhận, xử lý phản ánh, kiến nghị về TTHC"),
    ("R32", ("VPTK",), "Q", "Báo cáo CCHC định kỳ gửi UBND huyện"),
    ("R33", ("VPTK",), "H", "Duy trì 5 phần mềm dùng chung"),
    ("R34", ("VPTK",), "Q", "Báo cáo kiểm soát TTHC, rà soát và đánh giá TTHC"),
    ("R35", ("VPTK",), "Q", "Báo cáo tình hình xử lý PAKN về quy định hành chính"),
    ("R36", ("VPTK",), (11, 15), "Các báo cáo về tổ chức bộ máy, biên chế, công chức"),
    ("R37", ("VPTK",), (9, 30), "Đề án vị trí việc làm và cơ cấu ngạch công chức"),
    ("R38", ("VPTK",), (1, 31), "Kế hoạch kiểm soát TTHC của năm"),
    ("R39", ("VPTK",), (10, 15), "Duy trì Hệ thống quản lý chất lượng TCVN ISO 9001:2015"),
    ("R40", ("TP",), "H", "Báo cáo công tác VBQPPL, theo dõi thi hành pháp luật"),
    ("R41", ("TP",), (8, 15), "Thu thập thông tin, kiểm tra tình hình thi hành pháp luật"),
    ("R42", ("TP",), (11, 29), "Rà soát, xử lý 100% VBQPPL theo thẩm quyền"),
    ("R43", ("TP",), (11, 29), "Xử lý 100% VBQPPL phát hiện sai phạm qua kiểm tra"),
    ("R44", ("TP", "TCNS", "DC", "VHXH", "QS"), (11, 29),
     "Triển khai các tiêu chí, tiêu chí thành phần theo lĩnh vực phụ trách"),
    ("R45", ("TCNS",), "H", "Báo cáo tự chủ kinh phí, giải ngân vốn đầu tư, quyết toán"),
    ("R46", ("TCNS",), "Q", "Công khai tình hình thực hiện dự toán ngân sách"),
    ("R47", ("DC", "VHXH", "QS"), (10, 31), "Rà soát TTHC liên quan, đề xuất sửa đổi"),
    ("R48", ("VHXH",), "Q", "Tuyên truyền chủ trương, văn bản về CCHC"),
]
QUARTER_LABELS = ("quý I", "quý II", "quý III", "quý IV")


def _schedule(schedule: str | tuple[int, int], year: int) -> list[tuple[date, str]]:
    if schedule == "Q":
        return [(date(year, 3 * q, 14), f"{QUARTER_LABELS[q - 1]}/{year}") for q in range(1, 5)]
    if schedule == "H":
        return [(date(year, 6, 14), f"6 tháng đầu năm {year}"), (date(year, 12, 14), f"năm {year}")]
    month, day = schedule
    day = min(day, 28) if month == 2 and year % 4 else day
    return [(date(year, month, day), f"năm {year}")]


def generate_plan_tasks(ctx: Context) -> pd.DataFrame:
    """Every task of the plan, done on time with evidence."""
    rows = []
    for req, depts, schedule, title in REQUIREMENTS:
        n = 0
        for due, label in _schedule(schedule, ctx.year):
            for dept in depts:
                n += 1
                rows.append({"task_id": f"{ctx.plan_code}-{req}-{n}", "requirement_id": req,
                             "department": DEPARTMENTS[dept], "title": f"{title} ({label})",
                             "due_date": due, "report": schedule in ("Q", "H")})
    tasks = pd.DataFrame(rows)
    rng = ctx.rng(8)
    due = tasks["due_date"].to_numpy().astype(DAY)
    done = wd_add(ctx.cal, due, -rng.integers(1, 9, size=len(tasks)))
    tasks["done_date"] = pd.to_datetime(done)
    numbers = pd.Series(np.arange(1, len(tasks) + 1), index=tasks.sort_values("done_date").index)
    tasks["number"] = numbers.sort_index() + 10
    tasks["evidence"] = [
        (f"Báo cáo số {num}/BC-UBND ngày {d:%d/%m/%Y}" if report
         else f"Văn bản số {num}/UBND-VP ngày {d:%d/%m/%Y}")
        for num, d, report in zip(tasks["number"], tasks["done_date"], tasks["report"], strict=True)
    ]
    tasks["unit_code"] = profile.UNIT_CODE
    tasks["plan_code"] = ctx.plan_code
    tasks["due_date"] = pd.to_datetime(tasks["due_date"])
    return tasks.drop(columns=["report", "number"])
