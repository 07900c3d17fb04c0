"""All checks (GX on pandas) at 10k/100k/1M dossiers vs a DuckDB single-query floor.

Both sides start from the same facts (dossier and register frames built in set-up):
ours runs the whole GX catalogue and formats the findings; the floor is one DuckDB query that
evaluates the fifteen dossier rules (HS01–HS15) over the facts frame and returns the failing keys.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from bench.bench_facts import run_on_sizes
from bench.synth import UNIT

CODE_PATTERN = r"[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9]{2}-[0-9]{6}-[0-9]{4}"


def floor_sql(table: str, code_malformed: str, now: str) -> str:
    """The fifteen dossier rules (HS01–HS15) as one query returning the failing keys, in a
    dialect's words for a malformed code and for the current time."""
    return f"""
SELECT dossier_code FROM {table} WHERE
  {code_malformed}
  OR code_yymmdd IS DISTINCT FROM received_yymmdd
  OR (procedure_code IS NOT NULL AND NOT procedure_known)
  OR received_at IS NULL OR due_at IS NULL OR procedure_code IS NULL OR channel IS NULL
  OR status IS NULL
  OR finished_at < received_at OR returned_at < finished_at OR due_date < received_date
  OR received_at > {now} OR finished_at > {now} OR returned_at > {now}
  OR (status IN ('done', 'rejected') AND finished_at IS NULL)
  OR (status IN ('processing', 'supplementing', 'paused')
      AND (finished_at IS NOT NULL OR returned_at IS NOT NULL))
  OR (status <> 'withdrawn' AND (
        (legal_due IS NOT NULL AND due_date > legal_due)
     OR (is_late AND apology_count = 0) OR apology_late OR apology_count > 1
     OR supplement_request_count > 1 OR appraisal_request_late
     OR (settled AND status = 'rejected' AND NOT has_rejection_reason)
     OR verification_unexpected OR (returned_in_window AND NOT has_survey)))
"""


# DuckDB
FLOOR_SQL = floor_sql("facts", f"NOT regexp_full_match(dossier_code, '{CODE_PATTERN}')", "now()")


@cache
def _analysis(url: str) -> Any:
    """The facts and form of the database (built once per process): what the checks take."""
    from parbook.analysis.forms import build_forms
    from parbook.store import db
    from parbook.timeline import scope
    from parbook.timeline.periods import Window

    window = Window.parse("2024")
    with db.engine(url).connect() as conn:
        facts = scope.build(scope.load(conn, UNIT, window), window)
    return facts, build_forms(facts.period).bieu06


def ours(url: str) -> Callable[[], Any]:
    from parbook.quality.checks import _gx_context, run_checks

    facts, form = _analysis(url)
    _gx_context()                           # GX import and context off the clock
    return lambda: run_checks(facts, form)


def floor(url: str) -> Callable[[], Any]:
    import duckdb

    facts = _analysis(url)[0].period.dossiers.reset_index(drop=True)
    con = duckdb.connect()
    con.register("facts", facts)
    return lambda: con.execute(FLOOR_SQL).fetchall()


# issue 17: ratio to the DuckDB floor by size, and the peak at a province's volume
TARGETS = {0: 20.0, 100_000: 15.0, 1_000_000: 20.0}
MEMORY_MB = {1_000_000: 1536.0}


def run(quick: bool, sizes: list[int] | None = None) -> list[dict[str, Any]]:
    sizes = sizes or ([10_000] if quick else [10_000, 100_000, 1_000_000])
    return run_on_sizes("checks", "bench.bench_checks", TARGETS, sizes, quick, MEMORY_MB)
