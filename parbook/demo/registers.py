"""Clean registers beside the dossiers: SIPAS surveys, PAKN (feedback) and VBQPPL documents.

- Surveys: one per returned dossier, on the day of the return, right after it (plan R24).
- PAKN: about FEEDBACK_PER_YEAR a year, each resolved within 15 working days of receipt.
- VBQPPL: older documents reviewed in the year's first weeks and, where the review asks for it,
  handled soon after; documents of the year reviewed within the NĐ 09 quarter they are issued.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from parbook.demo import profile
from parbook.demo.context import Context
from parbook.demo.times import DAY, MINUTE, SEC, days_of, moment, next_window_end, wd_add
from parbook.demo.workdays import is_working
from parbook.law.rules import rules
from parbook.store.db import SURVEY_ELEMENTS

SURVEY_CHANNEL = {"online": "Ứng dụng Hue-S", "counter": "Thiết bị đánh giá tại Bộ phận Một cửa",
                  "postal": "Cổng Dịch vụ công tỉnh"}
FEEDBACK_CHANNELS = ["Hòm thư góp ý", "Đường dây nóng", "Cổng Dịch vụ công quốc gia",
                     "Ứng dụng Hue-S", "Trực tiếp tại Bộ phận Một cửa"]
# subject, about the staff's attitude
FEEDBACK_SUBJECTS = [
    ("Đề nghị hướng dẫn rõ thành phần hồ sơ đăng ký thường trú", False),
    ("Phản ánh thời gian chờ chứng thực bản sao vào buổi sáng quá lâu", False),
    ("Công chức tiếp nhận hồ sơ chưa niềm nở, hướng dẫn chưa tận tình", True),
    ("Đề nghị bố trí thêm ghế ngồi chờ tại Bộ phận Một cửa", False),
    ("Phản ánh việc hẹn trả kết quả chưa đúng ngày đã hẹn", False),
    ("Đề nghị niêm yết công khai mức phí chứng thực", False),
    ("Thái độ công chức khi trả kết quả chưa đúng mực", True),
    ("Đề nghị hướng dẫn nộp hồ sơ trực tuyến cho người cao tuổi", False),
    ("Kiến nghị về quy định xác nhận tình trạng hôn nhân", False),
]
OUTCOME_IN = ["Đã trả lời, giải quyết theo thẩm quyền",
              "Đã tiếp thu, chấn chỉnh và thông báo cho người phản ánh"]
OUTCOME_OUT = "Đã chuyển cơ quan có thẩm quyền (UBND huyện) xem xét, xử lý"

# kind of document, title (commune-level VBQPPL, fictitious)
DOCUMENTS = [
    ("NQ-HĐND", "Quy định mức hỗ trợ xây dựng đường giao thông nông thôn trên địa bàn xã"),
    ("QĐ-UBND", "Quy chế quản lý, sử dụng nhà văn hóa thôn"),
    ("NQ-HĐND", "Quy định thu gom, vận chuyển rác thải sinh hoạt trên địa bàn xã"),
    ("QĐ-UBND", "Quy chế phối hợp hòa giải ở cơ sở"),
    ("NQ-HĐND", "Quy định chế độ hỗ trợ cán bộ không chuyên trách ở thôn"),
    ("QĐ-UBND", "Quy chế quản lý chợ An Lộc"),
    ("NQ-HĐND", "Quy định mức chi hỗ trợ hoạt động khuyến học"),
    ("QĐ-UBND", "Quy định quản lý, bảo vệ công trình thủy lợi nội đồng"),
    ("NQ-HĐND", "Quy định phân cấp quản lý tài sản công của xã"),
    ("QĐ-UBND", "Quy chế tiếp công dân của UBND xã"),
    ("NQ-HĐND", "Quy định hỗ trợ phát triển sản xuất nông nghiệp"),
    ("QĐ-UBND", "Quy định giữ gìn trật tự, vệ sinh nơi công cộng"),
    ("NQ-HĐND", "Quy định mức hỗ trợ đóng bảo hiểm y tế cho người cao tuổi"),
    ("QĐ-UBND", "Quy chế hoạt động của Bộ phận Tiếp nhận và Trả kết quả"),
    ("NQ-HĐND", "Quy định chính sách khuyến khích xây dựng nông thôn mới kiểu mẫu"),
    ("QĐ-UBND", "Quy định quản lý nghĩa trang nhân dân trên địa bàn xã"),
    ("NQ-HĐND", "Quy định mức chi bảo đảm công tác phổ biến, giáo dục pháp luật"),
    ("QĐ-UBND", "Quy chế phối hợp bảo đảm an ninh trật tự thôn, tổ dân phố"),
]
DOCUMENTS_OF_THE_YEAR = 4
OLD_AMEND, OLD_REPEAL = 2, 1


def generate_surveys(ctx: Context, dossiers: pd.DataFrame) -> pd.DataFrame:
    """One survey per returned dossier, minutes after the return, the same day (column row).

    With a survey cut (the span demo's first commune-year), the returns up to the cut are
    surveyed exactly as the commune-year exported at the cut surveys them; later returns draw
    from a stream of their own, after them."""
    if ctx.survey_cut is None:
        return _surveys(ctx.rng(5), dossiers[dossiers["returned_at"].notna()])
    cut = pd.Timestamp(ctx.survey_cut)
    first = _surveys(ctx.rng(5), dossiers[dossiers["returned_at"] <= cut])
    later = _surveys(ctx.rng(15), dossiers[dossiers["returned_at"] > cut])
    later.index = later.index + len(first)
    return pd.concat([first, later])


def _surveys(rng: np.random.Generator, returned: pd.DataFrame) -> pd.DataFrame:
    k = len(returned)
    r = returned["returned_at"].to_numpy().astype(SEC)
    at = r + rng.integers(2, 90, size=k) * MINUTE
    at = np.minimum(at, days_of(r).astype(SEC) + np.timedelta64(86399, "s"))
    ratings = rng.choice(np.arange(1, 6), size=(k, len(SURVEY_ELEMENTS)), p=profile.SURVEY_RATING_P)
    out = pd.DataFrame(ratings, columns=list(SURVEY_ELEMENTS))
    out["overall"] = np.clip(np.rint(ratings.mean(axis=1)), 1, 5).astype("int64")
    out.insert(0, "row", returned.index.to_numpy())
    out.insert(1, "dossier_code", None)
    out.insert(2, "surveyed_at", at)
    out.insert(3, "channel", returned["result_delivery"].map(SURVEY_CHANNEL).to_numpy())
    return out


def generate_feedback(ctx: Context, dossiers: pd.DataFrame) -> pd.DataFrame:
    """PAKN of the export period, each resolved within the working-day limit (column row)."""
    rng = ctx.rng(6)
    cal = ctx.cal
    days = np.arange(np.datetime64(ctx.first_day, "D"), np.datetime64(ctx.last_day, "D") + 1)
    days = days[is_working(cal, days)]
    per_year = profile.FEEDBACK_PER_YEAR * (ctx.per_year / profile.DOSSIERS_PER_YEAR)
    n = int(rng.poisson(per_year * (ctx.last_day - ctx.first_day).days / 365.25))
    received = np.sort(moment(rng, np.sort(rng.choice(days, size=n))))
    subject = rng.integers(0, len(FEEDBACK_SUBJECTS), size=n)
    in_scope = rng.random(n) < 0.85
    limit = rules().feedback_limit_working_days
    resolved = moment(rng, wd_add(cal, days_of(received), rng.integers(1, limit - 2, size=n)),
                      received)
    resolved = np.where(resolved <= ctx.export_np, resolved, np.datetime64("NaT", "s"))
    # about a third concern a dossier received in the 60 days before
    d_recv = dossiers["received_at"].to_numpy().astype(SEC)
    hi = np.searchsorted(d_recv, received)
    lo = np.searchsorted(d_recv, received - np.timedelta64(60, "D"))
    pick = lo + np.floor(rng.random(n) * np.maximum(hi - lo, 1)).astype("int64")
    linked = (rng.random(n) < 0.35) & (hi > lo)
    outcome = np.where(in_scope, np.array(OUTCOME_IN, dtype=object)[rng.integers(0, 2, size=n)],
                       OUTCOME_OUT)
    years = pd.DatetimeIndex(received).year
    seq = pd.Series(1, index=range(n)).groupby(years).cumsum()
    return pd.DataFrame({
        "feedback_id": [f"PAKN-{ctx.id_tag}{y}-{s:03d}" for y, s in zip(years, seq, strict=True)],
        "unit_code": ctx.unit_code,
        "received_at": received,
        "channel": np.array(FEEDBACK_CHANNELS, dtype=object)[rng.integers(0, 5, size=n)],
        "subject": [FEEDBACK_SUBJECTS[s][0] for s in subject],
        "row": np.where(linked, dossiers.index.to_numpy()[np.minimum(pick, len(dossiers) - 1)], -1),
        "in_scope": in_scope,
        "resolved_at": resolved,
        "outcome": np.where(pd.isna(resolved), None, outcome),
        "about_staff": [FEEDBACK_SUBJECTS[s][1] for s in subject],
        "satisfied": np.where(pd.isna(resolved), None, rng.random(n) < 0.85),
    })


def generate_legal_documents(ctx: Context) -> pd.DataFrame:
    """The VBQPPL register: every document reviewed, and handled where the review asks for it."""
    rng = ctx.rng(7)
    cal = ctx.cal
    year = ctx.year
    n_old = len(DOCUMENTS) - DOCUMENTS_OF_THE_YEAR
    old_days = np.arange(np.datetime64(f"{year - 8}-03-01", "D"), np.datetime64(f"{year - 1}-11-30", "D"))
    new_days = np.arange(np.datetime64(f"{year}-01-15", "D"), np.datetime64(f"{year}-11-15", "D"))
    new_days = new_days[next_window_end(new_days) - new_days >= np.timedelta64(21, "D")]
    issued = np.concatenate([np.sort(rng.choice(old_days, size=n_old, replace=False)),
                             np.sort(rng.choice(new_days, size=DOCUMENTS_OF_THE_YEAR, replace=False))])
    issued = wd_add(cal, issued, 0)
    old = np.arange(len(DOCUMENTS)) < n_old
    # older documents: the year's systematic review, early in the first quarter
    review_old = wd_add(cal, np.full(len(DOCUMENTS), np.datetime64(f"{year}-01-08", "D")),
                        rng.integers(0, 25, size=len(DOCUMENTS)))
    review_new = np.minimum(wd_add(cal, issued, rng.integers(3, 11, size=len(DOCUMENTS))),
                            wd_add(cal, next_window_end(issued), -1))
    reviewed = np.where(old, review_old, review_new)
    result = np.array(["valid"] * len(DOCUMENTS), dtype=object)
    needing = rng.choice(n_old, size=OLD_AMEND + OLD_REPEAL, replace=False)
    result[needing[:OLD_AMEND]] = "amend"
    result[needing[OLD_AMEND:]] = "repeal"
    handled = np.minimum(wd_add(cal, reviewed, rng.integers(5, 15, size=len(DOCUMENTS))),
                         wd_add(cal, next_window_end(reviewed), -1))
    handled = np.where(result != "valid", handled, np.datetime64("NaT", "D"))
    handling = np.select(
        [result == "amend", result == "repeal"],
        ["Đã trình HĐND/UBND xã ban hành văn bản sửa đổi, bổ sung",
         "Đã ban hành văn bản bãi bỏ"], default=None)
    years = pd.DatetimeIndex(issued).year
    kinds = [k for k, _ in DOCUMENTS]
    numbers = pd.Series(1, index=range(len(DOCUMENTS))).groupby([years, kinds]).cumsum()
    return pd.DataFrame({
        "document_id": [f"{num:02d}/{y}/{k}" for num, y, k in zip(numbers, years, kinds, strict=True)],
        "unit_code": profile.UNIT_CODE,
        "title": [t for _, t in DOCUMENTS],
        "issued_at": pd.to_datetime(issued),
        "reviewed_at": pd.to_datetime(reviewed.astype(DAY)),
        "review_result": result,
        "handled_at": pd.to_datetime(handled),
        "handling": handling,
    })


def generate_span_documents(ctx: Context, per_year: int = 8) -> pd.DataFrame:
    """The documents a span segment issues: ``per_year`` a year, each reviewed within its NĐ 09
    quarter and, where the review asks for it, handled before the quarter's end; none after the
    segment's last day (the register before the segment is its first commune-year's)."""
    rng = ctx.rng(7)
    cal = ctx.cal
    rows = []
    for y in ctx.years:
        last = min(np.datetime64(f"{y}-11-15", "D"),
                   np.datetime64(ctx.last_day, "D") - np.timedelta64(45, "D"))
        days = np.arange(np.datetime64(f"{y}-01-15", "D"), last)
        days = days[next_window_end(days) - days >= np.timedelta64(21, "D")]
        issued = wd_add(cal, np.sort(rng.choice(days, size=per_year, replace=False)), 0)
        for i, day in enumerate(issued):
            rows.append((y, i, day))
    issued = np.array([r[2] for r in rows], dtype=DAY)
    n = len(rows)
    reviewed = np.minimum(wd_add(cal, issued, rng.integers(3, 11, size=n)),
                          wd_add(cal, next_window_end(issued), -1))
    result = np.where(rng.random(n) < 0.2, "amend", "valid").astype(object)
    handled = np.minimum(wd_add(cal, reviewed, rng.integers(2, 8, size=n)),
                         wd_add(cal, next_window_end(reviewed), -1))
    handled = np.where(result != "valid", handled, np.datetime64("NaT", "D"))
    picks = rng.integers(0, len(DOCUMENTS), size=n)
    kinds = [DOCUMENTS[p][0] for p in picks]
    years = [r[0] for r in rows]
    numbers = pd.Series(1, index=range(n)).groupby([years, kinds]).cumsum()
    return pd.DataFrame({
        "document_id": [f"{num:02d}/{y}/{k}" for num, y, k in zip(numbers, years, kinds, strict=True)],
        "unit_code": ctx.unit_code,
        "title": [f"{DOCUMENTS[p][1]} (sửa đổi, bổ sung năm {y})" for p, y in zip(picks, years, strict=True)],
        "issued_at": pd.to_datetime(issued),
        "reviewed_at": pd.to_datetime(reviewed.astype(DAY)),
        "review_result": result,
        "handled_at": pd.to_datetime(handled),
        "handling": np.where(result == "amend",
                             "Đã trình HĐND/UBND xã ban hành văn bản sửa đổi, bổ sung", None),
    })
