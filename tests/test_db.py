"""Schema creation and reference data, on SQLite and on a real PostgreSQL server."""

from datetime import datetime

import pandas as pd
from sqlalchemy import inspect, select

from parbook.store import db
from parbook.store.init import init_database

CONTRACT_COLUMNS = {
    "units": "unit_code unit_name district province",
    "procedures": "procedure_code procedure_name field processing_time_value processing_time_unit "
                  "verification_extra_days fee online_level department",
    "dossiers": "dossier_code unit_code procedure_code applicant_name applicant_phone "
                "applicant_address channel received_at due_at finished_at returned_at "
                "result_delivery status handler department digitized electronic_result note",
    "dossier_events": "event_id dossier_code event_type event_at new_due_at reason stage",
    "feedback": "feedback_id unit_code received_at channel subject dossier_code in_scope "
                "resolved_at outcome about_staff satisfied",
    "surveys": "survey_id dossier_code surveyed_at channel access procedure staff result "
               "feedback_handling overall",
    "legal_documents": "document_id unit_code title issued_at reviewed_at review_result "
                       "handled_at handling",
    "plan_tasks": "task_id unit_code plan_code requirement_id department title due_date "
                  "done_date evidence",
    "self_scores": "unit_code year criterion_id score evidence note",
    "quarantine": "batch_id sheet row_number raw reason",
}


def test_schema_has_contract_tables_and_columns(any_db_url: str) -> None:
    init_database(any_db_url)
    insp = inspect(db.engine(any_db_url))
    for table, cols in CONTRACT_COLUMNS.items():
        have = {c["name"] for c in insp.get_columns(table)}
        assert set(cols.split()) <= have, table
    types = {c["name"]: str(c["type"]).upper() for c in insp.get_columns("dossiers")}
    assert "TIMESTAMP" in types["received_at"] or "DATETIME" in types["received_at"]
    for name in db.DATA_TABLES:
        assert insp.has_table(f"{name}_history")


def test_init_is_idempotent_and_loads_reference(any_db_url: str) -> None:
    first = init_database(any_db_url, [{"unit_code": "X1", "unit_name": "Xã Một"}])
    second = init_database(any_db_url, [{"unit_code": "X1", "unit_name": "Xã Một"}])
    assert first["procedures"] > 30 and second["procedures"] == 0 and second["units"] == 0
    with db.engine(any_db_url).connect() as conn:
        row = conn.execute(select(db.procedures).where(
            db.procedures.c.procedure_code == "1.001022")).one()
        assert (row.processing_time_value, row.processing_time_unit) == (3, "working_days")
        assert row.verification_extra_days == 5 and row.reliability == "V"


def test_timestamps_round_trip_as_timestamps(any_db_url: str) -> None:
    init_database(any_db_url, [{"unit_code": "X1"}])
    at = datetime(2024, 5, 3, 15, 1, 30)
    with db.begin(any_db_url) as conn:
        conn.execute(db.dossiers.insert(), [{"dossier_code": "D1", "unit_code": "X1",
                                             "received_at": at, "digitized": True}])
        frame = db.read_table(conn, db.dossiers)
    assert frame.loc[0, "received_at"] == pd.Timestamp(at)
    assert str(frame["received_at"].dtype) == "datetime64[us]"
    assert frame.loc[0, "digitized"] is True or bool(frame.loc[0, "digitized"]) is True


def test_survey_of_a_dossier_closed_before_the_year_is_known(sqlite_url: str) -> None:
    from parbook.timeline.periods import Window
    from parbook.timeline.registers import survey_facts
    from parbook.timeline.scope import load as load_for_window

    init_database(sqlite_url, [{"unit_code": "X1"}])
    with db.begin(sqlite_url) as conn:
        conn.execute(db.dossiers.insert(), [{
            "dossier_code": "OLD", "unit_code": "X1", "status": "done",
            "received_at": datetime(2023, 11, 1, 9), "finished_at": datetime(2023, 11, 20, 9),
            "returned_at": datetime(2023, 12, 20, 9)}])
        conn.execute(db.surveys.insert(), [{"survey_id": "S1", "dossier_code": "OLD",
                                            "surveyed_at": datetime(2023, 12, 20, 10)}])
        window = Window.parse("2024-Q1")
        sv = survey_facts(load_for_window(conn, "X1", window), window)
    assert bool(sv.loc["S1", "dossier_known"])
    assert sv.loc["S1", "dossier_returned_at"] == pd.Timestamp(2023, 12, 20, 9)


def test_init_declares_only_the_communes_units_and_updates_a_renamed_one(sqlite_url, capsys) -> None:
    """Issue 18.17: the demo unit of data/reference/units.csv never enters a commune's database;
    re-running init with a new name updates the unit, and the letterhead and place line read well
    from the form people type ("UBND xã …")."""
    from parbook.commands.main import main
    from parbook.report.page import report_header
    from parbook.timeline.periods import Window

    assert main(["init", "--db", sqlite_url, "--unit", "XA-HB", "--unit-name", "UBND xã Hòa Bình"]) == 0
    out = capsys.readouterr()
    assert "1 đơn vị mới" in out.out and "chưa có mã" not in out.out + out.err
    assert main(["init", "--db", sqlite_url, "--unit", "XA-HB", "--unit-name", "Xã Hòa Bình Đông",
                 "--province", "Tỉnh Huế"]) == 0
    assert "0 đơn vị mới (new units), 1 đơn vị cập nhật" in capsys.readouterr().out
    with db.engine(sqlite_url).connect() as conn:
        units = conn.execute(select(db.units)).mappings().all()
    assert [(u["unit_code"], u["unit_name"], u["province"]) for u in units] == [
        ("XA-HB", "Xã Hòa Bình Đông", "Tỉnh Huế")]
    header = report_header(dict(units[0]), Window.parse("2024-Q4"))
    assert (header.issuer, header.place) == ("ỦY BAN NHÂN DÂN\nXÃ HÒA BÌNH ĐÔNG", "Hòa Bình Đông")
    assert header.issuer_name == "Ủy ban nhân dân xã Hòa Bình Đông"


def test_shared_strings_keeps_values_and_holds_each_repeated_value_once() -> None:
    statuses = pd.Series(["done" + ""] * 600 + [None] * 5 + ["".join(["re", "jected"])] * 600,
                         dtype=object)
    copies = pd.Series([s if s is None else "".join(list(s)) for s in statuses], dtype=object)
    assert len({id(v) for v in copies if v is not None}) == 1200       # a driver's new strings
    shared = db.shared_strings(copies)
    pd.testing.assert_series_equal(shared, copies)
    assert shared.isna().sum() == 5 and shared[600] is None
    assert len({id(v) for v in shared if v is not None}) == 2
    codes = pd.Series([f"HS-{i:05d}" for i in range(2000)], dtype=object)
    assert db.shared_strings(codes) is codes                # mostly distinct: left as it is
    assert db.shared_strings(pd.Series([None] * 2000, dtype=object)).isna().all()


def test_read_table_shares_repeated_text(sqlite_url: str) -> None:
    init_database(sqlite_url, [{"unit_code": "X1"}])
    rows = [{"dossier_code": f"D{i}", "unit_code": "X1", "status": "done"} for i in range(1500)]
    with db.begin(sqlite_url) as conn:
        conn.execute(db.dossiers.insert(), rows)
        frame = db.read_table(conn, db.dossiers)
    assert frame["status"].tolist() == ["done"] * 1500
    assert len({id(v) for v in frame["status"]}) == 1
    assert frame["dossier_code"].tolist() == [f"D{i}" for i in range(1500)]


def test_read_table_in_pieces_gives_the_frame_of_one_piece(any_db_url: str, monkeypatch) -> None:
    """A table read a few rows at a time: the same values, dtypes and missing values as read at
    once, repeated text held once across the pieces, and an empty read typed as the schema."""
    init_database(any_db_url, [{"unit_code": "X1"}])
    rows = [{"dossier_code": f"D{i:04d}", "unit_code": "X1", "status": ["done", "rejected"][i % 2],
             "received_at": datetime(2024, 5, 3, 8, i % 60) if i % 7 else None,
             "digitized": None if i % 5 == 0 else bool(i % 3), "note": None}
            for i in range(2100)]
    with db.begin(any_db_url) as conn:
        conn.execute(db.dossiers.insert(), rows)
        whole = db.read_table(conn, db.dossiers)
        monkeypatch.setattr(db, "READ_PIECE", 64)
        pieces = db.read_table(conn, db.dossiers)
        empty = db.read_table(conn, db.dossiers, db.dossiers.c.unit_code == "nowhere")
    pd.testing.assert_frame_equal(pieces, whole)
    assert len(pieces) == 2100 and pieces["received_at"].isna().sum() == 300
    assert str(pieces["received_at"].dtype) == "datetime64[us]"
    assert str(pieces["digitized"].dtype) == "boolean" and pieces["digitized"].isna().sum() == 420
    assert len({id(v) for v in pieces["status"]}) == 2                   # one pool for all pieces
    assert list(empty.columns) == list(whole.columns) and len(empty) == 0
    assert (empty.dtypes == whole.dtypes).all()
