"""The district report reads as a commune's report: no software words, codes, paths or English;
laws cited the Vietnamese way ("khoản 9 Điều 19 Nghị định số 61/2018/NĐ-CP"), numbers written
the Vietnamese way — in report.html and report.pdf as sent, and in every text the report takes
from the reference data (check bases, remedies)."""

from __future__ import annotations

import html as html_module
import re
from pathlib import Path

import pytest

from parbook.law.regimes import all_regimes
from parbook.quality.catalogue import all_checks
from parbook.report.narrative import report_tasks
from tests.textscan import pdf_text

# What belongs to the auditors' outputs, never to the district's report.
SOFTWARE = [
    (r"\bparbook\b", "software name"),
    (r"\b(?:HS|NV|PA|KS|VB|BM)\d{2}\b", "check code"),
    (r"\bR\d{1,2}\b", "plan requirement code"),
    (r"\b[\w-]+/[\w./-]+\.(?:ya?ml|csv|py|json|xlsx)\b", "file path"),
    (r"data/reference", "file path"),
    (r"cấu hình", "configuration word"),
    (r"chưa xác minh", "configuration label"),
    (r"\[[USV]\]", "reliability mark"),
    (r"sổ tự kiểm tra chạy", "software phrase"),
    (r"\b(?:the|and|of|estimate|approximation|indicator|warning|error|violation|dossier|data|"
     r"check|rate|unit|None|nan|True|False)\b", "English or a raw value"),
    (r"\d{4}-\d{2}-\d{2}", "ISO date"),
    (r"tức khoảng 0 ", "empty estimate"),
    (r"\bhs\b", "informal abbreviation"),
]
# Not the Vietnamese citation style: "Điều 19.9", "Điều 5.1(e)", "Nghị định 61/2018" without "số",
# "NĐ 61/2018/NĐ-CP" abbreviations.
CITATION = [
    (r"Điều \d+\.\d", "Điều 19.9 instead of khoản 9 Điều 19"),
    (r"Điều \d+(?:\.\d+)?\([a-zđ]\)", "Điều 17(b) instead of điểm b …"),
    (r"(?:Nghị định|Thông tư|Quyết định|Kế hoạch) (?!số )\d+/", "a legal text without 'số'"),
    (r"\b(?:NĐ|TT|QĐ) \d+\b", "an abbreviated legal text"),
]
# Four digits and more take a thousands separator: 2.852, not 2852 (years and legal numbers aside).
BARE_THOUSANDS = re.compile(r"(?<![\d.,/-])(\d{4,})(?![\d-]|/[A-ZĐ])")


def _visible(html: str) -> str:
    text = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return html_module.unescape(re.sub(r"<[^>]+>", " ", text))


def _violations(text: str, patterns: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(why, m.group(0)) for pattern, why in patterns for m in re.finditer(pattern, text)]


@pytest.fixture(scope="module")
def report_texts(report_dir: Path) -> dict[str, str]:
    return {"report.html": _visible((report_dir / "report.html").read_text(encoding="utf-8")),
            "report.pdf": pdf_text(report_dir / "report.pdf")}


def test_the_district_report_has_no_software_words(report_texts: dict[str, str]) -> None:
    for name, text in report_texts.items():
        assert _violations(text, SOFTWARE) == [], name


def test_the_district_report_cites_laws_the_vietnamese_way(report_texts: dict[str, str]) -> None:
    for name, text in report_texts.items():
        assert _violations(text, CITATION) == [], name
        assert "khoản" in text and "Nghị định số 61/2018/NĐ-CP" in text, name


def test_the_district_report_writes_thousands_with_a_dot(report_texts: dict[str, str]) -> None:
    text = report_texts["report.html"]
    bare = [m.group(1) for m in BARE_THOUSANDS.finditer(text)
            if not (1990 <= int(m.group(1)) <= 2100)]        # a year
    assert bare == []


def test_the_scan_catches_what_it_forbids() -> None:
    """The patterns above do find the wordings the district reviewer objected to."""
    bad = ("sổ tự kiểm tra chạy 24 nội dung (parbook) — HS08, R15 — data/reference/rules.yaml "
           "cấu hình, chưa xác minh [U]; estimate")
    assert {why for why, _ in _violations(bad, SOFTWARE)} >= {
        "software name", "check code", "plan requirement code", "file path", "configuration word",
        "configuration label", "reliability mark", "English or a raw value", "software phrase"}
    citations = "NĐ 61/2018/NĐ-CP Điều 19.9, Điều 17.1(a); Nghị định 61/2018/NĐ-CP; QĐ 766"
    assert {why for why, _ in _violations(citations, CITATION)} == {why for _, why in CITATION}
    assert [m.group(1) for m in BARE_THOUSANDS.finditer("2852/2.936 năm 2024")] == ["2852", "2024"]


@pytest.mark.parametrize("check", all_checks(), ids=lambda c: c.id)
def test_every_check_basis_reads_as_a_legal_citation(check) -> None:
    """Phụ lục III prints each check's basis as it is: no codes, paths or config words; the
    auditors' remarks (plan codes, reliability, where a rule is set) go to its note."""
    assert _violations(check.basis, SOFTWARE) == []
    assert _violations(check.basis, CITATION) == []
    assert check.basis[:1].isupper()


@pytest.mark.parametrize("regime", all_regimes(), ids=lambda r: r.id)
def test_every_remedy_reads_as_the_communes_own_words(regime) -> None:
    wording = report_tasks(regime)
    texts = [*wording.indicators.values(), *wording.checks.values(), *wording.standing]
    for text in texts:
        assert _violations(text, SOFTWARE + CITATION) == [], text


@pytest.mark.parametrize("regime", all_regimes(), ids=lambda r: r.id)
def test_every_regime_text_the_report_prints_reads_as_a_citation(regime) -> None:
    """What a report under the regime takes from regimes.yaml (check bases, the note on the 2024
    rules kept, the recipients): no configuration labels or reliability marks (DESIGN.md §12)."""
    texts = [*(regime.check_basis(c.id, c.basis) for c in all_checks()), regime.legacy_note,
             regime.report.recipients_to, *regime.report.recipients, regime.one_stop_unit,
             *regime.wording.values()]
    for text in filter(None, texts):
        assert _violations(text, SOFTWARE + CITATION) == [], text
