"""Legal regimes by date (DESIGN.md §12): each record judged by the regime of its own day."""

from datetime import date
from types import SimpleNamespace

import pandas as pd
import pytest
import yaml

from parbook.contract import FINDINGS_COLUMNS
from parbook.law import regimes as law
from parbook.law.regimes import RegimeFile, regime_of_days, regime_on
from parbook.quality.catalogue import get_check, load_catalogue
from parbook.quality.checks import check_regime_limits, findings_summary, regime_basis
from parbook.report.narrative import regime_coverage
from parbook.store.config import REFERENCE_DIR
from parbook.store.settings import ConfigError, validate
from parbook.timeline import facts as facts_module
from parbook.timeline.facts import build_facts
from parbook.timeline.periods import Window
from tests.builders import dossier, findings_of, unit_data

T = pd.Timestamp
SAME_DAY = "2.000635"      # chứng thực bản sao: same_day, 15:00 cut-off
TWO_DAYS = "2.001035"      # chứng thực hợp đồng: 2 working days


def raw_regimes() -> dict:
    return yaml.safe_load((REFERENCE_DIR / "regimes.yaml").read_text(encoding="utf-8"))


def test_switch_day_and_missing_date() -> None:
    assert regime_on(date(2025, 6, 30)).id == "nd61"
    assert regime_on(date(2025, 7, 1)).id == "nd118"
    assert regime_on(date(2024, 1, 1)).id == "nd61"
    assert regime_on(date(2026, 9, 30)).id == "nd118"
    when = pd.Series(pd.to_datetime(["2025-06-30 17:00", "2025-07-01 08:00", None]))
    assert regime_of_days(when, date(2025, 9, 14)).tolist() == ["nd61", "nd118", "nd118"]
    assert regime_of_days(when, date(2025, 6, 14)).tolist() == ["nd61", "nd118", "nd61"]


def test_dossier_judged_by_its_receipt_day() -> None:
    f = build_facts(unit_data([
        dossier("A", SAME_DAY, "2025-06-30 17:00", due="2025-07-01",
                finished="2025-08-05 10:00", status="done"),
        dossier("B", SAME_DAY, "2025-07-01 08:00", due="2025-07-01"),
        dossier("C", SAME_DAY, None, due="2025-07-01"),
    ]), Window.parse("2025-Q3"))
    assert f["regime"].to_dict() == {"A": "nd61", "B": "nd118", "C": "nd118"}
    assert f.loc["A", "legal_due"] == T("2025-07-01")     # after 15:00 on Mon 30/6 → Tue 1/7
    assert f.loc["B", "legal_due"] == T("2025-07-01")


def test_rule_parameters_apply_per_dossier(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = law.rules_by_regime()
    later = rules["nd118"].model_copy(update={"cutoff_time": pd.Timestamp("18:00").time(),
                                              "appraisal_supplement_limit_working_days": 5})
    monkeypatch.setattr(facts_module, "rules_by_regime", lambda: {**rules, "nd118": later})
    f = build_facts(unit_data([
        dossier("OLD", SAME_DAY, "2025-06-30 17:00", due="2025-07-01"),
        dossier("NEW", SAME_DAY, "2025-07-01 17:00", due="2025-07-01"),
    ]), Window.parse("2025-Q3"))
    assert f.loc["OLD", "legal_due"] == T("2025-07-01")    # nd61: 15:00 cut-off
    assert f.loc["NEW", "legal_due"] == T("2025-07-01")    # nd118 here: 18:00 cut-off
    assert f.loc["OLD", "appraisal_request_limit"] == T("2025-07-03")
    assert f.loc["NEW", "appraisal_request_limit"] == T("2025-07-08")


def test_default_rules_keep_the_cutoff_after_the_switch() -> None:
    f = build_facts(unit_data([dossier("NEW", SAME_DAY, "2025-07-01 17:00", due="2025-07-02")]),
                    Window.parse("2025-Q3"))
    assert f.loc["NEW", "legal_due"] == T("2025-07-02")


def late_without_apology() -> list[dict]:
    return [
        dossier("000.00.00.H00-250630-0001", TWO_DAYS, "2025-06-30 17:00", due="2025-07-03",
                finished="2025-08-05 10:00", status="done", returned_at="2025-08-05 10:00"),
        dossier("000.00.00.H00-250701-0001", TWO_DAYS, "2025-07-01 08:00", due="2025-07-03",
                finished="2025-08-05 10:00", status="done", returned_at="2025-08-05 10:00"),
    ]


def test_findings_carry_each_records_regime() -> None:
    findings = findings_of(unit_data(late_without_apology()), Window.parse("2025-Q3"))
    frame = findings.frame
    assert list(frame.columns) == FINDINGS_COLUMNS
    assert FINDINGS_COLUMNS[-1] == "regime" and FINDINGS_COLUMNS[:5] == [
        "check_id", "severity", "entity", "record_key", "message"]
    hs08 = frame[frame["check_id"] == "HS08"].set_index("record_key")["regime"].to_dict()
    assert hs08 == {"000.00.00.H00-250630-0001": "nd61", "000.00.00.H00-250701-0001": "nd118"}
    bm = frame[frame["entity"] == "form"]
    assert set(bm["regime"]) <= {"nd118"}
    assert findings.regimes == ("nd61", "nd118")


def test_basis_follows_the_windows_regimes() -> None:
    hs11 = get_check("HS11")
    assert regime_basis(hs11) == hs11.basis
    assert regime_basis(hs11, ("nd61",)) == hs11.basis
    assert "Điều 11 Nghị định số 118/2025/NĐ-CP" in regime_basis(hs11, ("nd118",))
    mixed = regime_basis(hs11, ("nd61", "nd118"))
    assert mixed.startswith("Nghị định số 61/2018/NĐ-CP (đến ngày 30/06/2025): Khoản 3 Điều 15")
    assert "Nghị định số 118/2025/NĐ-CP (từ ngày 01/07/2025): Điều 11" in mixed
    # a basis that does not depend on the regime is printed once
    assert regime_basis(get_check("VB02"), ("nd61", "nd118")) == get_check("VB02").basis
    summary = findings_summary(pd.DataFrame(columns=FINDINGS_COLUMNS), ("nd118",))
    assert "61/2018" not in summary.set_index("check_id").loc["HS10", "basis"]


def test_report_counts_dossiers_per_regime() -> None:
    def coverage(regimes: list[str]) -> list[str]:
        period = SimpleNamespace(dossiers=pd.DataFrame({"regime": regimes}))
        return [b.text for b in regime_coverage(SimpleNamespace(
            facts=SimpleNamespace(period=period)))]

    assert coverage(["nd61"] * 3) == []          # a 2024 window: nothing new to say
    text, = coverage(["nd61", "nd61", "nd118"])
    assert text == ("Mỗi hồ sơ được xét theo quy định có hiệu lực vào ngày tiếp nhận; 3 hồ sơ của "
                    "kỳ (kể cả hồ sơ công dân rút, dừng giải quyết và hồ sơ thiếu thông tin) gồm: "
                    "2 hồ sơ theo "
                    "Nghị định số 61/2018/NĐ-CP (Thông tư số 01/2018/TT-VPCP; tiếp nhận đến ngày "
                    "30/06/2025); 1 hồ sơ theo Nghị định số 118/2025/NĐ-CP (Thông tư số "
                    "03/2025/TT-VPCP; tiếp nhận từ ngày 01/07/2025).")


def test_regimes_file_errors_are_named() -> None:
    raw = raw_regimes()
    raw["regimes"][1]["valid_from"] = date(2025, 7, 2)
    del raw["regimes"][1]["basis"]["HS11"]
    with pytest.raises(ConfigError) as exc:
        validate(raw, RegimeFile, "regimes.yaml")
    text = str(exc.value)
    assert "regimes[2] (nd118): valid_from phải là ngày sau valid_to của nd61" in text
    assert "thiếu căn cứ của kiểm tra" in text and "HS11" in text


def test_regime_limits_must_match_the_catalogue(monkeypatch: pytest.MonkeyPatch) -> None:
    specs = {s.entity: s for s in load_catalogue()}
    check_regime_limits(specs)          # the shipped files agree
    regimes = law.all_regimes()
    looser = regimes[1].model_copy(update={"rules": regimes[1].rules.model_copy(
        update={"supplement_requests_allowed": 2})})
    monkeypatch.setattr("parbook.quality.checks.all_regimes", lambda: (regimes[0], looser))
    with pytest.raises(ConfigError, match="nd118.rules.supplement_requests_allowed = 2"):
        check_regime_limits(specs)


UNIT = {"unit_code": "X9", "unit_name": "Xã Bình An", "district": "Huyện Đông Sơn",
        "province": "Quảng Trị"}


@pytest.mark.parametrize("period,window,to,first", [
    ("2025-Q2", "nd09", "Ủy ban nhân dân huyện Đông Sơn", "UBND huyện Đông Sơn (Phòng Nội vụ)"),
    ("2025-Q2", "calendar", "Ủy ban nhân dân huyện Đông Sơn",
     "UBND huyện Đông Sơn (Phòng Nội vụ)"),                      # ends 30/6/2025
    ("2025-Q3", "nd09", "Ủy ban nhân dân tỉnh Quảng Trị", "UBND tỉnh Quảng Trị (qua Sở Nội vụ)"),
    ("2025-Q3", "calendar", "Ủy ban nhân dân tỉnh Quảng Trị",
     "UBND tỉnh Quảng Trị (qua Sở Nội vụ)"),
])
def test_report_goes_to_the_regimes_addressee(period: str, window: str, to: str, first: str
                                              ) -> None:
    from parbook.report.page import report_header

    head = report_header(UNIT, Window.parse(period, window))
    assert (head.recipients_to, head.recipients[0]) == (to, first)
    one_stop = ("Trung tâm Phục vụ hành chính công" if to.endswith("Quảng Trị")
                else "Bộ phận Tiếp nhận và Trả kết quả")
    assert f"Các bộ phận chuyên môn, {one_stop}" in head.recipients


def test_addressee_overridable_per_unit_and_regime(tmp_path, monkeypatch) -> None:
    from parbook.report import page
    from parbook.store.settings import load_yaml

    path = tmp_path / "report_header.yaml"
    path.write_text(
        "defaults: {subject: 'Báo cáo {period_label}'}\n"
        "units:\n  X9:\n    one_stop_unit: Trung tâm Phục vụ hành chính công xã Bình An\n"
        "    regimes:\n      nd118: {recipients_to: 'Ủy ban nhân dân thành phố Huế'}\n",
        encoding="utf-8")
    monkeypatch.setattr(page, "reference", lambda name, model: load_yaml(path, model))
    later = page.report_header(UNIT, Window.parse("2025-Q4"))
    assert later.recipients_to == "Ủy ban nhân dân thành phố Huế"
    assert "Các bộ phận chuyên môn, Trung tâm Phục vụ hành chính công xã Bình An" in later.recipients
    assert page.report_header(UNIT, Window.parse("2024-Q4")).recipients_to == (
        "Ủy ban nhân dân huyện Đông Sơn")
    path.write_text("defaults: {}\nunits:\n  X9:\n    regimes:\n      nd99: {}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown regime"):
        page.report_header(UNIT, Window.parse("2024-Q4"))


def test_remedies_cite_the_regimes_decree() -> None:
    from parbook.report.narrative import report_tasks

    old, new = report_tasks(law.get_regime("nd61")), report_tasks(law.get_regime("nd118"))
    assert old.indicators["multi_supplement_count"].endswith(
        "(khoản 3 Điều 15 Nghị định số 61/2018/NĐ-CP).")
    assert new.indicators["multi_supplement_count"].endswith(
        "(Điều 11 Nghị định số 118/2025/NĐ-CP).")
    assert old.indicators["survey_coverage"].startswith("Bộ phận Tiếp nhận và Trả kết quả mời")
    assert new.indicators["survey_coverage"].startswith("Trung tâm Phục vụ hành chính công mời")
    assert "61/2018" not in " ".join([*new.indicators.values(), *new.checks.values()])


def test_forms_without_a_header_go_to_the_regimes_addressee() -> None:
    from parbook.report.workbook import window_recipient

    def to(period: str) -> str | None:
        return window_recipient(SimpleNamespace(window=Window.parse(period),
                                                data=SimpleNamespace(unit=UNIT)))

    assert to("2025-Q2") == "Ủy ban nhân dân huyện Đông Sơn"
    assert to("2025-Q3") == "Ủy ban nhân dân tỉnh Quảng Trị"


def test_a_demo_year_across_the_switch_finds_its_ground_truth_under_both_regimes(tmp_path) -> None:
    """The demo commune of 2025 (NĐ 09 year 15/12/2024–14/12/2025): the checks find exactly the
    seeded records, and each finding carries the regime of its record's own day."""
    from parbook.demo import profile
    from parbook.demo.store import write_demo
    from parbook.store import db
    from parbook.timeline import scope

    url = f"sqlite:///{tmp_path / 'd.sqlite'}"
    result = write_demo(url, 7, 2025)
    window = Window.parse("2025")
    with db.engine(url).connect() as conn:
        data = scope.load(conn, profile.UNIT_CODE, window)
    frame = findings_of(data, window).frame
    found = set(zip(frame["check_id"], frame["record_key"].astype(str), strict=True))
    truth = result.ground_truth
    assert found == set(zip(truth["check_id"], truth["record_key"].astype(str), strict=True))
    dossiers = frame[frame["entity"] == "dossier"]
    received = data.dossiers.set_index("dossier_code")["received_at"].reindex(
        dossiers["record_key"])
    expected = ["nd61" if day < T("2025-07-01") else "nd118" for day in received.fillna(
        T("2025-12-14"))]
    assert dossiers["regime"].tolist() == expected
    assert set(frame["regime"]) == {"nd61", "nd118"}
