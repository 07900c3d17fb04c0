"""Evaluation of the quality of TTHC settlement under TT 01/2018/TT-VPCP (Điều 13–15) [V].

Per dossier (settled in the window, withdrawn left out), 0/1/2 points:

- chỉ số 1 (total time against the rule): early 2, on time 1, late 0 — from timeliness;
- chỉ số 3 (contacts to complete the dossier): 0 / 1 / >1 supplementation requests → 2 / 1 / 0;
- chỉ số 7 (staff attitude): early and no PAKN about staff 2, on time and none 1, otherwise 0;
- chỉ số 2 and 4 need per-step / per-agency data that the one-stop export does not carry: excluded.

An indicator's score is Σ points ÷ number of dossiers with data, rounded to 1 decimal, half up
(Điều 15.2.a); indicators without data are excluded (Điều 15.4.b). The unit indicators 5 and 6
come from the unit settings (data/reference/unit_settings.yaml, [U]), 8 from PAKN timeliness, 9
from the online share and the DVCTT catalogue. The total is the sum (Điều 15.2.b) and classifies
the commune (Điều 15.3): ≥ 15 xuất sắc, ≥ 12 tốt, ≥ 9 khá, ≥ 6 trung bình, else yếu. Staff are
scored per handler on 1 + 2 + 3 + 4 + 7 (with data): ≥ 5, 3,5 – < 5, < 3,5.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from parbook.analysis.measures import Ratio, dossier_masks, feedback_masks, flag, group_key
from parbook.contract import ONLINE_CHANNELS
from parbook.law.rules import rules
from parbook.store.settings import Strict, reference
from parbook.timeline.scope import Facts, ScopeFacts

MAX_POINTS = 2
NAMES_VI = {
    1: "Tổng thời gian giải quyết TTHC so với thời gian quy định",
    2: "Thời gian thực hiện của từng cơ quan, đơn vị tham gia giải quyết",
    3: "Số lần phải liên hệ với nơi tiếp nhận hồ sơ để hoàn thiện hồ sơ",
    4: "Số lượng cơ quan, đơn vị, tổ chức phải liên hệ để hoàn thiện hồ sơ",
    5: "Thực hiện tiếp nhận, giải quyết, trả kết quả tại Bộ phận Một cửa",
    6: "Công khai các thủ tục hành chính",
    7: "Thái độ của cán bộ, công chức, viên chức khi hướng dẫn, tiếp nhận, giải quyết hồ sơ",
    8: "Tiếp thu, giải trình đối với các ý kiến phản ánh, kiến nghị",
    9: "Tiến độ và chất lượng cung cấp dịch vụ công trực tuyến",
}
DOSSIER_INDICATORS = (1, 2, 3, 4, 7)     # scored per dossier (6 is taken at unit level here)
STAFF_INDICATORS = (1, 2, 3, 4, 7)       # Điều 15.1: CBCCVC on 1+2+3+4+7
NO_STEP_DATA = {
    2: "không có dữ liệu thời gian của từng cơ quan, đơn vị tham gia (từng bước xử lý)",
    4: "không có dữ liệu số cơ quan, đơn vị phải liên hệ",
}
# Điều 15.3: (lower bound, class) from the top.
COMMUNE_CLASSES = ((Decimal(15), "xuất sắc"), (Decimal(12), "tốt"), (Decimal(9), "khá"),
                   (Decimal(6), "trung bình"))
COMMUNE_LOWEST = "yếu"
STAFF_BANDS = ((Decimal(5), "hoàn thành 100% nhiệm vụ"),
               (Decimal("3.5"), "hoàn thành từ 70% đến dưới 100% nhiệm vụ"))
STAFF_LOWEST = "hoàn thành dưới 70% nhiệm vụ"
# Điều 13 chỉ số 9 [V]: online dossiers ≥ 30% (2 points), 15% – < 30% (1 point); ≥ 20% of the
# eligible TTHC with DVCTT mức 3, 4 for 2 points.
ONLINE_SHARE_2, ONLINE_SHARE_1 = Fraction(30, 100), Fraction(15, 100)
SERVICE_SHARE_2 = Fraction(20, 100)
DVCTT_LEVELS = ("full", "partial")       # toàn trình ≈ mức 4, một phần ≈ mức 3
# Điều 13 chỉ số 8 [V]: 100% on time → 2, ≥ 90% → 1.
FEEDBACK_SHARE_1 = Fraction(90, 100)


def round1(total: int | float | Decimal, count: int) -> float:
    """Σ points ÷ count rounded to 1 decimal, half up (Điều 15.2.a), computed exactly."""
    exact = Decimal(str(total)) / Decimal(count)
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def commune_class(total: float | None, max_total: int = MAX_POINTS * 9) -> str | None:
    """The class of a unit's total (Điều 15.3): xuất sắc / tốt / khá / trung bình / yếu, on the
    thresholds 15/12/9/6 of 18 points scaled to ``max_total`` (the maximum of the indicators that
    had data, Điều 15.4.b). Exact: 8,4 of 14 points is 10,8 of 18 → khá."""
    if total is None or total != total or max_total <= 0:
        return None
    value = Decimal(str(total)) * (MAX_POINTS * 9) / Decimal(max_total)
    return next((label for bound, label in COMMUNE_CLASSES if value >= bound), COMMUNE_LOWEST)


def staff_band(score: float | None) -> str | None:
    """The band of a staff member's score (Điều 15.3): ≥ 5, 3,5 – < 5, < 3,5."""
    if score is None or score != score:
        return None
    value = Decimal(str(score))
    return next((label for bound, label in STAFF_BANDS if value >= bound), STAFF_LOWEST)


class UnitSettings(Strict):
    """What the unit declares for TT 01/2018 indicators 5, 6 and 9 (null = not declared), and
    whether officials' names with their ratings may appear in the report's files."""

    status: str | None = None
    bpmc_processes_all: bool | None = None
    bpmc_receives_returns_all: bool | None = None
    published_at_office: bool | None = None
    published_online: bool | None = None
    published_accurate_complete_timely: bool | None = None
    online_service_share: float | None = None
    personnel_in_reports: bool = False


class UnitSettingsFile(Strict):
    """unit_settings.yaml: defaults, and each unit's own entries over them."""

    default: UnitSettings = UnitSettings()
    units: dict[str, UnitSettings] = {}


def unit_settings(unit_code: str) -> dict[str, Any]:
    """The unit's settings: the file's defaults overridden by its own entry."""
    config = reference("unit_settings.yaml", UnitSettingsFile)
    own = config.units.get(unit_code)
    return {**config.default.model_dump(),
            **(own.model_dump(exclude_unset=True) if own else {})}


def personnel_in_reports(unit_code: str) -> bool:
    """Whether the unit lets officials' names with their TT 01 scores and late counts go into
    forms.xlsx (setting ``personnel_in_reports``; default false: an internal workbook only)."""
    return bool(unit_settings(unit_code).get("personnel_in_reports"))


def dossier_scores(facts: pd.DataFrame) -> pd.DataFrame:
    """Points of indicators 1, 3, 7 per dossier settled in the window (NaN = no data)."""
    # only the columns read are taken: a column of a filtered frame would keep its whole block
    f = facts.loc[flag(facts["settled_in_window"]) & ~flag(facts["withdrawn"]),
                  ["dossier_code", "handler", "field", "timeliness", "supplement_request_count",
                   "staff_complaint"]]
    t = f["timeliness"]
    i1 = t.map({"early": 2.0, "on_time": 1.0, "late": 0.0}).astype("float64")
    requests = f["supplement_request_count"]
    i3 = pd.Series(np.select([requests == 0, requests == 1], [2.0, 1.0], 0.0), index=f.index)
    complaint = flag(f["staff_complaint"])
    i7 = i1.where(~complaint, 0.0)
    return pd.DataFrame({"dossier_code": f["dossier_code"], "handler": group_key(f, "handler"),
                         "field": f["field"], "i1": i1, "i3": i3, "i7": i7})


def _average(points: pd.Series) -> tuple[float | None, int]:
    valid = points.dropna()
    if valid.empty:
        return None, 0
    return round1(int(valid.sum()), len(valid)), len(valid)


def _indicator5(settings: dict[str, Any]) -> tuple[int | None, str]:
    processes, receives = settings.get("bpmc_processes_all"), settings.get("bpmc_receives_returns_all")
    if processes is None and receives is None:
        return None, "chưa khai báo thiết lập đơn vị (bpmc_*)"
    if processes:
        return 2, "BPMC tiếp nhận, thẩm định, phê duyệt 100% TTHC cấp xã (thiết lập đơn vị)"
    if receives:
        return 1, "100% TTHC tiếp nhận và trả kết quả tại BPMC (thiết lập đơn vị)"
    return 0, "chưa tiếp nhận, trả kết quả 100% TTHC tại BPMC (thiết lập đơn vị)"


def _indicator6(settings: dict[str, Any]) -> tuple[int | None, str]:
    office, online = settings.get("published_at_office"), settings.get("published_online")
    if office is None and online is None:
        return None, "chưa khai báo thiết lập đơn vị (published_*)"
    if office and online and settings.get("published_accurate_complete_timely"):
        return 2, "công khai chính xác, đầy đủ, kịp thời, cả niêm yết và điện tử (thiết lập đơn vị)"
    if office or online:
        return 1, "công khai bằng niêm yết hoặc điện tử (thiết lập đơn vị)"
    return 0, "không công khai (thiết lập đơn vị)"


def _indicator8(feedback: pd.DataFrame) -> tuple[int, str]:
    ratio = Ratio.of(feedback_masks(feedback))
    num, den = int(ratio.numerator), int(ratio.denominator or 0)
    if den == 0:
        return 2, "không có PAKN thuộc thẩm quyền đến hạn xử lý"
    share = Fraction(num, den)
    text = f"{num}/{den} PAKN xử lý đúng hạn"
    if share == 1:
        return 2, text + " (100%)"
    return (1 if share >= FEEDBACK_SHARE_1 else 0), text


def service_share(procedures: pd.DataFrame, settings: dict[str, Any]) -> tuple[Fraction | None, str]:
    """Share of the catalogue's TTHC with DVCTT mức 3, 4, from settings or the catalogue."""
    declared = settings.get("online_service_share")
    if declared is not None:
        return Fraction(str(declared)), f"tỷ lệ TTHC có DVCTT mức 3, 4 = {declared} (thiết lập đơn vị)"
    levels = procedures["online_level"].dropna()
    if levels.empty:
        return None, "danh mục TTHC chưa có mức độ DVCTT"
    n = int(levels.isin(DVCTT_LEVELS).sum())
    return Fraction(n, len(levels)), f"{n}/{len(levels)} TTHC có DVCTT mức 3, 4 (danh mục)"


def _indicator9(facts: pd.DataFrame, procedures: pd.DataFrame, settings: dict[str, Any]
                ) -> tuple[int | None, str]:
    online = Ratio.of(dossier_masks(facts)["online_rate"])
    if not online.denominator:
        return None, "không có hồ sơ tiếp nhận trong kỳ"
    share, share_text = service_share(procedures, settings)
    if share is None:
        return None, share_text
    rate = Fraction(int(online.numerator), int(online.denominator))
    active = ~flag(facts["withdrawn"])
    bad_online = int((active & facts["channel"].isin(ONLINE_CHANNELS) & flag(facts["is_late"])).sum())
    text = (f"trực tuyến {int(online.numerator)}/{int(online.denominator)} hồ sơ; {share_text}; "
            f"{bad_online} hồ sơ trực tuyến quá hạn")
    if share == 0 or rate < ONLINE_SHARE_1 or bad_online:
        return 0, text
    if share >= SERVICE_SHARE_2 and rate >= ONLINE_SHARE_2:
        return 2, text
    return 1, text


@dataclass
class TT01Evaluation:
    """The TT 01/2018 evaluation of one scope."""

    scope: str
    indicators: pd.DataFrame
    total: float | None
    max_total: int
    class_label: str | None
    excluded: list[str]
    staff: pd.DataFrame
    dossiers: pd.DataFrame
    settings_status: str = ""

    @property
    def evaluated(self) -> int:
        """How many of the 9 indicators had data (and count in the total)."""
        return int(self.indicators["included"].sum())

    @property
    def full_scale_total(self) -> float | None:
        """The total brought to the 18 points of the class thresholds, in proportion to the
        maximum of the indicators evaluated (Điều 15): 8,4 of 14 points → 10,8 of 18."""
        if self.total is None or self.max_total <= 0:
            return None
        return round1(Decimal(str(self.total)) * MAX_POINTS * 9, self.max_total)


def evaluate(frames: ScopeFacts, procedures: pd.DataFrame, settings: dict[str, Any]
             ) -> TT01Evaluation:
    """The evaluation of a scope's frames with the given unit settings."""
    scores = dossier_scores(frames.dossiers)
    rows = []
    for number in range(1, 10):
        n_dossiers = None
        if number in (1, 3, 7):
            score, n_dossiers = _average(scores[f"i{number}"])
            level = "hồ sơ"
            basis = (f"bình quân trên {n_dossiers} hồ sơ đã giải quyết trong kỳ" if n_dossiers
                     else "không có hồ sơ đã giải quyết có dữ liệu")
        elif number in NO_STEP_DATA:
            score, level, basis = None, "hồ sơ", NO_STEP_DATA[number]
        elif number == 5:
            (score, basis), level = _indicator5(settings), "đơn vị"
        elif number == 6:
            (score, basis), level = _indicator6(settings), "đơn vị"
        elif number == 8:
            (score, basis), level = _indicator8(frames.feedback), "đơn vị"
        else:
            (score, basis), level = _indicator9(frames.dossiers, procedures, settings), "đơn vị"
        rows.append({"indicator": number, "name_vi": NAMES_VI[number], "level": level,
                     "score": np.nan if score is None else float(score), "max_score": MAX_POINTS,
                     "n_dossiers": n_dossiers, "included": score is not None, "basis": basis})
    table = pd.DataFrame(rows)
    included = table[table["included"]]
    total = (float(sum(Decimal(str(s)) for s in included["score"])) if len(included) else None)
    excluded = [f"Chỉ số {r.indicator} — {r.name_vi}: {r.basis}"
                for r in table[~table["included"]].itertuples()]
    max_total = MAX_POINTS * len(included)
    enough = len(included) >= rules().tt01_min_indicators_to_classify
    return TT01Evaluation(
        scope=frames.scope, indicators=table, total=total, max_total=max_total,
        class_label=commune_class(total, max_total) if enough else None,
        excluded=excluded, staff=staff_scores(scores), dossiers=scores,
        settings_status=str(settings.get("status", "")),
    )


def staff_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Per handler: dossiers, averages of 1, 3, 7 (1 decimal), total on those with data, band."""
    rows = []
    for handler, group in scores.groupby("handler", sort=True):
        row: dict[str, Any] = {"handler": handler, "n_dossiers": len(group)}
        parts = []
        for number in (1, 3, 7):
            avg, _ = _average(group[f"i{number}"])
            row[f"i{number}"] = np.nan if avg is None else avg
            if avg is not None:
                parts.append(Decimal(str(avg)))
        total = float(sum(parts)) if parts else None
        row["total"] = np.nan if total is None else total
        row["max_total"] = MAX_POINTS * len(parts)
        row["band"] = staff_band(total)
        rows.append(row)
    columns = ["handler", "n_dossiers", "i1", "i3", "i7", "total", "max_total", "band"]
    return pd.DataFrame(rows, columns=columns)


def evaluate_tt01(facts: Facts, scope: str = "period") -> TT01Evaluation:
    """The TT 01/2018 evaluation of the window (``period``) or the year to date (``ytd``)."""
    return evaluate(facts.of(scope), facts.data.procedures, unit_settings(facts.unit_code))
