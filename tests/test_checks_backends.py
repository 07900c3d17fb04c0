"""The checks on a mixed data set: pandas, SQLite and PostgreSQL agree; no personal data leaks;
``parbook check`` writes its three files."""

from __future__ import annotations

import csv
import json
import os
import re
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import inspect

from parbook.analysis.forms import build_forms
from parbook.commands.main import main
from parbook.contract import INDICATOR_COLUMNS
from parbook.quality import checks as checks_module
from parbook.quality.catalogue import check_catalogue, load_catalogue
from parbook.quality.checks import (
    _result_format,
    _validate_pandas,
    check_parameters,
    entity_frame,
    entity_sources,
    run_checks,
    write_gx_artifacts,
)
from parbook.store import db
from parbook.store.init import init_database
from parbook.timeline.periods import Window
from tests.builders import UNIT, facts_of, findings_of
from tests.test_checks import (
    ADDRESS,
    AGGREGATE_CHECKS,
    CASES,
    NAMES,
    NOW,
    PERIOD,
    data_of,
    flagged,
    mixed_records,
    record_keys,
)


def personal_values(records: dict[str, list]) -> list[str]:
    """The strings that must never appear: names, address, phones (raw and as digits)."""
    values = [*NAMES, ADDRESS]
    for d in records["dossiers"]:
        phone = (d.get("applicant_phone") or "").strip()
        digits = re.sub(r"\D", "", phone)
        if len(phone) >= 8:
            values.append(phone)
        if len(digits) >= 9:
            values.append(digits)
    return values


def test_backends_give_identical_findings(any_db_url: str) -> None:
    facts = facts_of(data_of(mixed_records()), Window.parse(PERIOD))
    form = build_forms(facts.period).bieu06
    on_pandas = run_checks(facts, form, now=NOW).frame
    on_sql = run_checks(facts, form, backend="sql", url=any_db_url, now=NOW).frame
    pd.testing.assert_frame_equal(on_pandas, on_sql)
    assert set(on_pandas["check_id"]) == set(check_catalogue()["id"])
    for check_id, (records, expected) in CASES.items():
        # a record is judged on its own: merging the cases changes no case's result (Biểu 06
        # rows, which aggregate the dossiers of a field, excepted)
        if check_id not in AGGREGATE_CHECKS:
            assert flagged(on_pandas, check_id) & record_keys(records) == expected, check_id
    insp = inspect(db.engine(any_db_url))
    assert insp.get_table_names() == []                  # nothing written to the user's database
    assert not [s for s in insp.get_schema_names() if s.startswith("parbook_scratch_")]
    assert not list(Path(tempfile.gettempdir()).glob(f"parbook-gx-{os.getpid()}-*"))


@pytest.mark.parametrize("backend", ["pandas", "sql"])
def test_no_personal_data_in_findings_or_gx_artifacts(backend: str, sqlite_url: str,
                                                      tmp_path: Path) -> None:
    records = mixed_records()
    findings = findings_of(data_of(records), Window.parse(PERIOD), backend=backend, url=sqlite_url,
                           now=NOW)
    paths = write_gx_artifacts(findings, tmp_path / "out")
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in paths) == sorted(
        f"gx/{kind}/{spec.entity}.json" for kind in ("suites", "validations")
        for spec in load_catalogue())
    texts = [p.read_text(encoding="utf-8") for p in paths]
    texts.append(findings.frame.to_csv(index=False))
    for value in [*personal_values(records), sqlite_url, str(tmp_path)]:   # nor the database URL
        for text in texts:
            assert value not in text
    # the saved results still name every failing record of HS06 by its key
    validation = json.loads((tmp_path / "out/gx/validations/dossier.json").read_text("utf-8"))
    hs06 = [r for r in validation["results"] if r["expectation_config"]["meta"]["check_id"] == "HS06"]
    assert set(hs06[0]["result"]["unexpected_record_keys"]) == CASES["HS06"][1]
    suite = json.loads((tmp_path / "out/gx/suites/dossier.json").read_text("utf-8"))
    assert {e["meta"]["check_id"] for e in suite["expectations"]} == {f"HS{i:02d}" for i in range(1, 16)}
    import great_expectations as gx  # the saved suite is GX's own JSON: it loads back

    reloaded = gx.ExpectationSuite(**suite)
    assert len(reloaded.expectations) == len(suite["expectations"])
    hs06 = next(e for e in reloaded.expectations if e.meta["check_id"] == "HS06")
    assert hs06.severity == "warning" and hs06.row_condition is not None


def test_entity_frame_shares_the_source_columns() -> None:
    """The frame GX validates holds the source's own columns, also those that pandas keeps in
    one 2-D block (selecting a list of them would copy the block): at a province's volume a
    copy is tens of MB on top of the facts."""
    import numpy as np

    facts = facts_of(data_of(mixed_records()), Window.parse(PERIOD))
    spec = next(s for s in load_catalogue() if s.entity == "dossier")
    source = entity_sources(facts, build_forms(facts.period).bieu06)["dossier"]
    block = ["received_at", "due_at", "finished_at", "returned_at"]
    source = source.drop(columns=block).join(source[block].astype("datetime64[us]").copy())
    assert any(len(b.mgr_locs) == len(block) for b in source._mgr.blocks)   # one 2-D block
    frame = entity_frame(spec, source)
    assert list(frame.columns) == ["record_key", *spec.columns()]
    for col in spec.columns():
        if isinstance(source[col].dtype, np.dtype):        # numpy columns (not masked ones)
            assert np.shares_memory(frame[col].to_numpy(), source[col].to_numpy()), col
    assert frame.index.equals(pd.RangeIndex(len(source)))


def test_gx_results_exclude_values(monkeypatch: pytest.MonkeyPatch) -> None:
    """GX is asked to leave data values out of its results; without that, HS06 would put the
    failing phone numbers in them."""
    facts = facts_of(data_of(mixed_records()), Window.parse(PERIOD))
    spec = next(s for s in load_catalogue() if s.entity == "dossier")
    frame = entity_frame(spec, entity_sources(facts, build_forms(facts.period).bieu06)["dossier"])
    params = check_parameters(facts, NOW)

    def raw_json() -> str:
        raw = _validate_pandas({"dossier": frame}, {"dossier": spec}, params)
        return json.dumps(raw["dossier"].to_json_dict(), default=str)

    assert "0912a45678" not in raw_json()
    # GX names the failing rows by their row number, which parbook maps to the record key
    raw = _validate_pandas({"dossier": frame}, {"dossier": spec}, params)["dossier"]
    hs06 = next(r for r in raw.results if r.expectation_config.meta["check_id"] == "HS06")
    keys = checks_module._failing_keys(hs06, frame["record_key"].to_numpy(dtype=object))
    assert set(keys) == CASES["HS06"][1]
    with_values = {**_result_format(frame), "result_format": "COMPLETE",
                   "exclude_unexpected_values": False}
    monkeypatch.setattr(checks_module, "_result_format", lambda *_args, **_kw: with_values)
    assert "0912a45678" in raw_json()


def _insert(url: str, rows: list[dict[str, Any]]) -> None:
    def value(v: Any) -> Any:
        return datetime.fromisoformat(v) if isinstance(v, str) and re.match(r"\d{4}-\d\d-\d\d", v) \
            else v
    with db.begin(url) as conn:
        conn.execute(db.dossiers.insert(), [{k: value(v) for k, v in r.items()} for r in rows])


def test_parbook_check_writes_the_three_files(sqlite_url: str, tmp_path: Path) -> None:
    init_database(sqlite_url, [{"unit_code": UNIT, "unit_name": "Xã Thử"}])
    base = {"unit_code": UNIT, "procedure_code": "2.001035", "channel": "direct",
            "received_at": "2024-07-01 09:00:00", "finished_at": None, "status": "processing",
            "applicant_name": NAMES[0], "applicant_phone": "0912a45678"}
    _insert(sqlite_url, [
        {**base, "dossier_code": "000.17.22.H57-240701-0001", "due_at": "2024-07-03 00:00:00",
         "finished_at": "2024-07-02 10:00:00", "status": "done"},
        {**base, "dossier_code": "000.17.22.H57-240701-0002", "due_at": None},
    ])
    out = tmp_path / "out"
    code = main(["check", "--db", sqlite_url, "--unit", UNIT, "--period", "2024-Q3",
                 "--out", str(out)])
    assert code == 0
    with open(out / "findings.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["check_id", "severity", "entity", "record_key", "message", "regime"]
    assert {r["regime"] for r in rows} == {"nd61"}
    found = {(r["check_id"], r["record_key"]) for r in rows}
    assert ("HS03", "000.17.22.H57-240701-0002") in found
    assert ("HS06", "000.17.22.H57-240701-0001") in found
    assert ("BM01", "Chứng thực") in found
    text = (out / "findings.csv").read_text(encoding="utf-8")
    assert NAMES[0] not in text and "0912a45678" not in text
    indicators = pd.read_csv(out / "indicators.csv")
    assert list(indicators.columns) == INDICATOR_COLUMNS
    bieu = pd.read_csv(out / "bieu06.csv")
    assert bieu["field"].iloc[-1] == "TOTAL"


def test_parbook_check_reports_a_missing_unit(sqlite_url: str, tmp_path: Path, capsys) -> None:
    init_database(sqlite_url, [{"unit_code": UNIT, "unit_name": "Xã Thử"}])
    assert main(["check", "--db", sqlite_url, "--unit", "KHONGCO", "--period", "2024-Q3",
                 "--out", str(tmp_path)]) == 2
    assert "KHONGCO" in capsys.readouterr().err


def test_scratch_leftovers_of_killed_runs_are_swept(any_db_url: str) -> None:
    """A killed SQL check leaves its scratch space behind; the next run removes it — and the
    tables an older version wrote into the user's database."""
    from sqlalchemy import text

    from parbook.quality.scratch import sweep

    eng = db.engine(any_db_url)
    dead = 2 ** 22 + 12345                    # above Linux's default pid_max: never alive
    folder = Path(tempfile.mkdtemp(prefix=f"parbook-gx-{dead}-"))
    (folder / "scratch.sqlite").write_bytes(b"")
    with eng.begin() as conn:
        conn.execute(text('CREATE TABLE "gx_check_dossier_0123456789" (x INTEGER)'))
        if eng.dialect.name == "postgresql":
            conn.execute(text(f'CREATE SCHEMA "parbook_scratch_{dead}_0123456789"'))
    removed = sweep(eng)
    assert str(folder) in removed and not folder.exists()
    assert "gx_check_dossier_0123456789" in removed
    insp = inspect(db.engine(any_db_url))
    assert insp.get_table_names() == []
    assert not [s for s in insp.get_schema_names() if s.startswith("parbook_scratch_")]


def test_a_killed_sql_check_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    """SIGKILL while GX validates in SQL: the user's database holds exactly its own tables."""
    import signal
    import subprocess
    import sys
    import time

    from parbook.demo import write_demo

    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    write_demo(url, ground_truth_dir=tmp_path)
    before = sorted(inspect(db.engine(url)).get_table_names())
    proc = subprocess.Popen([sys.executable, "-m", "parbook", "check", "--db", url, "--unit",
                             "DEMO-ANLOC", "--period", "2024", "--backend", "sql", "--out",
                             str(tmp_path / "out")], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    pattern = f"parbook-gx-{proc.pid}-*"
    deadline = time.monotonic() + 120
    while not list(Path(tempfile.gettempdir()).glob(pattern)) and time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    left = list(Path(tempfile.gettempdir()).glob(pattern))
    assert left, "the kill came before the scratch space was made"
    assert sorted(inspect(db.engine(url)).get_table_names()) == before
    from parbook.quality.scratch import sweep

    assert [str(p) for p in left] == [r for r in sweep(db.engine(url)) if "parbook-gx-" in r]
