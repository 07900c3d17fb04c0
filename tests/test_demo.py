"""The demo commune: determinism, realism, ground truth (and the backtest of the real checks
against it), and the database write."""

from __future__ import annotations

import re
import time
from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from parbook.commands.main import main
from parbook.demo import (
    DemoRefused,
    build_demo,
    ground_truth_path,
    profile,
    write_demo,
)
from parbook.demo.build import TABLES, columns_of
from parbook.store import db
from parbook.store.init import init_database
from parbook.store.reference import read_procedures
from parbook.timeline import scope
from parbook.timeline.calendar import WorkCalendar
from parbook.timeline.periods import Window
from tests.builders import findings_of
from tests.textscan import every_text

UNIT = profile.UNIT_CODE
CHECK_IDS = [f"HS{i:02d}" for i in range(1, 16)] + ["PA01", "PA02", "KS01", "KS02", "VB01",
                                                    "VB02", "NV01", "NV02", "BM01"]
DOSSIER_CHECKS = [c for c in CHECK_IDS if c.startswith("HS")]
YEAR = Window.parse("2024")


def rule_findings(url: str, unit_code: str, window: Window, now: datetime | None = None,
                  backend: str = "pandas") -> pd.DataFrame:
    """check_id, record_key of every record the real checks (parbook.quality.checks on GX) flag."""
    with db.engine(url).connect() as conn:
        data = scope.load(conn, unit_code, window)
    found = findings_of(data, window, backend=backend, url=url, now=now).frame
    return (found[["check_id", "record_key"]].astype(str)
            .sort_values(["check_id", "record_key"]).reset_index(drop=True))

# Stated bounds of a realistic commune-year (checked for several seeds)
BOUNDS = {
    "received_in_year": (2700, 3300),     # about 3,000 a year
    "received_per_month": (110, 400),     # Tết dip in February, peak before Tết
    "online_share": (0.35, 0.45),         # ~40% online
    "postal_share": (0.01, 0.06),         # some BCCI receipts
    "late_share": (0.01, 0.05),           # a few % of settled dossiers late
    "after_15_share": (0.08, 0.20),       # counter receipts after 15:00
    "copies_share": (0.38, 0.52),         # chứng thực bản sao dominates
    "high_ratings": (0.80, 0.95),         # ratings 4–5 among all ratings
    "feedback_in_year": (20, 70),         # PAKN, ~40 a year
}


def within(value: float, name: str) -> bool:
    lo, hi = BOUNDS[name]
    return lo <= value <= hi


@pytest.fixture(scope="module")
def demo():
    return build_demo()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    """The 2024 commune-year alone (``write_demo(year=2024)``, the demo before the span) written
    into a SQLite file (shared by the self-check tests)."""
    folder = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{folder / 'demo.sqlite'}"
    return url, write_demo(url, year=2024)


@pytest.fixture(scope="module")
def span():
    from parbook.demo.span import build_span

    return build_span()


@pytest.fixture(scope="module")
def span_db(tmp_path_factory):
    """The default demo — 2024 to 2026-Q3, the merger on 1/7/2025 — in a SQLite file."""
    folder = tmp_path_factory.mktemp("span")
    url = f"sqlite:///{folder / 'demo.sqlite'}"
    return url, write_demo(url)


# --- determinism and speed --------------------------------------------------------------------

def test_same_seed_same_frames_and_other_seed_differs(demo) -> None:
    again = build_demo()
    for name in TABLES:
        pd.testing.assert_frame_equal(demo.tables[name], again.tables[name])
    pd.testing.assert_frame_equal(demo.ground_truth, again.ground_truth)
    other = build_demo(seed=2025)
    assert not other.tables["dossiers"].equals(demo.tables["dossiers"])
    assert set(other.ground_truth["record_key"]) != set(demo.ground_truth["record_key"])


def test_generation_is_fast() -> None:
    build_demo(seed=3)                       # calendar and reference files warm
    start = time.perf_counter()
    build_demo(seed=4)
    elapsed = time.perf_counter() - start
    assert elapsed < 3.0, f"generating a year took {elapsed:.2f} s (target < 2 s)"


def test_frames_have_the_schema_columns_and_types(demo) -> None:
    for name, table in TABLES.items():
        frame = demo.tables[name]
        assert list(frame.columns) == columns_of(table), name
    dossiers = demo.tables["dossiers"]
    assert str(dossiers["received_at"].dtype) == "datetime64[us]"
    assert str(dossiers["digitized"].dtype) == "boolean"
    assert dossiers["dossier_code"].is_unique and demo.tables["surveys"]["survey_id"].is_unique
    assert demo.tables["dossier_events"]["event_id"].is_unique
    assert (dossiers["unit_code"] == UNIT).all()


# --- realism -------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [2024, 1, 77])
def test_realistic_volumes_channels_and_timeliness(seed: int) -> None:
    tables = build_demo(seed).tables
    d = tables["dossiers"]
    year = d[d["received_at"].dt.year == 2024]
    assert within(len(year), "received_in_year")
    per_month = year.groupby(year["received_at"].dt.month).size()
    assert len(per_month) == 12 and per_month.between(*BOUNDS["received_per_month"]).all(), per_month
    channel = year["channel"].value_counts(normalize=True)
    assert within(channel["online"], "online_share") and within(channel["postal"], "postal_share")
    direct = year[year["channel"] == "direct"]
    seconds = (direct["received_at"] - direct["received_at"].dt.normalize()).dt.total_seconds()
    assert within((seconds > 15 * 3600).mean(), "after_15_share")
    assert seconds.between(7.5 * 3600, 17 * 3600).all()          # counter hours only
    settled = year[year["status"].isin(["done", "rejected"]) & year["finished_at"].notna()]
    late = settled["finished_at"].dt.normalize() > settled["due_at"].dt.normalize()
    assert within(late.mean(), "late_share")
    mix = year["procedure_code"].value_counts(normalize=True)
    assert mix.index[0] == "2.000815" and within(mix.iloc[0], "copies_share")
    ratings = tables["surveys"][["access", "procedure", "staff", "result", "feedback_handling"]]
    assert within(ratings.isin([4, 5]).to_numpy().mean(), "high_ratings")
    feedback = tables["feedback"]
    assert within((feedback["received_at"].dt.year == 2024).sum(), "feedback_in_year")


def test_export_shape_and_timing_rules(demo) -> None:
    d = demo.tables["dossiers"]
    assert d["received_at"].min() >= pd.Timestamp("2023-11-15")
    assert d["received_at"].max() < pd.Timestamp("2025-01-01")
    online = d[d["channel"] == "online"]
    off_day = ~np.asarray(WorkCalendar.default().is_working_day(online["received_at"]))
    assert off_day.sum() > 50 and (online["received_at"].dt.hour >= 20).sum() > 50
    # carried over into the year window: received before 15/12/2023, not closed by then
    start = pd.Timestamp("2023-12-15")
    carried = (d["received_at"] < start) & ~(d["finished_at"] < start)
    assert carried.sum() >= 5
    # nothing after the export (early January) except the seeded "future" typos of HS04
    export = pd.Timestamp("2025-01-03 16:00")
    hs04 = demo.ground_truth.loc[demo.ground_truth["check_id"] == "HS04", "record_key"]
    clean = d[~d["dossier_code"].isin(hs04)]
    for col in ("received_at", "finished_at", "returned_at"):
        assert not (clean[col] > export).any(), col
    ev = demo.tables["dossier_events"]
    assert (ev.loc[~ev["dossier_code"].isin(hs04), "event_at"] <= export).all()
    assert set(d["status"].dropna()) >= {"done", "rejected", "withdrawn", "processing"}
    assert set(ev["event_type"]) == {"supplement_request", "supplement_received", "apology",
                                     "verification_transfer", "pause", "resume", "rejection"}
    assert set(ev["stage"].dropna()) == {"reception", "appraisal"}


def test_personal_data_is_fictitious_and_procedures_are_real(demo) -> None:
    d = demo.tables["dossiers"]
    hs06 = set(demo.ground_truth.loc[demo.ground_truth["check_id"] == "HS06", "record_key"])
    phones = d.loc[~d["dossier_code"].isin(hs06), "applicant_phone"].dropna()
    normalised = phones.str.replace(r"[\s.]", "", regex=True).str.replace(r"^\+84", "0", regex=True)
    assert normalised.str.fullmatch(r"0000\d{6}").all()
    assert d["applicant_address"].str.contains("(mô phỏng)", regex=False).all()
    known = {p["procedure_code"] for p in read_procedures()[0]}
    seeded = set(demo.ground_truth.loc[demo.ground_truth["check_id"].isin(["HS02", "HS03"]),
                                       "record_key"])
    codes = d.loc[~d["dossier_code"].isin(seeded), "procedure_code"]
    assert set(codes) <= known and set(codes) == set(profile.PROCEDURE_MIX)
    cat = demo.tables["procedures"]
    assert cat["online_level"].isin(["full", "partial", "none"]).all() and cat["department"].notna().all()


def test_registers_and_plan_tasks(demo) -> None:
    docs, tasks = demo.tables["legal_documents"], demo.tables["plan_tasks"]
    assert len(docs) == 18 and docs["document_id"].is_unique
    assert len(tasks) == 100 and tasks["task_id"].is_unique
    assert {f"kh-par-sipas-2024-R11-{n}" for n in range(1, 6)} <= set(tasks["task_id"])
    r4 = tasks[tasks["requirement_id"] == "R4"].sort_values("due_date")
    assert r4["due_date"].tolist() == [pd.Timestamp(f"2024-{m:02d}-14") for m in (3, 6, 9, 12)]
    assert r4["title"].iloc[0].endswith("(quý I/2024)")
    assert (tasks["plan_code"] == "kh-par-sipas-2024").all()


def test_the_demo_expands_the_plan_as_plan_load_does() -> None:
    """Two readings of the plan format — the demo's own (it must not call the product, or a bug
    there would be copied into the ground truth) and parbook.plan's — give the same tasks."""
    from parbook.demo.plan_tasks import _plan_file, expand
    from parbook.plan.model import expand_tasks, load_plan

    assert expand(_plan_file(2024), UNIT) == expand_tasks(load_plan(), UNIT)


def test_the_demo_calendar_agrees_with_the_product_calendar() -> None:
    """The demo's own working days and clock (parbook.demo.workdays) and parbook.timeline agree
    day by day over the years the demo spans, and on the legal due date of every demo dossier."""
    from parbook.demo.workdays import DemoCalendar
    from parbook.timeline.facts import clock_due

    mine, product = DemoCalendar(2016, 2026), WorkCalendar.default()
    days = pd.date_range("2016-01-01", "2026-12-31", freq="D")
    assert [mine.is_working(d.date()) for d in days] == list(product.is_working_day(days))
    d = build_demo().tables["dossiers"].merge(build_demo().tables["procedures"], on="procedure_code")
    d = d[d["received_at"].notna()].reset_index(drop=True)
    ours = [mine.due(t.to_pydatetime(), u, v) for t, u, v in
            zip(d["received_at"], d["processing_time_unit"], d["processing_time_value"], strict=True)]
    theirs = clock_due(product, d["received_at"], d["processing_time_unit"],
                       d["processing_time_value"].astype("float64"))
    assert [None if x is None else pd.Timestamp(x) for x in ours] == [
        None if pd.isna(x) else x for x in theirs]


# --- ground truth ----------------------------------------------------------------------------

def test_ground_truth_covers_every_check_sparsely(demo) -> None:
    gt = demo.ground_truth
    assert list(gt.columns) == ["check_id", "record_key"] and not gt.duplicated().any()
    counts = gt.groupby("check_id").size()
    assert set(counts.index) == set(CHECK_IDS)
    assert (counts >= 3).all(), counts
    in_year = demo.tables["dossiers"]["received_at"].dt.year.eq(2024).sum()
    assert (counts[DOSSIER_CHECKS] / in_year <= 0.005).all()      # a few per mille
    keys = {
        "dossier": set(demo.tables["dossiers"]["dossier_code"]),
        "survey": set(demo.tables["surveys"]["survey_id"]),
        "feedback": set(demo.tables["feedback"]["feedback_id"]),
        "document": set(demo.tables["legal_documents"]["document_id"]),
        "task": set(demo.tables["plan_tasks"]["task_id"]),
        "field": set(demo.tables["procedures"]["field"]),
    }
    entity = {"PA": "feedback", "KS": "survey", "VB": "document", "NV": "task", "BM": "field",
              "HS": "dossier"}
    for check, key in gt.itertuples(index=False):
        assert key in keys[entity[check[:2]]], (check, key)


@pytest.mark.parametrize("backend", ["pandas", "sql"])
def test_checks_find_exactly_the_ground_truth(demo_db, backend: str) -> None:
    """Backtest: every check (GX, pandas and SQLite backends) finds exactly its seeded records —
    precision and recall 1.0 per check id; clean records trigger nothing."""
    url, result = demo_db
    found = rule_findings(url, UNIT, YEAR, backend=backend)
    truth = result.ground_truth[["check_id", "record_key"]].astype(str)
    for check in sorted(set(truth["check_id"]) | set(found["check_id"])):
        got = set(found.loc[found["check_id"] == check, "record_key"])
        want = set(truth.loc[truth["check_id"] == check, "record_key"])
        assert got == want, (check, "false positives", got - want, "missed", want - got)
    assert len(set(truth["check_id"])) == 24


@pytest.mark.parametrize("period,kind", [(f"2024-Q{q}", "nd09") for q in range(1, 5)]
                         + [("2024", "calendar")] + [(f"2024-Q{q}", "calendar") for q in range(1, 5)])
def test_clean_records_stay_clean_in_every_window(demo_db, period: str, kind: str) -> None:
    """Other windows see a subset of the seeded findings, never one from clean records."""
    url, result = demo_db
    found = rule_findings(url, UNIT, Window.parse(period, kind))
    extra = found.merge(result.ground_truth, how="left", indicator=True)
    assert extra[extra["_merge"] == "left_only"].empty
    # and not vacuously: the malformed codes the generator seeded on dossiers it received inside
    # the window (its own receipt dates) are all found there
    window = Window.parse(period, kind)
    received = result.tables["dossiers"].set_index("dossier_code")["received_at"].dt.date
    seeded = result.ground_truth.loc[result.ground_truth["check_id"] == "HS01", "record_key"]
    inside = {k for k in seeded if window.start <= received[k] <= window.end}
    assert inside
    assert inside <= set(found.loc[found["check_id"] == "HS01", "record_key"])


@pytest.mark.parametrize("seed,year", [(7, 2024), (11, 2023)])
def test_ground_truth_holds_for_other_seeds_and_years(tmp_path, seed: int, year: int) -> None:
    url = f"sqlite:///{tmp_path / 'd.sqlite'}"
    result = write_demo(url, seed, year)
    found = rule_findings(url, UNIT, Window.parse(str(year)))
    pd.testing.assert_frame_equal(found, result.ground_truth.reset_index(drop=True))


def test_findings_do_not_depend_on_running_after_the_export(demo_db) -> None:
    """Clean data has nothing after the export: a check run right at the export moment finds
    the same records (the seeded "future" typos lie decades ahead)."""
    url, result = demo_db
    at_export = rule_findings(url, UNIT, YEAR, now=datetime(2025, 1, 3, 16, 0))
    pd.testing.assert_frame_equal(at_export, result.ground_truth.reset_index(drop=True))


# --- database --------------------------------------------------------------------------------

def _unit_rows(url: str, name: str) -> pd.DataFrame:
    table = TABLES[name]
    with db.engine(url).connect() as conn:
        if name == "dossier_events":
            codes = select(db.dossiers.c.dossier_code).where(db.dossiers.c.unit_code == UNIT)
            frame = db.read_table(conn, table, table.c.dossier_code.in_(codes))
        elif name == "surveys":
            frame = db.read_table(conn, table)
        else:
            frame = db.read_table(conn, table, table.c.unit_code == UNIT)
    key = table.primary_key.columns.values()[0].name
    return frame.drop(columns="batch_id").sort_values(key, ignore_index=True)


def test_write_demo_round_trip_and_rerun(any_db_url: str, tmp_path) -> None:
    first = write_demo(any_db_url, year=2024, ground_truth_dir=tmp_path)
    data = build_demo()
    for name in ("dossiers", "dossier_events", "surveys", "feedback", "legal_documents",
                 "plan_tasks"):
        key = TABLES[name].primary_key.columns.values()[0].name
        expected = data.tables[name].sort_values(key, ignore_index=True)
        pd.testing.assert_frame_equal(_unit_rows(any_db_url, name), expected, check_dtype=False)
        assert first.counts[name] == len(expected)
    saved = pd.read_csv(first.ground_truth_path, dtype=str)
    pd.testing.assert_frame_equal(saved, data.ground_truth.reset_index(drop=True))
    with db.engine(any_db_url).connect() as conn:
        level = conn.execute(select(db.procedures.c.online_level).where(
            db.procedures.c.procedure_code == "1.001193")).scalar_one()
    assert level == profile.DEMO_ONLINE_LEVEL["1.001193"]
    second = write_demo(any_db_url, year=2024, ground_truth_dir=tmp_path)   # replaces, same rows
    assert second.counts == first.counts
    pd.testing.assert_frame_equal(_unit_rows(any_db_url, "dossiers"),
                                  data.tables["dossiers"].sort_values("dossier_code", ignore_index=True),
                                  check_dtype=False)
    with db.engine(any_db_url).connect() as conn:
        batches = conn.execute(select(db.import_batches.c.batch_id)).scalars().all()
        assert batches == [second.batch_id]
        assert set(conn.execute(select(db.dossiers.c.batch_id).distinct()).scalars()) == {
            second.batch_id}


def test_write_demo_refuses_to_clobber_other_units(any_db_url: str, tmp_path) -> None:
    init_database(any_db_url, [{"unit_code": "XA-THAT", "unit_name": "Xã có dữ liệu thật"}])
    with db.begin(any_db_url) as conn:
        conn.execute(db.dossiers.insert(), [{"dossier_code": "REAL-1", "unit_code": "XA-THAT"}])
    with pytest.raises(DemoRefused, match="XA-THAT.*không ghi dữ liệu mô phỏng"):
        write_demo(any_db_url, ground_truth_dir=tmp_path)
    with db.engine(any_db_url).connect() as conn:
        codes = conn.execute(select(db.dossiers.c.dossier_code)).scalars().all()
    assert codes == ["REAL-1"]
    assert not list(tmp_path.glob("*.csv"))


def test_refuses_a_year_not_over_yet(sqlite_url: str, capsys) -> None:
    with pytest.raises(ValueError, match="chưa kết thúc"):
        write_demo(sqlite_url, year=datetime.now().year)
    # the command says so in one line (exit 2), no traceback
    assert main(["demo", "--db", sqlite_url, "--year", str(datetime.now().year), "--no-report"]) == 2
    assert "chưa kết thúc" in capsys.readouterr().err


def test_ground_truth_path_beside_the_database(tmp_path) -> None:
    assert ground_truth_path(f"sqlite:///{tmp_path / 'x.sqlite'}") == tmp_path / "x.demo-ground-truth.csv"
    assert ground_truth_path("sqlite:///data/parbook.sqlite").name == "parbook.demo-ground-truth.csv"
    pg = ground_truth_path("postgresql+psycopg://u:secret@host/parbook_demo")
    assert pg.parent.name == "data" and pg.name == "parbook_demo.demo-ground-truth.csv"


def test_demo_through_the_import_workbook_gives_the_same_findings(demo_db, tmp_path) -> None:
    """The real import path: demo → import workbook → parbook ingest into a fresh database.

    The demo's "typed the wrong year" defects (a result, a return and an event dated 18 years
    ahead) are implausible dates: ingest quarantines exactly those rows, naming the value. With
    the same rows taken out of the directly written demo, the checks find the same records on
    both databases — nothing else lost or altered on the way."""
    import json
    import sqlite3

    from sqlalchemy import delete

    from parbook.demo.store import workbook_tables
    from parbook.intake.ingest import ingest_files
    from parbook.intake.template import write_workbook

    url_direct, result = demo_db
    book = write_workbook(tmp_path / "demo.xlsx", workbook_tables(result.tables))
    url = f"sqlite:///{tmp_path / 'imported.sqlite'}"
    declared = result.tables["units"][["unit_code", "unit_name", "district", "province"]]
    init_database(url, declared.to_dict("records"))             # the commune declares its unit
    sheets = ingest_files([book], url=url)
    with db.engine(url).connect() as conn:
        rejects = db.read_table(conn, db.quarantine)
    defects = build_demo().defects
    typos = defects[defects["variant"].str.contains("tương lai")]
    raw = [json.loads(r) for r in rejects["raw"]]
    assert sorted((s, r["Mã hồ sơ"]) for s, r in zip(rejects["sheet"], raw, strict=True)) == sorted(
        ("SuKien" if "sự kiện" in v else "HoSo", k) for v, k in
        zip(typos.loc[typos.check_id == "HS04", "variant"], typos.loc[typos.check_id == "HS04",
                                                                     "record_key"], strict=True))
    assert all("2042" in reason for reason in rejects["reason"])
    lost_dossiers = [r["Mã hồ sơ"] for s, r in zip(rejects["sheet"], raw, strict=True) if s == "HoSo"]
    assert {r.sheet: r.inserted for r in sheets}["HoSo"] == len(result.tables["dossiers"]) - 2
    direct = tmp_path / "direct.sqlite"
    with sqlite3.connect(url_direct.removeprefix("sqlite:///")) as src, sqlite3.connect(direct) as dst:
        src.backup(dst)
    ev = db.dossier_events.c
    event_typo = typos[(typos.check_id == "HS04") & typos.variant.str.contains("sự kiện")]
    with db.begin(f"sqlite:///{direct}") as conn:
        conn.execute(delete(db.dossier_events).where(ev.dossier_code.in_(lost_dossiers)))
        conn.execute(delete(db.dossier_events).where(
            ev.dossier_code.in_(event_typo["record_key"]) & (ev.event_type == "supplement_received")))
        conn.execute(delete(db.dossiers).where(db.dossiers.c.dossier_code.in_(lost_dossiers)))
    pd.testing.assert_frame_equal(rule_findings(url, UNIT, YEAR),
                                  rule_findings(f"sqlite:///{direct}", UNIT, YEAR))


def test_cmd_demo_end_to_end(tmp_path, capsys, monkeypatch) -> None:
    """What `make demo` runs: the demo database, its workbook and the quarterly report, ending
    with the path of report.pdf (Vietnamese text intact)."""
    import subprocess

    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setattr("parbook.store.config.OUTPUTS_DIR", tmp_path / "outputs")
    assert main(["demo", "--db", url, "--workbook", str(tmp_path / "demo.xlsx")]) == 0
    out = capsys.readouterr().out
    assert "DEMO-ANLOC" in out and (tmp_path / "cli.demo-ground-truth.csv").exists()
    assert (tmp_path / "demo.xlsx").exists()
    pdf = tmp_path / "outputs" / UNIT / "2026-Q3" / "report.pdf"        # the span's last quarter
    assert out.rstrip().endswith(str(pdf)) and pdf.exists()
    assert "2024:" in out and "2026-Q3:" in out          # the ground truth per period
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "ỦY BAN NHÂN DÂN" in text and "Ủy ban nhân dân" in text
    assert "Kính gửi: Ủy ban nhân dân thành phố Huế" in text   # after 1/7/2025: the province (Huế)
    assert "Xã An Phú (mô phỏng)" in text                # the merged communes are named
    form = pd.read_csv(pdf.parent / "bieu06.csv").set_index("field")
    assert form.loc["TOTAL", "received_total"] > 600
    # NĐ 13/2023: no applicant name, phone or address of the demo in any output file
    from parbook.demo.span import build_span

    d = build_span().tables["dossiers"]
    d = d[d["received_at"].isna() | (d["received_at"] >= pd.Timestamp("2026-03-01"))]
    needles = {*d["applicant_name"].dropna(), *d["applicant_address"].dropna()}
    for phone in d["applicant_phone"].dropna():
        needles |= {phone, re.sub(r"\D", "", phone)}
    texts = every_text(pdf.parent)
    hits = sorted({(name, n) for name, text in texts.items() for n in needles if n in text})
    assert hits == []


def test_cmd_demo_refusal_exit_code(sqlite_url: str, capsys) -> None:
    init_database(sqlite_url, [{"unit_code": "XA-KHAC"}])
    assert main(["demo", "--db", sqlite_url, "--no-report"]) == 2
    assert "XA-KHAC" in capsys.readouterr().err


# --- the span: 2024 to 2026-Q3, across the switch and the merger ------------------------------

SPAN_PERIODS = ["2024", "2025", "2026-Q3"]
OLD_COMMUNES = [p["unit_code"] for p in profile.PREDECESSORS]


def test_the_span_keeps_the_2024_commune_year(span, demo) -> None:
    """The 2024 part is drawn as the commune-year is: the same truth, and every dossier closed by
    the year's own export (3/1/2025) is the same row (a result not yet handed over then is handed
    over later); the ones still open then settle later."""
    pd.testing.assert_frame_equal(span.truths["2024"], demo.ground_truth)
    year = demo.tables["dossiers"].set_index("dossier_code")
    both = span.tables["dossiers"].set_index("dossier_code").reindex(year.index)
    closed = year["status"].isin(["done", "rejected", "withdrawn"])
    same = year.columns.drop("returned_at")
    pd.testing.assert_frame_equal(both.loc[closed, same], year.loc[closed, same])
    handed = year["returned_at"].notna()
    pd.testing.assert_series_equal(both.loc[handed, "returned_at"], year.loc[handed, "returned_at"])
    assert (handed != both["returned_at"].notna()).sum() >= 3       # handed over after 3/1/2025
    still_open = ~closed & year["status"].notna()
    assert still_open.sum() >= 3 and both.loc[still_open, "finished_at"].notna().all()
    surveys = span.tables["surveys"].set_index("survey_id")
    mine = demo.tables["surveys"].set_index("survey_id")
    in_year = mine["surveyed_at"] < pd.Timestamp("2024-12-15")
    pd.testing.assert_frame_equal(surveys.loc[mine.index[in_year]], mine[in_year])


def test_the_span_reaches_2026_q3_with_a_merger(span) -> None:
    units = span.tables["units"].set_index("unit_code")
    assert list(units.index) == [UNIT, *OLD_COMMUNES]
    for old in OLD_COMMUNES:
        assert units.at[old, "valid_to"] == pd.Timestamp("2025-06-30")
        assert units.at[old, "successor_code"] == UNIT
    d = span.tables["dossiers"]
    received = d.groupby("unit_code")["received_at"].agg(["min", "max"])
    assert received.loc[UNIT, "max"] <= pd.Timestamp("2026-09-30 23:59:59")
    assert received.loc[UNIT, "max"] >= pd.Timestamp("2026-09-25")
    for old in OLD_COMMUNES:
        assert received.loc[old, "min"] < pd.Timestamp("2024-01-31")
        assert pd.Timestamp("2025-06-25") <= received.loc[old, "max"] < pd.Timestamp("2025-07-01")
    # the merged commune receives about the three communes' volume after the merger
    own = d.loc[d["unit_code"] == UNIT, "received_at"]
    before = own.between(pd.Timestamp("2025-01-01"), pd.Timestamp("2025-07-01")).sum()
    after = own.between(pd.Timestamp("2025-07-01"), pd.Timestamp("2026-01-01")).sum()
    assert 1.5 < after / before < 2.3
    for name in ("dossiers", "surveys", "feedback", "legal_documents", "plan_tasks"):
        key = TABLES[name].primary_key.columns.values()[0].name
        assert span.tables[name][key].is_unique, name
    assert span.tables["dossier_events"]["event_id"].is_unique
    # nothing after the span's export (1/10/2026 16:00) but the seeded "future" typos
    hs04 = span.ground_truth.loc[span.ground_truth["check_id"] == "HS04", "record_key"]
    clean = d[~d["dossier_code"].isin(hs04)]
    for col in ("received_at", "finished_at", "returned_at"):
        assert not (clean[col] > pd.Timestamp("2026-10-01 16:00")).any(), col


def test_the_span_truth_has_defects_under_both_regimes(span) -> None:
    """The 2025 truth is seeded across the switch: dossiers received before 1/7/2025 (nd61) and
    after it (nd118), of the demo commune and of the old communes — by the generator's own
    receipt dates."""
    truth = span.truths["2025"]
    d = span.tables["dossiers"].set_index("dossier_code")
    keys = truth.loc[truth["check_id"].str.startswith("HS"), "record_key"]
    dated = d.reindex(keys)
    dated = dated[dated["received_at"].notna()]
    mine = dated["received_at"] >= pd.Timestamp("2024-12-15")
    switch = pd.Timestamp("2025-07-01")
    assert (dated.loc[mine, "received_at"] < switch).sum() >= 10
    assert (dated.loc[mine, "received_at"] >= switch).sum() >= 10
    assert set(dated.loc[mine, "unit_code"]) == {UNIT, *OLD_COMMUNES}
    assert set(truth["check_id"]) == set(CHECK_IDS)
    q3 = span.truths["2026-Q3"]
    assert set(q3["check_id"]) == set(CHECK_IDS)


@pytest.mark.parametrize("period", SPAN_PERIODS)
def test_checks_find_exactly_the_span_truth(span_db, period: str) -> None:
    """Backtest on the span: every check finds exactly the records seeded for the period (its
    predecessors' records included once merged), and the earlier windows' records still open."""
    url, result = span_db
    found = rule_findings(url, UNIT, Window.parse(period))
    truth = result.ground_truth
    truth = truth.loc[truth["period"] == period, ["check_id", "record_key"]].astype(str)
    for check in sorted(set(truth["check_id"]) | set(found["check_id"])):
        got = set(found.loc[found["check_id"] == check, "record_key"])
        want = set(truth.loc[truth["check_id"] == check, "record_key"])
        assert got == want, (period, check, "false positives", got - want, "missed", want - got)
    saved = pd.read_csv(result.ground_truth_path, dtype=str)
    assert list(saved.columns) == ["period", "check_id", "record_key"]


@pytest.mark.parametrize("period", ["2024-Q4", "2024-Q2", "2024"])
def test_the_span_gives_the_2024_figures_of_the_commune_year(span_db, demo_db, period: str) -> None:
    """Issue 16: every 2024 output of the demo stays as it was — the span's 2024 windows give
    the same indicators, Biểu 06 and findings as the 2024 commune-year alone (the data of 2025
    and 2026, and the old communes' before their merger, do not reach them)."""
    from parbook.pipeline import analyse

    window = Window.parse(period)
    span_run, year_run = (analyse(UNIT, window, url) for url, _ in (span_db, demo_db))
    pd.testing.assert_frame_equal(span_run.indicators.frame, year_run.indicators.frame)
    pd.testing.assert_frame_equal(span_run.forms.bieu06, year_run.forms.bieu06)
    pd.testing.assert_frame_equal(span_run.findings.frame.reset_index(drop=True),
                                  year_run.findings.frame.reset_index(drop=True))
    assert span_run.data.predecessors == {}


@pytest.mark.parametrize("unit,period", [(UNIT, "2025-Q1"), (UNIT, "2025-Q3"), (UNIT, "2026-Q2"),
                                         ("DEMO-ANPHU", "2025-Q2"), ("DEMO-ANTHANH", "2024-Q4")])
def test_span_clean_records_stay_clean(span_db, unit: str, period: str) -> None:
    """Other windows, of the merged commune and of the old ones, flag seeded records only."""
    url, result = span_db
    found = rule_findings(url, unit, Window.parse(period))
    seeded = result.ground_truth[["check_id", "record_key"]].drop_duplicates()
    extra = found.merge(seeded, how="left", indicator=True)
    assert extra[extra["_merge"] == "left_only"].empty, extra


# --- the merged commune's history, on the span (DESIGN.md §12) --------------------------------

def _facts(url: str, unit: str, period: str, kind: str = "nd09") -> scope.Facts:
    window = Window.parse(period, kind)
    with db.engine(url).connect() as conn:
        return scope.build(scope.load(conn, unit, window), window)


def test_merged_commune_2025_year_to_date_is_the_old_communes_before_plus_its_own(span_db) -> None:
    """The demo commune's 2025 year to date (15/12/2024–14/12/2025) holds each old commune's
    year to date as that commune last reported it (the window of the merger), plus its own; the
    old communes' records all predate the merger. Before the merger the old communes report for
    themselves: the demo commune's 2025-Q2 holds only its own records."""
    url, _ = span_db
    ytd = _facts(url, UNIT, "2025-Q4").ytd.dossiers
    counts = ytd.groupby("unit_code").size()
    total = 0
    for old in OLD_COMMUNES:
        alone = _facts(url, old, "2025-Q3").ytd.dossiers
        assert set(ytd.index[ytd["unit_code"] == old]) == set(alone.index) and len(alone) > 500
        assert (alone["received_at"].dropna() < pd.Timestamp("2025-07-01")).all()
        total += len(alone)
    own_before = _facts(url, UNIT, "2025-Q2")
    assert own_before.data.predecessors == {}
    assert set(own_before.ytd.dossiers["unit_code"]) == {UNIT}
    assert set(own_before.ytd.dossiers.index) <= set(ytd.index[ytd["unit_code"] == UNIT])
    assert len(ytd) == total + counts[UNIT]
    # the trend (on-time rate by month, year to date) adds the old communes' months to its own
    from dataclasses import replace

    from parbook.analysis.indicators import ontime_by_month

    q4 = _facts(url, UNIT, "2025-Q4").ytd
    trend = ontime_by_month(q4).set_index("month")[["numerator", "denominator"]]
    parts = [ontime_by_month(replace(q4, dossiers=q4.dossiers[q4.dossiers["unit_code"] == u]))
             .set_index("month")[["numerator", "denominator"]] for u in [UNIT, *OLD_COMMUNES]]
    summed = pd.concat(parts).groupby(level=0).sum()
    pd.testing.assert_frame_equal(trend, summed.reindex(trend.index), check_names=False)
    for old_part in parts[1:]:
        assert old_part.index.min() == pd.Period("2025-01", "M")
        assert old_part.index.max() <= pd.Period("2025-08", "M")
    merged = _facts(url, UNIT, "2025-Q3")
    assert merged.data.predecessors == {p["unit_code"]: p["unit_name"] for p in profile.PREDECESSORS}
    # carried over into the window of the merger (kỳ trước chuyển qua): old communes' dossiers too
    period = merged.period.dossiers
    carried = period[period["received_at"] < pd.Timestamp("2025-06-15")]
    assert set(carried["unit_code"]) >= {UNIT, *OLD_COMMUNES}


def test_an_old_communes_own_report_stops_at_its_valid_to(span_db) -> None:
    from parbook.store.units import UnitError

    url, _ = span_db
    assert len(_facts(url, "DEMO-ANPHU", "2025-Q3").period.dossiers) > 0   # the merger's window
    with pytest.raises(UnitError, match=f"30/06/2025.*{UNIT}"):
        _facts(url, "DEMO-ANPHU", "2025-Q4")


@pytest.fixture
def boundary_db(span_db, tmp_path):
    """The span with two dossiers at the switch: one received by an old commune on 30/6/2025 at
    17:00 and one by the demo commune on 1/7/2025 at 08:00, both settled after the switch."""
    import sqlite3

    url, _ = span_db
    copy = tmp_path / "boundary.sqlite"
    with sqlite3.connect(url.removeprefix("sqlite:///")) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)

    def row(code: str, unit: str, received: str) -> dict:
        return {"dossier_code": code, "unit_code": unit, "procedure_code": "1.004873",
                "channel": "direct", "received_at": datetime.fromisoformat(received),
                "due_at": datetime(2025, 7, 4, 17), "finished_at": datetime(2025, 7, 3, 9),
                "returned_at": datetime(2025, 7, 3, 10), "status": "done", "result_delivery": "counter"}

    with db.begin(f"sqlite:///{copy}") as conn:
        conn.execute(db.dossiers.insert(), [
            row("000.17.21.H57-250630-0901", "DEMO-ANPHU", "2025-06-30 17:00"),
            row("000.17.22.H57-250701-0901", UNIT, "2025-07-01 08:00")])
    return f"sqlite:///{copy}"


@pytest.mark.parametrize("kind", ["nd09", "calendar"])
def test_the_2025_q3_report_judges_each_dossier_by_its_own_regime(boundary_db, kind: str) -> None:
    """2025-Q3 (nd09 15/6–14/9/2025, or the calendar quarter): a dossier received on 30/6/2025 at
    17:00 stays under nd61 though settled after the switch, one received on 1/7/2025 at 08:00 is
    under nd118; the report says how many dossiers each regime covered, and they add up."""
    from parbook.pipeline import analyse
    from parbook.report.narrative import regime_coverage

    window = Window.parse("2025-Q3", kind)
    analysis = analyse(UNIT, window, boundary_db)
    period = analysis.facts.period.dossiers
    assert period.loc["000.17.21.H57-250630-0901", "regime"] == "nd61"
    assert period.loc["000.17.22.H57-250701-0901", "regime"] == "nd118"
    expected = np.where(period["received_at"].fillna(pd.Timestamp(window.end))
                        < pd.Timestamp("2025-07-01"), "nd61", "nd118")
    assert period["regime"].tolist() == expected.tolist()
    counts = period["regime"].value_counts()
    assert counts["nd61"] >= 1 and counts["nd118"] > 500
    text, = (b.text for b in regime_coverage(analysis))
    assert f"{len(period):,} hồ sơ của kỳ".replace(",", ".") in text, text
    assert (f"{counts['nd61']:,} hồ sơ theo Nghị định số 61/2018/NĐ-CP".replace(",", ".") in text
            and f"{counts['nd118']:,} hồ sơ theo Nghị định số 118/2025/NĐ-CP".replace(",", ".")
            in text), text
    found = analysis.findings.frame
    dossiers = found[found["entity"] == "dossier"]
    regime = period["regime"].reindex(dossiers["record_key"]).fillna(
        "nd61" if window.end < pd.Timestamp("2025-07-01").date() else "nd118")
    assert dossiers["regime"].tolist() == regime.tolist()
