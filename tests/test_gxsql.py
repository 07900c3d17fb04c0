"""GX's SQL validation on PostgreSQL with merged queries (parbook.quality.gxsql) gives GX's own
results — the findings and the saved validation results — in a few scans of each table."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from parbook.analysis.forms import build_forms
from parbook.quality import gxsql
from parbook.quality.checks import _gx_context, run_checks
from parbook.timeline.periods import Window
from tests.builders import facts_of
from tests.test_checks import NOW, PERIOD, data_of, mixed_records


@contextmanager
def scans() -> Iterator[list[str]]:
    """The SELECT statements run on the scratch tables meanwhile."""
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "parbook_scratch_" not in statement \
                and "pg_catalog" not in statement and "pg_stat_activity" not in statement:
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", count)


def _runless(validations: dict[str, Any]) -> str:
    """The validation results without the run's random names (data source, tables, batches)."""
    return re.sub(r"_[0-9a-f]{10}\b", "_<token>", json.dumps(validations, sort_keys=True,
                                                            default=str))


def _unmerged(monkeypatch: pytest.MonkeyPatch) -> None:
    """GX's own metric computation back in place (for this test)."""
    from great_expectations.execution_engine import SqlAlchemyExecutionEngine

    name = "_process_direct_and_bundled_metric_computation_configurations"
    patched = getattr(SqlAlchemyExecutionEngine, name)
    monkeypatch.setattr(SqlAlchemyExecutionEngine, name, patched.__wrapped__)


@pytest.fixture(scope="module")
def mixed() -> tuple:
    facts = facts_of(data_of(mixed_records()), Window.parse(PERIOD))
    return facts, build_forms(facts.period).bieu06


def test_merged_queries_give_gx_own_results(pg_url: str, mixed: tuple,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    _gx_context()
    assert gxsql.install()
    facts, form = mixed
    with scans() as merged_scans:
        merged = run_checks(facts, form, backend="sql", url=pg_url, now=NOW)
    _unmerged(monkeypatch)
    with scans() as gx_scans:
        own = run_checks(facts, form, backend="sql", url=pg_url, now=NOW)
    pd.testing.assert_frame_equal(merged.frame, own.frame)
    assert _runless(merged.validations) == _runless(own.validations)
    assert len(merged.frame) > 0
    assert len(merged_scans) * 5 < len(gx_scans)
    assert not [s for s in merged_scans if "unexpected_values" in s]    # values never fetched


def test_a_failing_merged_query_leaves_the_metrics_to_gx(pg_url: str, mixed: tuple,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    _gx_context()
    facts, form = mixed
    merged = run_checks(facts, form, backend="sql", url=pg_url, now=NOW)

    def failing(engine, plans) -> dict:
        raise RuntimeError("the merged query failed")

    monkeypatch.setattr(gxsql, "_merged_queries", failing)
    fallen_back = run_checks(facts, form, backend="sql", url=pg_url, now=NOW)
    pd.testing.assert_frame_equal(merged.frame, fallen_back.frame)
    assert _runless(merged.validations) == _runless(fallen_back.validations)


def test_failing_row_numbers_come_back_as_one_array() -> None:
    """The failing rows' index values from array_agg: integers (the scratch tables' row
    numbers) as one int64 array, anything else as GX's list; never more than asked for."""
    import numpy as np

    rows = gxsql._index_values([5, 2, 9], limit=10)
    assert isinstance(rows, np.ndarray) and rows.dtype == np.int64 and rows.tolist() == [5, 2, 9]
    assert gxsql._index_values([5, 2, 9], limit=2).tolist() == [5, 2]
    assert gxsql._index_values(["HS-1", "HS-2"], limit=10) == ["HS-1", "HS-2"]
    assert gxsql._index_values([1, "2"], limit=10) == [1, "2"]
    assert gxsql._index_values([True, 1], limit=10) == [True, 1]
    assert gxsql._index_values(None, limit=10) == []
