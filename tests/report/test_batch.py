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


def test_local_workers_are_forked_from_a_forkserver_without_a_profiler() -> None:
    import os

    with batch._client(None, 2) as client:
        parents = set(client.run(os.getppid).values())
        callbacks = client.run(lambda dask_worker: sorted(dask_worker.periodic_callbacks))
        client.cluster.close()
    assert all("profile" not in names and "heartbeat" in names for names in callbacks.values())
    assert batch._start_method() == "forkserver"
    assert len(parents) == 1 and os.getpid() not in parents     # the forkserver, not this process


def test_sqlite_with_a_remote_scheduler_is_refused(two_communes: str, tmp_path, capsys) -> None:
    args = argparse.Namespace(period="2024-Q3", window="nd09", as_of=None, units="XA-MOT", jobs=2,
                              db=two_communes, out=str(tmp_path), scheduler="tcp://10.20.30.40:8786")
    assert batch.cmd_batch(args) == 2                     # refused before connecting
    err = capsys.readouterr().err
    assert "SQLite" in err and "PostgreSQL" in err and "10.20.30.40" in err
    assert not list(tmp_path.iterdir())
    assert batch.is_local_address("tcp://127.0.0.1:8786") and batch.is_local_address("localhost:8786")
    assert not batch.is_local_address("tcp://dask.tinh.gov.vn:8786")
    batch.check_cluster_database("postgresql://u@10.0.0.1/parbook", "tcp://10.20.30.40:8786")


def test_write_unit_files_replaces_the_folder_or_its_failed_twin(tmp_path) -> None:
    folder = tmp_path / "X" / "2024-Q3"
    batch.write_unit_files({"out.failed/": b"", "out.failed/log.txt": b"loi"}, folder)
    assert (folder.parent / "2024-Q3.failed" / "log.txt").read_bytes() == b"loi"
    batch.write_unit_files({"out/a/b.csv": b"1", "out/c.pdf": b"2"}, folder)
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == \
        ["a/b.csv", "c.pdf"]
    assert not (folder.parent / "2024-Q3.failed").exists()              # outdated, removed
    batch.write_unit_files({"out/c.pdf": b"3"}, folder)
    assert [p.name for p in folder.iterdir()] == ["c.pdf"]              # replaced, not merged
    notes = folder.parent / "2024-Q3.ghi-chu.yaml"
    batch.write_unit_files({"out.ghi-chu.yaml": b"# mau"}, folder)
    assert notes.read_bytes() == b"# mau"
    notes.write_bytes(b"ghi_chu: da sua")
    batch.write_unit_files({"out.ghi-chu.yaml": b"# mau"}, folder)
    assert notes.read_bytes() == b"ghi_chu: da sua"                   # the user's notes stay


def test_batch_on_a_running_scheduler(two_communes: str, tmp_path, monkeypatch, capsys) -> None:
    """--scheduler: the communes go to that cluster's workers; the files land where the command
    runs (here tmp_path/run), not in the workers' folders."""
    from distributed import LocalCluster

    monkeypatch.chdir(tmp_path)
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        args = argparse.Namespace(period="2024-Q3", window="nd09", as_of=None,
                                  units="XA-MOT,XA-KHONG", jobs=1, db=two_communes,
                                  out="run", scheduler=cluster.scheduler_address)
        assert batch.cmd_batch(args) == 1
    captured = capsys.readouterr()
    assert "1/2" in captured.out and "LỖI XA-KHONG" in captured.err
    assert (tmp_path / "run" / "XA-MOT" / "2024-Q3" / "report.pdf").exists()
    assert not (tmp_path / "run" / "XA-KHONG").exists()    # refused before any notebook: nothing left
