"""The prose of the quarterly report (sections I–IV of regulations.md §11), from the results.

Every function returns escaped HTML built only from the documented frames: indicators
(DESIGN.md §7 columns), findings (§6), Biểu 06, and the facts/registers frames. Numbers are
printed the Vietnamese way (95,3%). No personal data is ever read here.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from parbook import vnformat
from parbook.analysis.figures import indicator_label
from parbook.analysis.figures import indicator_value as figure
from parbook.contract import TOTAL
from parbook.law.rules import rules
from parbook.pipeline import Analysis
from parbook.report.labels import (
    BIEU06_GROUPS,
    BIEU06_HEADERS,
    BIEU06_TOTAL_LABEL,
    ENTITY_LABELS,
    MET_LABELS,
    SEVERITY_LABELS,
    SEVERITY_ORDER,
    severity_label,
)
from parbook.report.tables import html_table
from parbook.store.settings import Strict, reference
from parbook.timeline.periods import Window
from parbook.vnformat import EMPTY


class ReportTasks(Strict):
    """report_tasks.yaml: the remedies section IV proposes for an indicator missed or a check
    with findings (by id or severity), and the standing duties. Texts may name a rule parameter
    in braces ({feedback_limit_working_days})."""

    indicators: dict[str, str] = {}
    checks: dict[str, str] = {}
    standing: tuple[str, ...] = ()


def report_tasks() -> ReportTasks:
    """report_tasks.yaml with the rule parameters filled in."""
    raw = reference("report_tasks.yaml", ReportTasks)
    values = rules().model_dump()
    return ReportTasks(indicators={k: v.format(**values) for k, v in raw.indicators.items()},
                       checks={k: v.format(**values) for k, v in raw.checks.items()},
                       standing=tuple(v.format(**values) for v in raw.standing))


def _p(text: str, css: str | None = None) -> str:
    cls = f' class="{css}"' if css else ""
    return f"<p{cls}>{html.escape(text)}</p>"


def _items(items: list[str]) -> str:
    return "".join(_p("- " + t, "item") for t in items)


def ontime_target() -> float:
    """The plan's on-time target (data/reference/rules.yaml)."""
    return float(rules().ontime_target)


def next_window(window: Window) -> Window:
    """The window after this one (next quarter, or next year)."""
    if window.quarter is None:
        return Window.parse(str(window.year + 1), window.window)
    if window.quarter == 4:
        return Window.parse(f"{window.year + 1}-Q1", window.window)
    return Window.parse(f"{window.year}-Q{window.quarter + 1}", window.window)


def _n(x: Any) -> str:
    return vnformat.number(x)


def _period_phrase(w: Window) -> str:
    return (f"{vnformat.in_sentence(w.label_vi())} (từ ngày {w.start:%d/%m/%Y} đến ngày {w.end:%d/%m/%Y}, "
            f"số liệu chốt ngày {w.as_of:%d/%m/%Y})")


def direction(analysis: Analysis) -> str:
    """Section I: the plan being carried out, plan tasks and the legal-document review."""
    w = analysis.window
    ind = analysis.indicators.frame
    out = [_p(
        f"Thực hiện Kế hoạch duy trì và nâng cao Chỉ số cải cách hành chính (PAR INDEX) và Chỉ số "
        f"hài lòng của người dân, tổ chức (SIPAS) năm {w.year}, Ủy ban nhân dân xã tổ chức tự kiểm "
        f"tra việc tiếp nhận, giải quyết thủ tục hành chính (TTHC) {_period_phrase(w)} trên cơ sở dữ "
        "liệu của Hệ thống thông tin giải quyết TTHC và các sổ theo dõi của xã.")]
    tasks = figure(ind, "plan_task_ontime_rate")
    if tasks.known:
        late = int((tasks.denominator or 0) - (tasks.numerator or 0))
        out.append(_p(
            f"Đến ngày chốt số liệu có {_n(tasks.denominator)} nhiệm vụ của Kế hoạch đến hạn; "
            f"{_n(tasks.numerator)} nhiệm vụ hoàn thành đúng hạn ({tasks.value_text()}), "
            f"{_n(late)} nhiệm vụ chưa hoàn thành hoặc hoàn thành chậm{tasks.verdict()}."))
    else:
        out.append(_p("Chưa có nhiệm vụ nào của Kế hoạch đến hạn tại ngày chốt số liệu."))
    reviewed, handled = figure(ind, "legal_docs_reviewed_rate"), figure(ind, "legal_docs_handled_rate")
    if reviewed.known:
        text = (f"Công tác rà soát văn bản quy phạm pháp luật: đã rà soát {_n(reviewed.numerator)}/"
                f"{_n(reviewed.denominator)} văn bản ({reviewed.value_text()})")
        if handled.known:
            text += (f"; {_n(handled.numerator)}/{_n(handled.denominator)} văn bản cần sửa đổi, bãi bỏ "
                     f"đã được xử lý ({handled.value_text()})")
        out.append(_p(text + "."))
    return "".join(out)


def dossier_results(analysis: Analysis) -> str:
    """Section II.1: Biểu 06 totals, on-time rate (period and year to date), channels."""
    b = analysis.forms.bieu06.set_index("field")
    total = b.loc[TOTAL] if TOTAL in b.index else None
    ind = analysis.indicators.frame
    out = []
    if total is None or int(total["received_total"]) == 0:
        out.append(_p("Trong kỳ không có hồ sơ TTHC thuộc phạm vi báo cáo."))
    else:
        withdrawn = int(analysis.forms.withdrawn.get(TOTAL, 0))
        out.append(_p(
            f"Tổng số hồ sơ nhận giải quyết: {_n(total['received_total'])} hồ sơ (tiếp nhận trực "
            f"tuyến {_n(total['received_online'])}; trực tiếp và qua dịch vụ bưu chính công ích "
            f"{_n(total['received_direct_postal'])}; từ kỳ trước chuyển sang {_n(total['carried_over'])}). "
            f"Đã giải quyết {_n(total['settled_total'])} hồ sơ (trước hạn {_n(total['early'])}, đúng "
            f"hạn {_n(total['on_time'])}, quá hạn {_n(total['late'])}); đang giải quyết "
            f"{_n(total['pending_total'])} hồ sơ (trong hạn {_n(total['pending_within'])}, quá hạn "
            f"{_n(total['pending_overdue'])}). Hồ sơ công dân rút: {_n(withdrawn)}."))
    ontime, ytd = figure(ind, "ontime_rate"), figure(ind, "ontime_rate", "ytd")
    if ontime.known:
        text = ("Tỷ lệ hồ sơ giải quyết trước hạn, đúng hạn trong kỳ đạt "
                f"{ontime.ratio_text()}{ontime.verdict()}")
        if ytd.known:
            text += f"; lũy kế từ đầu năm đạt {ytd.ratio_text()}{ytd.verdict()}"
        out.append(_p(text + "."))
    else:
        out.append(_p("Trong kỳ chưa có hồ sơ đã giải quyết để tính tỷ lệ đúng hạn."))
    parts = []
    for iid, label in (("online_rate", "tiếp nhận trực tuyến"),
                       ("postal_rate", "nộp hoặc nhận kết quả qua bưu chính công ích"),
                       ("digitized_rate", "được số hóa"), ("electronic_result_rate", "có kết quả điện tử")):
        f = figure(ind, iid)
        if f.known:
            parts.append(f"{label} {f.ratio_text()}")
    if parts:
        out.append(_p("Tỷ lệ hồ sơ " + "; ".join(parts) + "."))
    return "".join(out)


def process_results(analysis: Analysis) -> str:
    """Section II.2: apologies, repeated supplementation requests, verification transfers."""
    ind = analysis.indicators.frame
    out = []
    apology = figure(ind, "apology_coverage")
    if apology.known:
        out.append(_p(f"Có {_n(apology.denominator)} hồ sơ trễ hạn; {_n(apology.numerator)} hồ sơ có văn "
                      f"bản xin lỗi người dân, tổ chức ({apology.value_text()}){apology.verdict()}."))
    else:
        out.append(_p("Trong kỳ không có hồ sơ trễ hạn phải xin lỗi."))
    multi = figure(ind, "multi_supplement_count")
    if multi.known:
        out.append(_p(f"Số hồ sơ yêu cầu bổ sung quá một lần: {_n(multi.value)}{multi.verdict()}."))
    verification = figure(ind, "verification_rate")
    if verification.known:
        out.append(_p(f"Tỷ lệ hồ sơ chuyển xác minh: {verification.ratio_text()}."))
    return "".join(out)


def quality_results(analysis: Analysis, class_label: str | None = None) -> str:
    """Section II.3: the TT 01/2018 score of the commune and its class."""
    tt01 = figure(analysis.indicators.frame, "tt01_total")
    if not tt01.known:
        return _p("Chưa đủ dữ liệu để chấm điểm chất lượng giải quyết TTHC theo Thông tư 01/2018/TT-VPCP.")
    klass = f", xếp loại {class_label}" if class_label else ""
    return _p(f"Điểm đánh giá chất lượng giải quyết TTHC của xã theo Thông tư 01/2018/TT-VPCP đạt "
              f"{tt01.value_text()}{klass}{tt01.verdict()} (các chỉ số chưa có dữ liệu không tính, "
              "xem Phụ lục II).")


def satisfaction_results(analysis: Analysis) -> str:
    """Section II.4: survey coverage and the share of satisfied ratings."""
    ind = analysis.indicators.frame
    coverage, rate = figure(ind, "survey_coverage"), figure(ind, "satisfaction_rate")
    out = []
    if coverage.known:
        out.append(_p(f"Tỷ lệ hồ sơ đã trả kết quả được người dân đánh giá mức độ hài lòng: "
                      f"{coverage.ratio_text()}{coverage.verdict()}."))
    n_surveys = len(analysis.facts.period.surveys)
    out.append(_p(f"Số phiếu đánh giá trong kỳ: {_n(n_surveys)}; tỷ lệ đánh giá hài lòng, "
                  f"rất hài lòng (mức 4–5) trên 5 yếu tố: {rate.ratio_text()} (ước tính theo phương "
                  "pháp gần đúng, chưa phải chỉ số SIPAS chính thức)."))
    return "".join(out)


def feedback_results(analysis: Analysis) -> str:
    """Section II.5: PAKN received, within the commune's competence, resolved on time."""
    fb = analysis.facts.period.feedback
    in_scope = fb[fb["in_scope"]] if len(fb) else fb
    ontime = figure(analysis.indicators.frame, "feedback_ontime_rate")
    text = (f"Trong kỳ xã tiếp nhận, theo dõi {_n(len(fb))} phản ánh, kiến nghị (PAKN), trong đó "
            f"{_n(len(in_scope))} PAKN thuộc thẩm quyền.")
    if ontime.known:
        text += (f" Tỷ lệ PAKN xử lý đúng hạn {rules().feedback_limit_working_days} ngày làm việc: "
                 f"{ontime.ratio_text()}{ontime.verdict()}.")
    return _p(text)


def severity_counts(findings: pd.DataFrame) -> dict[str, int]:
    """Number of findings per severity (every severity present, zeros included)."""
    counts = findings.groupby("severity").size() if len(findings) else pd.Series(dtype="int64")
    return {s: int(counts.get(s, 0)) for s in ("violation", "error", "warning")}


def check_results(analysis: Analysis, summary: pd.DataFrame) -> str:
    """Section II.6: the automatic checks that ran and what they found, by severity."""
    counts = severity_counts(analysis.findings.frame)
    failed = summary[summary["count"] > 0]
    text = (f"Sổ tự kiểm tra chạy {_n(len(summary))} nội dung kiểm tra tự động đối với dữ liệu hồ sơ, "
            f"PAKN, phiếu đánh giá, văn bản QPPL và nhiệm vụ kế hoạch; {_n(len(failed))} nội dung có "
            f"phát hiện, gồm {_n(counts['violation'])} trường hợp "
            f"{SEVERITY_LABELS['violation'].lower()}, {_n(counts['error'])} "
            f"{SEVERITY_LABELS['error'].lower()} và {_n(counts['warning'])} trường hợp "
            f"{SEVERITY_LABELS['warning'].lower()} (chi tiết tại Phụ lục III).")
    return _p(text)


def shortcomings(analysis: Analysis, summary: pd.DataFrame) -> str:
    """Section III: targets not met and violations found."""
    items = []
    ind = analysis.indicators.frame
    for iid in ind.loc[ind["scope"] == "period", "indicator_id"].drop_duplicates():
        f = figure(ind, iid)
        if f.known and f.met is False:
            items.append(f"{indicator_label(iid)} đạt {f.ratio_text()}, chưa đạt mục tiêu {f.target_text()}.")
    violations = summary[(summary["count"] > 0) & (summary["severity"] == "violation")]
    for r in violations.sort_values(["count", "check_id"], ascending=[False, True]).itertuples():
        items.append(f"{_n(r.count)} trường hợp: {r.title_vi} ({r.check_id}).")
    errors = int(summary.loc[summary["severity"] == "error", "count"].sum())
    if errors:
        items.append(f"Còn {_n(errors)} lỗi dữ liệu trên hệ thống cần sửa (Phụ lục III).")
    if not items:
        return _p("Qua số liệu tự kiểm tra, trong kỳ chưa phát hiện tồn tại, hạn chế.")
    return _items(items)


def _upcoming_tasks(analysis: Analysis) -> pd.DataFrame:
    """Plan tasks not done whose due date falls after the as-of date, up to the next window's end."""
    tasks = analysis.data.plan_tasks
    if tasks.empty:
        return tasks
    as_of, until = pd.Timestamp(analysis.window.as_of), pd.Timestamp(next_window(analysis.window).end)
    due = tasks["due_date"]
    done = tasks["done_date"].notna() & (tasks["done_date"] <= as_of)
    return tasks[(due > as_of) & (due <= until) & ~done].sort_values(["due_date", "task_id"])


def next_tasks(analysis: Analysis, summary: pd.DataFrame, limit: int = 12) -> str:
    """Section IV: remedies for what was not met, the plan's tasks due next, standing duties."""
    wording = report_tasks()
    items: list[str] = []
    ind = analysis.indicators.frame
    for iid, text in wording.indicators.items():
        f = figure(ind, iid)
        if f.known and f.met is False:
            items.append(text)
    found = set(summary.loc[summary["count"] > 0, "check_id"])
    severities = set(summary.loc[summary["count"] > 0, "severity"])
    for key, text in wording.checks.items():
        if key in found or key in severities:
            items.append(text)
    upcoming = _upcoming_tasks(analysis)
    for r in upcoming.head(limit).itertuples():
        dept = f" ({r.department})" if isinstance(r.department, str) and r.department else ""
        items.append(f"{r.title}{dept}: hạn {vnformat.short_date(r.due_date)}.")
    if len(upcoming) > limit:
        items.append(f"Và {_n(len(upcoming) - limit)} nhiệm vụ khác của Kế hoạch đến hạn trong kỳ tới.")
    items.extend(wording.standing)
    return _items(items)



# ------------------------------------------------------------------------------------------------
# appendix tables


def bieu06_html(analysis: Analysis) -> str:
    """Biểu 06/VPCP/KSTT as an HTML table (two header rows, TOTAL last), withdrawn beside it."""
    form = analysis.forms.bieu06.copy()
    withdrawn = analysis.forms.withdrawn
    form["field"] = form["field"].where(form["field"] != TOTAL, BIEU06_TOTAL_LABEL)
    table = html_table(form, headers=BIEU06_HEADERS, groups=BIEU06_GROUPS, css_class="parbook-table form",
                       formats={c: "number" for c in form.columns if c != "field"})
    note = _p(f"Hồ sơ đang giải quyết tính tại ngày chốt số liệu {analysis.window.as_of:%d/%m/%Y}. "
              f"Hồ sơ công dân rút không tính vào biểu: {_n(withdrawn.get(TOTAL, 0))} hồ sơ.", "table-note")
    return table + note


def indicators_html(analysis: Analysis) -> str:
    """The indicators of the period and the year to date side by side, with target and verdict."""
    ind = analysis.indicators.frame
    rows = []
    for iid in ind["indicator_id"].drop_duplicates():
        period, ytd = figure(ind, iid), figure(ind, iid, "ytd")
        met = period.met if period.known else None
        rows.append({"label": indicator_label(iid), "period": period.ratio_text(),
                     "ytd": ytd.ratio_text(), "target": period.target_text() or EMPTY,
                     "met": EMPTY if met is None else MET_LABELS[met]})
    frame = pd.DataFrame(rows, columns=["label", "period", "ytd", "target", "met"])
    return html_table(frame, css_class="parbook-table form", headers={"label": "Chỉ số", "period": "Trong kỳ",
                                      "ytd": "Lũy kế từ đầu năm", "target": "Mục tiêu",
                                      "met": "Đánh giá (trong kỳ)"})


def checks_html(summary: pd.DataFrame, only_found: bool = False) -> str:
    """Per check: id, severity, title, legal basis and the number of cases found."""
    data = summary[summary["count"] > 0] if only_found else summary
    data = data.assign(severity=data["severity"].map(severity_label))
    return html_table(data, headers={"check_id": "Mã", "severity": "Mức độ", "title_vi": "Nội dung kiểm tra",
                                     "basis": "Căn cứ", "count": "Số trường hợp"},
                      formats={"count": "number"})


def severity_table(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings per entity and severity (rows: entities; columns: severities; with totals)."""
    if findings.empty:
        return pd.DataFrame(columns=["Đối tượng", *[SEVERITY_LABELS[s] for s in SEVERITY_ORDER], "Tổng"])
    table = pd.crosstab(findings["entity"].map(lambda e: ENTITY_LABELS.get(e, e)), findings["severity"])
    table = table.reindex(columns=list(SEVERITY_ORDER), fill_value=0)
    table.columns = [SEVERITY_LABELS[s] for s in SEVERITY_ORDER]
    table["Tổng"] = table.sum(axis=1)
    return table.rename_axis("Đối tượng").reset_index()
