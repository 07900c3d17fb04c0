"""Units over time (DESIGN.md §12): mergers, validity dates, predecessors' records included."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

import pytest
from sqlalchemy import select

from parbook.commands.main import main
from parbook.store import db
from parbook.store.init import init_database
from parbook.store.units import UnitError, all_units, set_unit
from parbook.timeline import scope
from parbook.timeline.periods import Window


def dossier(code: str, unit: str, received: str, finished: str) -> dict:
    return {"dossier_code": code, "unit_code": unit, "procedure_code": "2.001035",
            "channel": "direct", "received_at": datetime.fromisoformat(received),
            "due_at": datetime.fromisoformat(finished), "status": "done",
            "finished_at": datetime.fromisoformat(finished)}


@pytest.fixture
def merged(sqlite_url: str) -> str:
    """Xã A and Xã B merged into Xã C on 1/7/2025, each with its own dossiers."""
    init_database(sqlite_url, [{"unit_code": c, "unit_name": f"Xã {c}"} for c in "ABC"])
    with db.engine(sqlite_url).begin() as conn:
        set_unit(conn, "C", valid_from=date(2025, 7, 1))
        for old in "AB":
            set_unit(conn, old, valid_to=date(2025, 6, 30), successor_code="C")
        conn.execute(db.dossiers.insert(), [
            dossier("A-1", "A", "2025-02-10 09:00", "2025-02-11 09:00"),
            dossier("A-2", "A", "2025-06-30 16:00", "2025-07-02 09:00"),
            dossier("B-1", "B", "2025-05-05 09:00", "2025-05-06 09:00"),
            dossier("C-1", "C", "2025-07-01 08:00", "2025-07-02 09:00"),
            dossier("C-2", "C", "2025-08-04 08:00", "2025-08-05 09:00"),
        ])
    return sqlite_url


def facts(url: str, unit: str, period: str) -> scope.Facts:
    window = Window.parse(period)
    with db.engine(url).connect() as conn:
        return scope.build(scope.load(conn, unit, window), window)


def test_merged_year_to_date_is_predecessors_before_plus_own_after(merged: str) -> None:
    c = facts(merged, "C", "2025-Q3")
    ytd = c.ytd.dossiers.groupby("unit_code").size().to_dict()
    # each predecessor reported alone for the window of the merger (15/6–14/9/2025): its own
    # year to date stops at its valid_to, and the merged commune's adds its own after
    a, b = (facts(merged, old, "2025-Q3").ytd.dossiers for old in "AB")
    assert ytd == {"A": 2, "B": 1, "C": 2}
    assert (len(a), len(b)) == (2, 1)
    assert len(c.ytd.dossiers) == len(a) + len(b) + 2 == 5
    # the window 15/6–14/9/2025: A-2 (received 30/6) is the predecessor's, judged under nd61
    period = c.period.dossiers
    assert sorted(period.index) == ["A-2", "C-1", "C-2"]
    assert period.loc["A-2", "regime"] == "nd61" and period.loc["C-1", "regime"] == "nd118"
    assert c.data.predecessors == {"A": "Xã A", "B": "Xã B"}
    assert facts(merged, "A", "2025-Q2").data.predecessors == {}


def test_unit_outside_its_dates_names_successor_or_predecessors(merged: str) -> None:
    with pytest.raises(UnitError, match="thuộc đơn vị kế thừa C"):
        facts(merged, "A", "2025-Q4")
    with pytest.raises(UnitError, match="thuộc các đơn vị trước sáp nhập A, B"):
        facts(merged, "C", "2025-Q1")
    assert len(facts(merged, "A", "2025-Q3").period.dossiers) == 1   # 15/6–14/9: A-2


def test_bad_declarations_are_refused(merged: str) -> None:
    with db.engine(merged).begin() as conn:
        with pytest.raises(UnitError, match=r"vòng lặp \(successor loop\): C → A → C"):
            set_unit(conn, "C", successor_code="A")
        with pytest.raises(UnitError, match="Chưa có đơn vị kế thừa 'Z'"):
            set_unit(conn, "B", successor_code="Z")
        with pytest.raises(UnitError, match="không thể kế thừa chính nó"):
            set_unit(conn, "B", successor_code="B")
        with pytest.raises(UnitError, match="valid_from after valid_to"):
            set_unit(conn, "B", valid_from=date(2025, 7, 1))
        with pytest.raises(UnitError, match="the successor must start after its predecessor"):
            set_unit(conn, "A", valid_to=date(2025, 7, 1))
        assert all_units(conn)["C"]["successor_code"] is None


def test_units_command_declares_a_merger_and_keeps_history(sqlite_url: str, capsys) -> None:
    assert main(["init", "--db", sqlite_url, "--unit", "X1", "--unit", "X2"]) == 0
    assert main(["units", "set", "NEW", "--db", sqlite_url, "--name", "Xã Mới",
                 "--province", "Quảng Trị", "--valid-from", "2025-07-01"]) == 0
    for old in ("X1", "X2"):
        assert main(["units", "set", old, "--db", sqlite_url, "--valid-to", "30/06/2025",
                     "--successor", "NEW"]) == 0
    assert main(["units", "set", "NEW", "--db", sqlite_url, "--successor", "X1"]) == 2
    assert "vòng lặp" in capsys.readouterr().err
    assert main(["units", "list", "--db", sqlite_url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "NEW | Xã Mới | 01/07/2025 – nay | gồm cả X1, X2" in lines
    assert "X1 |  | … – 30/06/2025 | → sáp nhập vào NEW" in lines
    with db.engine(sqlite_url).connect() as conn:
        history = conn.execute(select(db.HISTORY_TABLES["units"].c.unit_code)).scalars().all()
    assert sorted(history) == ["X1", "X2"]       # the versions before the merger


def test_an_older_database_gains_the_columns_with_nothing_lost(tmp_path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE units (unit_code VARCHAR(64) PRIMARY KEY, unit_name "
                     "VARCHAR(255), district VARCHAR(255), province VARCHAR(255))")
        conn.execute("INSERT INTO units VALUES ('OLD', 'Xã Cũ', 'Huyện Đông', 'Quảng Trị')")
    init_database(f"sqlite:///{path}")
    with db.engine(f"sqlite:///{path}").connect() as conn:
        row = all_units(conn)["OLD"]
    assert row == {"unit_code": "OLD", "unit_name": "Xã Cũ", "district": "Huyện Đông",
                   "province": "Quảng Trị", "valid_from": None, "valid_to": None,
                   "successor_code": None}


def test_report_names_the_predecessors_included(merged: str) -> None:
    from types import SimpleNamespace

    from parbook.report.narrative import merged_units

    c = facts(merged, "C", "2025-Q3")
    text, = (b.text for b in merged_units(SimpleNamespace(data=c.data, facts=c)))
    assert text == ("Số liệu của kỳ và lũy kế từ đầu năm gồm cả hồ sơ của đơn vị trước sáp nhập: "
                    "Xã A (1 hồ sơ trong kỳ, 2 hồ sơ lũy kế); Xã B (0 hồ sơ trong kỳ, 1 hồ sơ "
                    "lũy kế).")
    alone = facts(merged, "A", "2025-Q3")
    assert merged_units(SimpleNamespace(data=alone.data, facts=alone)) == []


def test_import_quarantines_a_record_outside_its_units_dates(merged: str, tmp_path) -> None:
    from parbook.intake.ingest import ingest_files
    from tests.messy import csv_bytes

    (tmp_path / "HoSo.csv").write_text(csv_bytes([
        ["Mã hồ sơ", "Mã đơn vị", "Mã TTHC", "Ngày tiếp nhận", "Trạng thái"],
        ["A-9", "A", "2.001035", "30/06/2025 16:00", "Đang xử lý"],
        ["A-10", "A", "2.001035", "01/07/2025 08:00", "Đang xử lý"],
        ["C-9", "C", "2.001035", "30/06/2025 09:00", "Đang xử lý"],
        ["C-10", "C", "2.001035", "", "Đang xử lý"],
    ]), encoding="utf-8")
    result, = ingest_files([tmp_path / "HoSo.csv"], url=merged)
    assert (result.inserted, result.quarantined) == (2, 2)
    with db.engine(merged).connect() as conn:
        reasons = {r.row_number: r.reason for r in conn.execute(select(db.quarantine))}
    assert reasons == {
        3: 'Cột "Mã đơn vị": đơn vị A chỉ còn đến ngày 30/06/2025 (đã sáp nhập vào C: ghi Mã đơn '
           'vị C), bản ghi ngày 01/07/2025',
        4: 'Cột "Mã đơn vị": đơn vị C thành lập từ ngày 01/07/2025 (trước đó ghi Mã đơn vị của '
           'đơn vị cũ: A, B), bản ghi ngày 30/06/2025'}


def test_batch_all_takes_the_units_that_existed_in_the_window(merged: str) -> None:
    from parbook.commands.batch import resolve_units

    def units(period: str) -> list[str]:
        return resolve_units("all", merged, Window.parse(period))

    assert units("2025-Q2") == ["A", "B"]
    assert units("2025-Q3") == ["A", "B", "C"]        # 15/6–14/9/2025 spans the merger
    assert units("2025-Q4") == ["C"]
    assert resolve_units("all", merged) == ["A", "B", "C"]


# --- registers keyed by (id, unit_code) (DESIGN.md §12) ----------------------------------------

def _registers(unit: str) -> dict:
    import pandas as pd

    return {
        "feedback": pd.DataFrame([{"feedback_id": "PAKN-01", "unit_code": unit,
                                   "received_at": pd.Timestamp("2025-03-03 09:00"),
                                   "in_scope": True, "subject": f"Góp ý {unit}"}]),
        "legal_documents": pd.DataFrame([{"document_id": "01/2025/QĐ-UBND", "unit_code": unit,
                                          "title": f"Quy chế {unit}",
                                          "issued_at": pd.Timestamp("2025-02-10")}]),
        "plan_tasks": pd.DataFrame([{"task_id": "NV-01", "unit_code": unit, "title": f"Việc {unit}",
                                     "due_date": pd.Timestamp("2025-03-14")}]),
    }


def test_two_communes_may_share_register_ids(merged: str, tmp_path) -> None:
    """The same PAKN id, document number and task id in two communes load as two records each,
    and loading again changes nothing."""
    import pandas as pd

    from parbook.intake.ingest import ingest_files
    from parbook.intake.template import write_workbook

    tables = {name: pd.concat([_registers("A")[name], _registers("B")[name]], ignore_index=True)
              for name in ("feedback", "legal_documents", "plan_tasks")}
    book = write_workbook(tmp_path / "registers.xlsx", tables)
    first = {r.sheet: r.inserted for r in ingest_files([book], url=merged)}
    assert (first["PAKN"], first["VBQPPL"], first["NhiemVu"]) == (2, 2, 2)
    again = {r.sheet: (r.inserted, r.updated) for r in ingest_files([book], url=merged)}
    assert again["PAKN"] == again["VBQPPL"] == again["NhiemVu"] == (0, 0)
    with db.engine(merged).connect() as conn:
        for table, ident in db.KEYED_BY_UNIT.items():
            rows = conn.execute(select(db.DATA_TABLES[table].c.unit_code)).scalars().all()
            assert sorted(rows) == ["A", "B"], (table, ident)


def test_a_merged_commune_names_a_predecessors_record_that_shares_its_id(merged: str) -> None:
    """C (merged from A and B) has its own task NV-01; A's NV-01 reads 'NV-01 (A)' in C's
    windows, so that each finding names one record; A alone keeps its own id."""
    with db.engine(merged).begin() as conn:
        for unit in "AC":
            for name, frame in _registers(unit).items():
                conn.execute(db.DATA_TABLES[name].insert(), frame.to_dict("records"))
    c = facts(merged, "C", "2025-Q3")
    assert sorted(c.data.plan_tasks["task_id"]) == ["NV-01", "NV-01 (A)"]
    assert sorted(c.data.legal_documents["document_id"]) == ["01/2025/QĐ-UBND",
                                                           "01/2025/QĐ-UBND (A)"]
    assert c.data.feedback["feedback_id"].is_unique
    alone = facts(merged, "A", "2025-Q2")
    assert alone.data.plan_tasks["task_id"].tolist() == ["NV-01"]
    assert c.period.plan_tasks.index.is_unique and c.period.legal_documents.index.is_unique
    assert "NV-01 (A)" in c.period.plan_tasks.index


def test_plan_load_gives_each_commune_its_own_tasks(merged: str) -> None:
    """The plan's task ids are the same for every commune (<plan>-<requirement>-<n>): a second
    commune loading the plan gets its own tasks (they were taken for the first one's)."""
    from parbook.plan.model import load_plan, load_plan_tasks

    plan = load_plan()
    with db.engine(merged).begin() as conn:
        a = load_plan_tasks(conn, plan, "A")
        b = load_plan_tasks(conn, plan, "B")
        assert a.inserted == b.inserted == a.read > 50
        assert load_plan_tasks(conn, plan, "B").inserted == 0


OLD_REGISTERS = [
    "CREATE TABLE units (unit_code VARCHAR(64) PRIMARY KEY, unit_name TEXT)",
    "INSERT INTO units VALUES ('A', 'Xã A'), ('B', 'Xã B')",
    "CREATE TABLE plan_tasks (task_id VARCHAR(64) PRIMARY KEY, unit_code VARCHAR(64), "
    "plan_code VARCHAR(64), requirement_id VARCHAR(64), department VARCHAR(255), title TEXT, "
    "due_date DATE, done_date DATE, evidence TEXT, batch_id INTEGER)",
    "CREATE INDEX ix_plan_tasks_unit_code ON plan_tasks (unit_code)",
    "INSERT INTO plan_tasks (task_id, unit_code, title, due_date, evidence) VALUES "
    "('NV-01', 'A', 'Việc A', '2025-03-14', 'Văn bản số 1'), "
    "('NV-02', 'A', 'Việc A2', '2025-06-14', NULL)",
    "CREATE TABLE feedback (feedback_id VARCHAR(64) PRIMARY KEY, unit_code VARCHAR(64), "
    "received_at TIMESTAMP, subject TEXT)",
    "INSERT INTO feedback VALUES ('PAKN-01', 'A', '2025-03-03 09:00:00', 'Góp ý')",
]


def test_an_older_database_is_keyed_by_unit_with_nothing_lost(any_db_url: str) -> None:
    """A database whose registers were keyed by id alone is migrated on first use (SQLite:
    rebuilt; PostgreSQL: its key replaced): every row kept, the key (id, unit_code), a second
    commune's same id then accepted."""
    from sqlalchemy import inspect, text

    eng = db.engine(any_db_url)
    with eng.begin() as conn:
        for statement in OLD_REGISTERS:
            conn.execute(text(statement))
    db.create_schema(eng)
    db.create_schema(eng)                                         # idempotent
    found = inspect(eng)
    for table, ident in db.KEYED_BY_UNIT.items():
        assert set(found.get_pk_constraint(table)["constrained_columns"]) == {ident, "unit_code"}
    with eng.begin() as conn:
        tasks = db.read_table(conn, db.plan_tasks).sort_values("task_id")
        assert tasks[["task_id", "unit_code", "title", "evidence"]].values.tolist() == [
            ["NV-01", "A", "Việc A", "Văn bản số 1"], ["NV-02", "A", "Việc A2", None]]
        assert db.read_table(conn, db.feedback)["subject"].tolist() == ["Góp ý"]
        conn.execute(db.plan_tasks.insert(), [{"task_id": "NV-01", "unit_code": "B"}])
        conn.execute(db.feedback.insert(), [{"feedback_id": "PAKN-01", "unit_code": "B"}])
    assert not [t for t in inspect(eng).get_table_names() if "before_unit_key" in t]


def test_an_older_register_row_without_a_unit_is_named_not_lost(tmp_path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as con:
        con.executescript("""
            CREATE TABLE legal_documents (document_id VARCHAR(64) PRIMARY KEY,
                unit_code VARCHAR(64), title TEXT);
            INSERT INTO legal_documents VALUES ('01/2020/QĐ-UBND', NULL, 'Quy chế');
        """)
    with pytest.raises(db.SchemaError, match="legal_documents có 1 dòng không có mã đơn vị"):
        db.create_schema(db.engine(f"sqlite:///{path}"))
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT count(*) FROM legal_documents").fetchone() == (1,)
