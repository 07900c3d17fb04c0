"""The prose of the quarterly report of a UBND xã, drafted from the results.

The district (from 01/7/2025 the province) reads a commune's report, not software output: the
sections a commune report has (I. kết quả đạt được; II. tồn tại, hạn chế và nguyên nhân;
III. phương hướng, nhiệm vụ quý tới; IV. đề xuất, kiến nghị), Vietnamese numbers (2.852/2.936;
95,3%), no check or requirement codes, and every count a reader might add up adding up on the
page. What only people know — causes, proposals, extra results and tasks — comes from the
period's notes file (parbook.report.notes).

Every function returns :class:`~parbook.report.tables.Block` items of plain text built only
from the documented frames (indicators, findings, Biểu 06, the facts); the notebook renders
them through the escaping templates. No personal data is ever read here.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from markupsafe import Markup

from parbook import vnformat
from parbook.analysis.definitions import definitions
from parbook.analysis.figures import Figure, indicator_label
from parbook.analysis.indicators import is_met
from parbook.analysis.measures import GOOD_TIMELINESS, flag
from parbook.contract import TOTAL
from parbook.law.regimes import Regime, all_regimes, regime_on, regime_span
from parbook.law.rules import rules
from parbook.pipeline import Analysis
from parbook.plan.sections import canonical_section
from parbook.quality.catalogue import all_checks
from parbook.report.labels import (
    BIEU06_GROUPS,
    BIEU06_HEADERS,
    BIEU06_TOTAL_LABEL,
    ENTITY_LABELS,
    MET_LABELS,
    SEVERITY_LABELS,
    SEVERITY_ORDER,
)
from parbook.report.notes import ReportNotes
from parbook.report.page import unit_kind_and_place
from parbook.report.tables import Block, html_prose, html_table
from parbook.store.settings import Strict, reference
from parbook.timeline.periods import Window
from parbook.vnformat import EMPTY

NEEDS_CHECKING = "cần xác minh (dữ liệu lỗi)"


class ReportTasks(Strict):
    """report_tasks.yaml: the remedies section III proposes for an indicator missed or a check
    with findings (by id or severity), and the standing duties. Texts may name a rule parameter
    in braces ({feedback_limit_working_days})."""

    indicators: dict[str, str] = {}
    checks: dict[str, str] = {}
    standing: tuple[str, ...] = ()


def report_tasks(regime: Regime | None = None) -> ReportTasks:
    """report_tasks.yaml with the rule parameters and the regime's wording filled in (the
    first regime's by default)."""
    raw = reference("report_tasks.yaml", ReportTasks)
    regime = regime or all_regimes()[0]
    values = {**rules().model_dump(), **regime.wording, "one_stop_unit": regime.one_stop_unit}
    return ReportTasks(indicators={k: v.format(**values) for k, v in raw.indicators.items()},
                       checks={k: v.format(**values) for k, v in raw.checks.items()},
                       standing=tuple(v.format(**values) for v in raw.standing))


def _n(x: Any) -> str:
    return vnformat.number(x)


def _p(text: str) -> Block:
    return Block(text)


def _item(text: str) -> Block:
    return Block(text, kind="item")


def ontime_target() -> float:
    """The plan's on-time target (rules.yaml)."""
    return float(rules().ontime_target)


def next_window(window: Window) -> Window:
    """The window after this one (next quarter, or next year)."""
    if window.quarter is None:
        return Window.parse(str(window.year + 1), window.window)
    if window.quarter == 4:
        return Window.parse(f"{window.year + 1}-Q1", window.window)
    return Window.parse(f"{window.year}-Q{window.quarter + 1}", window.window)


def period_phrase(w: Window) -> str:
    """'quý IV năm 2024 (từ ngày 15/09/2024 đến ngày 14/12/2024, số liệu chốt ngày 14/12/2024)'."""
    return (f"{vnformat.in_sentence(w.label_vi())} (từ ngày {w.start:%d/%m/%Y} đến ngày "
            f"{w.end:%d/%m/%Y}, số liệu chốt ngày {w.as_of:%d/%m/%Y})")


def _kind(analysis: Analysis) -> str:
    """'xã', 'phường', 'thị trấn' or 'đặc khu' — how the report names its own unit."""
    return unit_kind_and_place(analysis.data.unit.get("unit_name") or "")[0]


def _fig(analysis: Analysis, indicator_id: str, scope: str = "period") -> Figure:
    return analysis.indicators.figure(indicator_id, scope)


def _count_phrase(f: Figure, noun: str) -> str:
    """A count against its target: '1 hồ sơ yêu cầu bổ sung quá một lần (mục tiêu: không có)'."""
    value = int(f.value or 0)
    target = "" if vnformat.is_missing(f.target) else (
        "không có" if f.target == 0 else f"không quá {_n(f.target)}")
    text = f"{_n(value)} {noun}" if value else f"Không có {noun}"
    return text + (f" (mục tiêu: {target})" if target else "")


FULL_SCALE = 18  # the points of the TT 01/2018 class thresholds (9 indicators × 2)


def _tt01_text(analysis: Analysis, scope: str = "period") -> str:
    """'8,4/14 điểm (quy đổi 10,8/18 điểm)' — the total on the maximum of the indicators evaluated
    and, when some were left out, on the scale of the class thresholds."""
    tt01 = analysis.scores.tt01[scope]
    if tt01.total is None:
        return EMPTY
    text = f"{vnformat.number(tt01.total, 1)}/{_n(tt01.max_total)} điểm"
    if tt01.max_total < FULL_SCALE:
        text += f" (quy đổi {vnformat.number(tt01.full_scale_total, 1)}/{FULL_SCALE} điểm)"
    return text


def _tt01_met(analysis: Analysis, scope: str = "period") -> bool | None:
    """The plan's target for the TT 01/2018 total (in points of 18) against the total brought to
    18 points: the class reached, whatever indicators lacked data."""
    spec = definitions()["tt01_total"]
    return is_met(analysis.scores.tt01[scope].full_scale_total, spec.target, spec.comparison)


def _tt01_target_text() -> str:
    target = definitions()["tt01_total"].target
    return EMPTY if target is None else f"{vnformat.number(target)}/{FULL_SCALE} điểm"


def _missed(analysis: Analysis, indicator_id: str) -> bool:
    """Whether the period's figure has a target it does not meet (TT 01: on 18 points)."""
    if indicator_id == "tt01_total":
        return _tt01_met(analysis) is False
    f = _fig(analysis, indicator_id)
    return f.known and f.met is False


def _verdict(f: Figure) -> str:
    """', đạt mục tiêu 95%' / ', chưa đạt mục tiêu 95%' for a rate or score with a target."""
    return f.verdict()


# ------------------------------------------------------------------------------------------------
# I. Kết quả đạt được


def direction(analysis: Analysis) -> list[Block]:
    """I.1: the plan carried out, its tasks, the review of legal documents."""
    w = analysis.window
    plan_name = ("Kế hoạch duy trì và nâng cao Chỉ số cải cách hành chính (PAR INDEX) và Chỉ số "
                 f"hài lòng của người dân, tổ chức (SIPAS) năm {w.year}")
    has_plan = analysis.plan.plan is not None
    out = [_p(
        (f"Thực hiện {plan_name}, Ủy ban nhân dân" if has_plan else "Ủy ban nhân dân")
        + f" {_kind(analysis)} tổ "
        f"chức tự kiểm tra việc tiếp nhận, giải quyết thủ tục hành chính (TTHC) {period_phrase(w)} "
        f"trên cơ sở dữ liệu của Hệ thống thông tin giải quyết TTHC và các sổ theo dõi của "
        f"{_kind(analysis)}.")]
    if not has_plan:
        out.append(_p(f"Chưa có {plan_name} trong sổ tự kiểm tra: các yêu cầu của Kế hoạch chưa "
                      "được đánh giá trong kỳ này."))
    tasks = _fig(analysis, "plan_task_ontime_rate")
    if tasks.known:
        late = int((tasks.denominator or 0) - (tasks.numerator or 0))
        out.append(_p(
            f"Tính đến ngày chốt số liệu có {_n(tasks.denominator)} nhiệm vụ của Kế hoạch đến hạn; "
            f"{_n(tasks.numerator)} nhiệm vụ hoàn thành đúng hạn ({tasks.value_text()}), "
            f"{_n(late)} nhiệm vụ chưa hoàn thành hoặc hoàn thành chậm{_verdict(tasks)}."))
    else:
        out.append(_p("Tính đến ngày chốt số liệu chưa có nhiệm vụ nào của Kế hoạch đến hạn."))
    reviewed = _fig(analysis, "legal_docs_reviewed_rate")
    handled = _fig(analysis, "legal_docs_handled_rate")
    if reviewed.known:
        text = (f"Rà soát văn bản quy phạm pháp luật (tính đến ngày chốt): đã rà soát "
                f"{_n(reviewed.numerator)}/{_n(reviewed.denominator)} văn bản do {_kind(analysis)} ban hành "
                f"({reviewed.value_text()})")
        if handled.known:
            text += (f"; trong {_n(handled.denominator)} văn bản cần sửa đổi, bãi bỏ, đã xử lý "
                     f"{_n(handled.numerator)} văn bản ({handled.value_text()})")
        out.append(_p(text + "."))
    return out


def _unclassified_settled(ontime: Figure, total: pd.Series | None) -> str:
    """Why the rate's base exceeds Biểu 06's settled total, when it does: settled dossiers that
    fit no timeliness column (no due date, a data error of HS03) count in the base, not on time."""
    if total is None or ontime.denominator is None:
        return ""
    extra = int(ontime.denominator) - int(total["settled_total"])
    if extra <= 0:
        return ""
    return (f" Số hồ sơ đã giải quyết dùng để tính tỷ lệ nhiều hơn số ở Biểu 06 {_n(extra)} hồ sơ: "
            "hồ sơ thiếu ngày tiếp nhận hoặc ngày hẹn trả (lỗi dữ liệu, Phụ lục III) không xếp được "
            "vào cột trước hạn, đúng hạn hay quá hạn của Biểu 06 và được tính là không đúng hạn.")


def dossier_results(analysis: Analysis) -> list[Block]:
    """I.2: Biểu 06 totals (adding up), the on-time rate of the window and the year, channels."""
    b = analysis.forms.bieu06.set_index("field")
    total = b.loc[TOTAL] if TOTAL in b.index else None
    out = []
    if total is None or int(total["received_total"]) == 0:
        out.append(_p("Trong kỳ không có hồ sơ TTHC thuộc phạm vi báo cáo."))
    else:
        withdrawn = int(analysis.forms.withdrawn.get(TOTAL, 0))
        out.append(_p(
            f"Tổng số hồ sơ nhận giải quyết: {_n(total['received_total'])} hồ sơ (tiếp nhận trực "
            f"tuyến {_n(total['received_online'])}; trực tiếp và qua dịch vụ bưu chính công ích "
            f"{_n(total['received_direct_postal'])}; từ kỳ trước chuyển sang "
            f"{_n(total['carried_over'])}). Đã giải quyết {_n(total['settled_total'])} hồ sơ "
            f"(trước hạn {_n(total['early'])}, đúng hạn {_n(total['on_time'])}, quá hạn "
            f"{_n(total['late'])}); đang giải quyết {_n(total['pending_total'])} hồ sơ (trong hạn "
            f"{_n(total['pending_within'])}, quá hạn {_n(total['pending_overdue'])}). "
            f"Ngoài ra có {_n(withdrawn)} hồ sơ công dân rút, không tính vào các số trên "
            "(chi tiết tại Phụ lục I)."))
    out.extend(regime_coverage(analysis))
    out.extend(merged_units(analysis))
    ontime, ytd = _fig(analysis, "ontime_rate"), _fig(analysis, "ontime_rate", "ytd")
    if ontime.known:
        text = ("Tỷ lệ hồ sơ giải quyết trước hạn, đúng hạn trên số hồ sơ đã giải quyết trong kỳ "
                f"đạt {ontime.ratio_text()}{_verdict(ontime)}")
        if ytd.known:
            text += f"; lũy kế từ đầu năm đạt {ytd.ratio_text()}{_verdict(ytd)}"
        out.append(_p(text + "." + _unclassified_settled(ontime, total)))
    else:
        out.append(_p("Trong kỳ chưa có hồ sơ đã giải quyết để tính tỷ lệ đúng hạn."))
    r766 = _fig(analysis, "ontime_rate_766")
    if r766.known:
        out.append(_p(_ontime_766_sentence(analysis, r766)))
    received = _fig(analysis, "online_rate")
    if received.known:
        parts = [f"trực tuyến {_n(received.numerator)} hồ sơ ({received.value_text()})"]
        for iid, label in (("postal_rate", "nộp hoặc nhận kết quả qua bưu chính công ích"),
                           ("digitized_rate", "được số hóa")):
            f = _fig(analysis, iid)
            if f.known:
                parts.append(f"{label} {_n(f.numerator)} hồ sơ ({f.value_text()})")
        out.append(_p(f"Trong {_n(received.denominator)} hồ sơ tiếp nhận mới trong kỳ có: "
                      + "; ".join(parts) + "."))
    electronic = _fig(analysis, "electronic_result_rate")
    if electronic.known:
        rejected = int(total["settled_total"]) - int(electronic.denominator or 0) \
            if total is not None else 0
        note = f" (không tính {_n(rejected)} hồ sơ từ chối giải quyết)" if rejected > 0 else ""
        out.append(_p(f"Trong {_n(electronic.denominator)} hồ sơ có kết quả giải quyết{note}, "
                      f"{_n(electronic.numerator)} hồ sơ có kết quả điện tử "
                      f"({electronic.value_text()})."))
    return out


def merged_units(analysis: Analysis) -> list[Block]:
    """Which predecessors' dossiers the figures include, and how many (DESIGN.md §12)."""
    before = analysis.data.predecessors
    if not before:
        return []
    counts = analysis.facts.period.dossiers["unit_code"].value_counts()
    ytd = analysis.facts.ytd.dossiers["unit_code"].value_counts()
    parts = [f"{name} ({_n(counts.get(code, 0))} hồ sơ trong kỳ, {_n(ytd.get(code, 0))} hồ sơ "
             "lũy kế)" for code, name in before.items()]
    return [_p("Số liệu của kỳ và lũy kế từ đầu năm gồm cả hồ sơ của đơn vị trước sáp nhập: "
               + "; ".join(parts) + ".")]


def regime_coverage(analysis: Analysis) -> list[Block]:
    """How many dossiers of the window each legal regime covered (DESIGN.md §12); said only when
    a regime after the first applies (a window wholly under the first says nothing new)."""
    counts = analysis.facts.period.dossiers["regime"].value_counts()
    regimes = [r for r in all_regimes() if counts.get(r.id, 0)]
    if not regimes or regimes == [all_regimes()[0]]:
        return []
    parts = [f"{_n(counts[r.id])} hồ sơ theo {r.name_vi} ({r.circular}; tiếp nhận "
             f"{regime_span(r)})" for r in regimes]
    return [_p("Mỗi hồ sơ được xét theo quy định có hiệu lực vào ngày tiếp nhận; "
               f"{_n(int(counts.sum()))} hồ sơ của kỳ (kể cả hồ sơ công dân rút, dừng giải quyết "
               "và hồ sơ thiếu thông tin) gồm: " + "; ".join(parts) + ".")]


def _ontime_766_sentence(analysis: Analysis, f: Figure) -> str:
    """The 766 reading, reconciled with Biểu 06 so that the reader can add it up."""
    d = analysis.facts.period.dossiers
    active = ~flag(d["withdrawn"])
    multi = d["supplement_request_count"] > 1
    settled_good = active & flag(d["settled_in_window"]) & d["timeliness"].isin(GOOD_TIMELINESS)
    within = active & (d["timeliness"] == "pending_within")
    taken_out = int(((settled_good | within) & multi).sum())
    text = (f"Theo cách tính của Bộ chỉ số phục vụ người dân, doanh nghiệp (Quyết định số "
            f"766/QĐ-TTg), tỷ lệ hồ sơ đúng hạn trên số hồ sơ đã và đang giải quyết đạt "
            f"{f.ratio_text()}: {_n(f.numerator)} = {_n(int(settled_good.sum()))} hồ sơ giải quyết "
            f"trước hạn, đúng hạn + {_n(int(within.sum()))} hồ sơ đang trong hạn")
    if taken_out:
        text += f" − {_n(taken_out)} hồ sơ bị yêu cầu bổ sung quá một lần (tính là quá hạn)"
    settled = int((active & flag(d["settled_in_window"])).sum())
    pending = int((active & flag(d["pending_at_asof"])).sum())
    return text + (f"; {_n(f.denominator)} = {_n(settled)} hồ sơ đã giải quyết + {_n(pending)} hồ sơ "
                   "đang giải quyết.")


def process_results(analysis: Analysis) -> list[Block]:
    """I.3: apologies, repeated supplementation requests, verification transfers."""
    out = []
    apology = _fig(analysis, "apology_coverage")
    if apology.known:
        out.append(_p(f"Có {_n(apology.denominator)} hồ sơ trễ hạn (đã giải quyết quá hạn hoặc đang "
                      f"quá hạn tại ngày chốt); {_n(apology.numerator)} hồ sơ có văn bản xin lỗi "
                      f"người dân, tổ chức ({apology.value_text()}){_verdict(apology)}."))
    else:
        out.append(_p("Trong kỳ không có hồ sơ trễ hạn phải xin lỗi người dân, tổ chức."))
    multi = _fig(analysis, "multi_supplement_count")
    if multi.known:
        noun = definitions()["multi_supplement_count"].label_vi.removeprefix("Số ")
        out.append(_p(_count_phrase(multi, noun) + "."))
    verification = _fig(analysis, "verification_rate")
    if verification.known:
        out.append(_p(f"Số hồ sơ tiếp nhận mới có chuyển xác minh: {_n(verification.numerator)}/"
                      f"{_n(verification.denominator)} ({verification.value_text()})."))
    return out


def quality_results(analysis: Analysis) -> list[Block]:
    """I.4: the TT 01/2018 score, the maximum the indicators with data allow, the class."""
    tt01 = analysis.scores.tt01["period"]
    if tt01.total is None:
        return [_p("Chưa đủ dữ liệu để đánh giá chất lượng giải quyết TTHC theo Thông tư số "
                   "01/2018/TT-VPCP.")] + legacy_note(analysis)
    left_out = tt01.indicators[~tt01.indicators["included"]]
    text = (f"Điểm đánh giá chất lượng giải quyết TTHC của {_kind(analysis)} theo Thông tư số "
            f"01/2018/TT-VPCP đạt {vnformat.number(tt01.total, 1)}/{_n(tt01.max_total)} điểm, tính trên "
            f"{_n(tt01.evaluated)}/9 chỉ số có dữ liệu (mỗi chỉ số tối đa 2 điểm)")
    if len(left_out):
        names = "; ".join(f"chỉ số {int(r.indicator)} ({r.name_vi.lower()})"
                          for r in left_out.itertuples())
        text += (f"; {_n(len(left_out))} chỉ số không tính do không có dữ liệu theo khoản 4 "
                 f"Điều 15 Thông tư: {names}")
    text += "."
    out = [_p(text)]
    if tt01.class_label:
        levels = ("các mức theo khoản 3 Điều 15 Thông tư số 01/2018/TT-VPCP: xuất sắc từ 15, tốt "
                  "từ 12, khá từ 9, trung bình từ 6 trên 18 điểm")
        if tt01.max_total < 18:
            out.append(_p(f"Quy đổi theo tỷ lệ trên {FULL_SCALE} điểm: "
                          f"{vnformat.number(tt01.full_scale_total, 1)} điểm, xếp loại "
                          f"{tt01.class_label} ({levels}){_tt01_verdict(analysis)}."))
        else:
            out.append(_p(f"Xếp loại: {tt01.class_label} ({levels}){_tt01_verdict(analysis)}."))
    else:
        out.append(_p(f"Chưa đủ căn cứ xếp loại: chỉ có {_n(tt01.evaluated)}/9 chỉ số có dữ liệu."))
    return out + legacy_note(analysis)


def legacy_note(analysis: Analysis) -> list[Block]:
    """The regime's note on the 2024 rules kept without a known successor (none for nd61)."""
    note = " ".join(regime_on(analysis.window.end).legacy_note.split())
    return [_p(note)] if note else []


def _tt01_verdict(analysis: Analysis) -> str:
    met = _tt01_met(analysis)
    if met is None:
        return ""
    return f"; {'đạt' if met else 'chưa đạt'} mục tiêu của Kế hoạch từ {_tt01_target_text()}"


def satisfaction_results(analysis: Analysis) -> list[Block]:
    """I.5: survey coverage and the share of satisfied ratings."""
    coverage, rate = _fig(analysis, "survey_coverage"), _fig(analysis, "satisfaction_rate")
    out = []
    if coverage.known:
        out.append(_p(f"Trong {_n(coverage.denominator)} hồ sơ trả kết quả trong kỳ (kể cả hồ sơ "
                      f"giải quyết từ kỳ trước, trả trong kỳ), {_n(coverage.numerator)} hồ sơ được "
                      f"người dân đánh giá mức độ hài lòng ({coverage.value_text()})"
                      f"{_verdict(coverage)}."))
    surveys = analysis.facts.period.surveys
    if rate.known:
        out.append(_p(f"Số phiếu đánh giá trong kỳ: {_n(len(surveys))} phiếu với "
                      f"{_n(rate.denominator)} lượt chấm hợp lệ trên 5 yếu tố; "
                      f"{_n(rate.numerator)} lượt chấm hài lòng, rất hài lòng (mức 4–5), tỷ lệ "
                      f"{rate.value_text()} (ước tính theo phương pháp gần đúng, chưa phải Chỉ số "
                      "SIPAS chính thức)."))
    else:
        out.append(_p("Trong kỳ chưa có phiếu đánh giá mức độ hài lòng."))
    return out


def feedback_results(analysis: Analysis) -> list[Block]:
    """I.6: PAKN received, within the commune's competence, due, resolved on time."""
    fb = analysis.facts.period.feedback
    in_scope = fb[fb["in_scope"]] if len(fb) else fb
    ontime = _fig(analysis, "feedback_ontime_rate")
    text = (f"Trong kỳ {_kind(analysis)} tiếp nhận, theo dõi {_n(len(fb))} phản ánh, kiến nghị "
            f"(PAKN), trong đó {_n(len(in_scope))} PAKN thuộc thẩm quyền của {_kind(analysis)}")
    if ontime.known:
        limit = rules().feedback_limit_working_days
        text += (f"; {_n(ontime.denominator)} PAKN đã đến hạn xử lý ({limit} ngày làm việc) tại "
                 f"ngày chốt, {_n(ontime.numerator)} PAKN được xử lý đúng hạn "
                 f"({ontime.value_text()}){_verdict(ontime)}")
    return [_p(text + ".")]


def severity_counts(findings: pd.DataFrame) -> dict[str, int]:
    """Number of findings per severity (every severity present, zeros included)."""
    counts = findings.groupby("severity").size() if len(findings) else pd.Series(dtype="int64")
    return {s: int(counts.get(s, 0)) for s in ("violation", "error", "warning")}


def on_faulty_records(findings: pd.DataFrame) -> pd.Series:
    """True for a violation whose record also has a data error (severity ``error``): the
    violation may come from a typo — to verify before it is counted as a breach."""
    errors = findings[findings["severity"] == "error"][["entity", "record_key"]]
    keys = set(zip(errors["entity"], errors["record_key"].astype(str), strict=True))
    return pd.Series([s == "violation" and (e, str(k)) in keys for s, e, k in
                      zip(findings["severity"], findings["entity"], findings["record_key"],
                          strict=True)], index=findings.index, dtype=bool)


def check_results(analysis: Analysis) -> list[Block]:
    """I.7: the self-inspection of the data and the one-stop process, by kind of finding; the
    violations on records that also carry a data error are counted apart ("cần xác minh")."""
    findings = analysis.findings.frame
    summary = analysis.findings.summary()
    counts = severity_counts(findings)
    doubtful = int(on_faulty_records(findings).sum())
    found = summary[summary["count"] > 0]
    text = (f"Ủy ban nhân dân {_kind(analysis)} tự kiểm tra {_n(len(summary))} nội dung đối với hồ sơ "
            f"TTHC, PAKN, phiếu đánh giá, văn bản QPPL và nhiệm vụ của Kế hoạch; {_n(len(found))} "
            f"nội dung có phát hiện: {_n(counts['violation'] - doubtful)} trường hợp vi phạm quy "
            "trình")
    if doubtful:
        text += (f"; {_n(doubtful)} trường hợp {NEEDS_CHECKING} — dấu hiệu vi phạm trên hồ sơ có "
                 "lỗi dữ liệu, cần đối chiếu hồ sơ gốc trước khi kết luận")
    text += (f"; {_n(counts['error'])} lỗi dữ liệu cần sửa trên hệ thống; {_n(counts['warning'])} "
             "trường hợp cần xem lại (chi tiết tại Phụ lục III).")
    return [_p(text)]


# ------------------------------------------------------------------------------------------------
# II. Tồn tại, hạn chế và nguyên nhân


def _sections_of(analysis: Analysis, findings: pd.DataFrame) -> pd.Series:
    """The section (bộ phận) responsible for each finding's record: the dossier's or the task's
    department; '' when the record has none."""
    dossiers = analysis.facts.period.dossiers
    tasks = analysis.data.plan_tasks.set_index("task_id")
    out = []
    for entity, key in zip(findings["entity"], findings["record_key"].astype(str), strict=True):
        if entity == "dossier" and key in dossiers.index:
            out.append(canonical_section(dossiers.at[key, "department"]))
        elif entity == "plan_task" and key in tasks.index:
            out.append(canonical_section(tasks.at[key, "department"]))
        else:
            out.append("")
    return pd.Series(out, index=findings.index, dtype=object)


def shortcomings(analysis: Analysis) -> list[Block]:
    """II.1: targets not met and rules broken (by rule and by section)."""
    items = []
    specs = definitions()
    for iid, spec in specs.items():
        f = _fig(analysis, iid)
        if not _missed(analysis, iid):
            continue
        if iid == "tt01_total":
            items.append(_item(f"Chất lượng giải quyết TTHC theo Thông tư số 01/2018/TT-VPCP: "
                               f"{_tt01_text(analysis)}, xếp loại "
                               f"{analysis.scores.tt01['period'].class_label or 'chưa đủ căn cứ'}, chưa "
                               f"đạt mục tiêu {_tt01_target_text()}."))
        elif spec.unit == "hồ sơ":          # a count: "Số hồ sơ …" → "1 hồ sơ … (mục tiêu: không có)"
            items.append(_item(_count_phrase(f, spec.label_vi.removeprefix("Số ")) + "."))
        else:
            items.append(_item(f"{indicator_label(iid)}: {f.ratio_text()}, chưa đạt mục tiêu "
                               f"{f.target_text()}."))
    findings = analysis.findings.frame
    doubtful = on_faulty_records(findings)
    violations = findings[findings["severity"] == "violation"]
    if len(violations):
        titles = {c.id: c.title_vi for c in all_checks()}
        sections = _sections_of(analysis, violations)
        for check_id, group in violations.groupby("check_id", sort=False):
            clean = group[~doubtful[group.index]]
            unsure = len(group) - len(clean)
            by_section = sections[clean.index].value_counts()
            where = "; ".join(f"{name}: {_n(n)}" for name, n in by_section.items() if name)
            text = f"{titles[check_id]}: "
            if len(clean):
                text += f"{_n(len(clean))} trường hợp" + (f" ({where})" if where else "")
            if unsure:
                text += ("; ngoài ra " if len(clean) else "") + f"{_n(unsure)} trường hợp {NEEDS_CHECKING}"
            items.append(_item(text + "."))
    if int(doubtful.sum()):
        items.append(_item(f"Các trường hợp {NEEDS_CHECKING} cần đối chiếu hồ sơ gốc, sửa dữ liệu "
                           "trước khi kết luận vi phạm."))
    errors = severity_counts(findings)["error"]
    if errors:
        items.append(_item(f"Còn {_n(errors)} lỗi dữ liệu trên Hệ thống thông tin giải quyết TTHC "
                           "cần sửa (Phụ lục III)."))
    if not items:
        return [_p("Qua tự kiểm tra, trong kỳ chưa phát hiện tồn tại, hạn chế.")]
    return items


def causes(notes: ReportNotes) -> list[Block]:
    """II.2: the causes, as staff wrote them in the period's notes."""
    if notes.causes:
        return [_item(c) for c in notes.causes]
    return [_p("(Bộ phận chủ trì bổ sung nguyên nhân chủ quan, khách quan của các tồn tại, hạn chế "
               "nêu trên trước khi ký ban hành báo cáo.)")]


# ------------------------------------------------------------------------------------------------
# III. Phương hướng, nhiệm vụ quý tới — IV. Đề xuất, kiến nghị


def _upcoming_tasks(analysis: Analysis) -> pd.DataFrame:
    """Plan tasks not done whose due date falls after the as-of date, up to the next window's end,
    in the window's year: plans are per year (DESIGN.md §12), and the next year's plan is not
    the window's — a Q4 report lists none of it, whether or not it is already loaded."""
    tasks = analysis.data.plan_tasks
    if tasks.empty:
        return tasks
    as_of, until = pd.Timestamp(analysis.window.as_of), pd.Timestamp(next_window(analysis.window).end)
    due = tasks["due_date"]
    done = tasks["done_date"].notna() & (tasks["done_date"] <= as_of)
    this_year = due.dt.year == analysis.window.year
    return tasks[(due > as_of) & (due <= until) & this_year & ~done].sort_values(
        ["due_date", "task_id"])


def next_tasks(analysis: Analysis, notes: ReportNotes, limit: int = 12) -> list[Block]:
    """III: remedies for what was not met, the plan's tasks due next, standing duties, and the
    tasks staff added in the notes."""
    wording = report_tasks(regime_on(analysis.window.end))
    items: list[Block] = []
    for iid, text in wording.indicators.items():
        if _missed(analysis, iid):
            items.append(_item(text))
    summary = analysis.findings.summary()
    found = set(summary.loc[summary["count"] > 0, "check_id"])
    severities = set(summary.loc[summary["count"] > 0, "severity"])
    for key, text in wording.checks.items():
        if key in found or key in severities:
            items.append(_item(text))
    upcoming = _upcoming_tasks(analysis)
    for r in upcoming.head(limit).itertuples():
        dept = f" ({r.department})" if isinstance(r.department, str) and r.department else ""
        items.append(_item(f"{r.title}{dept}: hạn {vnformat.short_date(r.due_date)}."))
    if len(upcoming) > limit:
        items.append(_item(f"Và {_n(len(upcoming) - limit)} nhiệm vụ khác của Kế hoạch đến hạn "
                           "trong kỳ tới."))
    items.extend(_item(t) for t in notes.extra_tasks)
    items.extend(_item(t) for t in wording.standing)
    return items


def proposals(notes: ReportNotes) -> list[Block]:
    """IV: the proposals staff wrote in the notes."""
    if notes.proposals:
        return [_item(p) for p in notes.proposals]
    return [_p("Không có đề xuất, kiến nghị.")]


def extra_results(notes: ReportNotes) -> list[Block]:
    """I.8: other results staff added in the notes."""
    return [_item(t) for t in notes.extra_results]


# ------------------------------------------------------------------------------------------------
# appendix tables


def bieu06_html(analysis: Analysis) -> Markup:
    """Phụ lục I: Biểu 06/VPCP/KSTT — STT, the fields, TOTAL last, column numbers (1)…(13)."""
    form = analysis.forms.bieu06.copy()
    form.insert(0, "stt", [str(i) for i in range(1, len(form))] + [""])
    form["field"] = form["field"].where(form["field"] != TOTAL, BIEU06_TOTAL_LABEL)
    headers = {"stt": "STT", **BIEU06_HEADERS}
    groups = [("", 2), *BIEU06_GROUPS[1:]]
    withdrawn = int(analysis.forms.withdrawn.get(TOTAL, 0))
    table = html_table(form, headers=headers, groups=groups, css_class="parbook-table form bieu06",
                       formats={c: "number" for c in form.columns if c not in ("field", "stt")},
                       numbered=True)
    note = Block(f"Ghi chú: (3) = (4) + (5) + (6) = (7) + (11); (7) = (8) + (9) + (10); (11) = (12) "
                 f"+ (13). Hồ sơ đang giải quyết tính tại ngày chốt số liệu "
                 f"{analysis.window.as_of:%d/%m/%Y}. Hồ sơ công dân rút không tính vào biểu: "
                 f"{_n(withdrawn)} hồ sơ.", css="table-note")
    return table + html_prose([note])


def _definition(indicator_id: str) -> str:
    spec = definitions()[indicator_id]
    if not spec.denominator_vi:
        return spec.numerator_vi[0].upper() + spec.numerator_vi[1:] + "."
    return f"Tử số: {spec.numerator_vi}; mẫu số: {spec.denominator_vi}."


def indicators_html(analysis: Analysis) -> Markup:
    """Phụ lục II: each indicator with its definition in plain words, the window and the year."""
    ind = analysis.indicators.frame
    specs = definitions()
    rows = []
    for i, iid in enumerate(ind["indicator_id"].drop_duplicates(), start=1):
        period, ytd = _fig(analysis, iid), _fig(analysis, iid, "ytd")
        met = period.met if period.known else None
        texts = (period.ratio_text(), ytd.ratio_text(), period.target_text() or EMPTY)
        if iid == "tt01_total":
            met = _tt01_met(analysis)
            texts = (_tt01_text(analysis), _tt01_text(analysis, "ytd"), _tt01_target_text())
        scope_note = " (tính đến ngày chốt)" if specs[iid].to_as_of else ""
        rows.append({"stt": str(i), "label": indicator_label(iid) + scope_note,
                     "definition": _definition(iid), "period": texts[0], "ytd": texts[1],
                     "target": texts[2], "met": EMPTY if met is None else MET_LABELS[met]})
    frame = pd.DataFrame(rows, columns=["stt", "label", "definition", "period", "ytd", "target",
                                        "met"])
    return html_table(frame, css_class="parbook-table form indicators", headers={
        "stt": "STT", "label": "Chỉ số", "definition": "Cách tính", "period": "Kỳ báo cáo",
        "ytd": "Lũy kế từ đầu năm", "target": "Mục tiêu", "met": "Đánh giá (kỳ báo cáo)"})


def checks_table(analysis: Analysis) -> pd.DataFrame:
    """Phụ lục III's rows: every content checked, its legal basis, kind and what was found."""
    findings = analysis.findings.frame
    doubtful = findings[on_faulty_records(findings)].groupby("check_id").size()
    summary = analysis.findings.summary()
    out = summary.assign(
        stt=[str(i) for i in range(1, len(summary) + 1)],
        severity=summary["severity"].map(SEVERITY_LABELS),
        found=[f"{_n(n)}" + (f" (trong đó {_n(doubtful[c])} {NEEDS_CHECKING})"
                             if c in doubtful.index else "")
               for c, n in zip(summary["check_id"], summary["count"], strict=True)])
    return out[["stt", "title_vi", "basis", "severity", "found"]]


def checks_html(analysis: Analysis) -> Markup:
    """Phụ lục III: the self-inspection results, without codes."""
    return html_table(checks_table(analysis), css_class="parbook-table checks", headers={
        "stt": "STT", "title_vi": "Nội dung kiểm tra", "basis": "Căn cứ", "severity": "Loại",
        "found": "Số trường hợp"})


def severity_table(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings per entity and severity (rows: entities; columns: severities; with totals)."""
    if findings.empty:
        return pd.DataFrame(columns=["Đối tượng", *[SEVERITY_LABELS[s] for s in SEVERITY_ORDER], "Tổng"])
    table = pd.crosstab(findings["entity"].map(lambda e: ENTITY_LABELS.get(e, e)), findings["severity"])
    table = table.reindex(columns=list(SEVERITY_ORDER), fill_value=0)
    table.columns = [SEVERITY_LABELS[s] for s in SEVERITY_ORDER]
    table["Tổng"] = table.sum(axis=1)
    return table.rename_axis("Đối tượng").reset_index()
