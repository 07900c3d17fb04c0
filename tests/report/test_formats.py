"""Vietnamese formats, escaped and masked HTML tables, the report's prose from contract frames."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from parbook import vnformat
from parbook.analysis import figures
from parbook.contract import INDICATOR_COLUMNS
from parbook.report import narrative, tables
from parbook.timeline.periods import Window


@pytest.mark.parametrize("value,digits,expected", [
    (0.9534, 1, "95,3%"), (0.95, 0, "95%"), (1.0, 1, "100,0%"), (0.0125, 1, "1,3%"),
    (0.02345, 2, "2,35%"), (None, 1, "—"), (np.nan, 1, "—"), (pd.NA, 1, "—"),
])
def test_percent(value, digits, expected) -> None:
    assert vnformat.percent(value, digits) == expected


def test_number_and_dates() -> None:
    assert vnformat.number(1234567) == "1.234.567"
    assert vnformat.number(1234.5, 1) == "1.234,5"
    assert vnformat.number(np.int64(12)) == "12"
    assert vnformat.long_date(date(2024, 2, 3)) == "ngày 03 tháng 02 năm 2024"
    assert vnformat.long_date(date(2024, 12, 31)) == "ngày 31 tháng 12 năm 2024"
    assert vnformat.short_date(pd.Timestamp("2024-09-14 10:00")) == "14/09/2024"
    assert vnformat.doc_number("7") == "07" and vnformat.doc_number("125") == "125"
    assert vnformat.in_sentence("Quý III năm 2024") == "quý III năm 2024"


def test_html_table_escapes_masks_and_formats() -> None:
    frame = pd.DataFrame({
        "dossier_code": ["A<1>"], "applicant_name": ["Nguyễn Văn An"], "applicant_phone": ["0912 345 123"],
        "applicant_address": ["Thôn Đông"], "handler": ["<script>alert(1)</script>"], "rate": [0.953],
        "when": [pd.Timestamp("2024-07-01")], "flag": [True],
    })
    html = tables.html_table(frame, formats={"rate": "percent"})
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "A&lt;1&gt;" in html
    assert "Nguyễn V. A." in html and "Nguyễn Văn An" not in html
    assert "09xx xxx 123" in html and "0912 345 123" not in html
    assert "Thôn Đông" not in html and "applicant_address" not in html
    assert "95,3%" in html and "01/07/2024" in html and ">Có<" in html


def test_html_table_selects_columns_and_cuts_long_tables() -> None:
    frame = pd.DataFrame({"a": range(10), "b": list("abcdefghij")})
    html = tables.html_table(frame, headers={"b": "Cột B"}, max_rows=3)
    assert "Cột B" in html and html.count("<tr>") == 4 and "còn 7 dòng" in html
    with pytest.raises(KeyError):
        tables.html_table(frame, headers={"zzz": "?"})
    assert "Không có dữ liệu" in tables.html_table(frame.head(0))


def _indicators(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=INDICATOR_COLUMNS)


def test_value_text_and_verdict() -> None:
    ind = _indicators([
        ("ontime_rate", "period", 812, 852, 812 / 852, 0.95, True),
        ("ontime_rate", "ytd", 2000, 2200, 2000 / 2200, 0.95, False),
        ("multi_supplement_count", "period", 3, np.nan, 3, 0, False),
        ("tt01_total", "period", np.nan, np.nan, 12.5, 12, True),
        ("survey_coverage", "period", 0, 0, np.nan, 1.0, np.nan),
    ])
    on = figures.indicator_value(ind, "ontime_rate")
    assert on.ratio_text() == "95,3% (812/852)" and on.verdict() == ", đạt mục tiêu 95%"
    assert figures.indicator_value(ind, "ontime_rate", "ytd").verdict() == ", chưa đạt mục tiêu 95%"
    assert figures.indicator_value(ind, "multi_supplement_count").value_text() == "3 hồ sơ"
    assert figures.indicator_value(ind, "tt01_total").value_text() == "12,5 điểm"
    empty = figures.indicator_value(ind, "survey_coverage")
    assert not empty.known and empty.value_text() == "chưa có dữ liệu" and empty.verdict() == ""
    assert not figures.indicator_value(ind, "nothing").known


def test_next_window() -> None:
    assert narrative.next_window(Window.parse("2024-Q3")).period == "2024-Q4"
    assert narrative.next_window(Window.parse("2024-Q4")).period == "2025-Q1"
    assert narrative.next_window(Window.parse("2024")).period == "2025"
