"""``parbook batch``: several communes in parallel, one failure not stopping the others."""

from __future__ import annotations

import argparse

import pandas as pd
import pytest
from openpyxl import load_workbook

from parbook.commands import batch
from parbook.timeline.periods import Window
from tests.report import fixture_db


@pytest.fixture(scope="module")
def two_communes(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('batch') / 'db.sqlite'}"
    fixture_db.build(url, unit="XA-MOT", unit_name="Xã Một", prefix="001")
    fixture_db.build(url, unit="XA-HAI", unit_name="Xã Hai", prefix="002")
    return url


def test_resolve_units(two_communes: str) -> None:
    assert batch.resolve_units("all", two_communes) == ["XA-HAI", "XA-MOT"]   # units with dossiers only
    assert batch.resolve_units(" XA-MOT, XA-HAI,XA-MOT ", two_communes) == ["XA-MOT", "XA-HAI"]
    with pytest.raises(ValueError):
        batch.resolve_units("XA-MOT,../x", two_communes)


def test_unit_folder_mirrors_the_report_layout(tmp_path) -> None:
    w = Window.parse("2024-Q3", "calendar")
    assert batch.unit_folder(tmp_path, "X", w) == tmp_path / "X" / "2024-Q3"


def test_batch_runs_in_parallel_and_survives_a_failure(two_communes: str, tmp_path, capsys) -> None:
    args = argparse.Namespace(period="2024-Q3", window="nd09", as_of=None, units="XA-MOT,XA-HAI,XA-KHONG",
                              jobs=2, db=two_communes, out=str(tmp_path))
    assert batch.cmd_batch(args) == 1                     # XA-KHONG is not in the database
    captured = capsys.readouterr()
    assert "LỖI XA-KHONG" in captured.err and "2/3" in captured.out
    for unit in ("XA-MOT", "XA-HAI"):
        assert (tmp_path / unit / "2024-Q3" / "report.pdf").exists()
        assert (tmp_path / unit / "2024-Q3" / "manifest.json").exists()
    assert not (tmp_path / "XA-KHONG").exists()     # refused before any notebook: nothing left
    summary = pd.read_csv(tmp_path / "tong-hop-2024-Q3.csv").set_index("unit_code")
    assert summary.loc["XA-KHONG", "status"] == "failed" and "XA-KHONG" in summary.loc["XA-KHONG", "error"]
    ok = summary.loc[["XA-MOT", "XA-HAI"]]
    assert (ok["status"] == "ok").all()
    assert ok["ontime_rate"].round(4).tolist() == [round(20 / 24, 4)] * 2
    assert (ok["findings_violation"] > 0).all()
    findings = pd.read_csv(tmp_path / "XA-MOT" / "2024-Q3" / "findings.csv")
    assert ok.loc["XA-MOT", "findings_violation"] == (findings["severity"] == "violation").sum()
    ws = load_workbook(tmp_path / "tong-hop-2024-Q3.xlsx").active
    assert str(ws.cell(row=1, column=1).value).startswith("TỔNG HỢP TỰ KIỂM TRA CÁC XÃ — QUÝ III NĂM 2024")
