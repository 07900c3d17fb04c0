"""All checks on the SQL backend (issue 17, target 2) at 100k/1M dossiers on a throw-away
PostgreSQL server vs a single SQL query of the same predicates on that server.

Both sides start from the same facts (built in set-up from the synthetic SQLite database, as in
bench_checks). Ours: run_checks with backend="sql" — the facts written by COPY into a scratch
schema of the server, validated there by GX's SQL datasource, the failing keys brought back and
the findings formatted. Floor: the fifteen dossier rules (HS01–HS15) as one PostgreSQL query over
the facts (written to the server once, in set-up) returning the failing keys. The server is
started for the run as the tests start one (tests/pgserver.py: Debian's binaries, a temporary
cluster, fsync off) and removed afterwards; without PostgreSQL binaries the bench is skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.bench_checks import CODE_PATTERN, _analysis, floor_sql
from bench.bench_facts import CACHE, LARGE, at_size
from bench.harness import compare
from bench.synth import build_database

FLOOR_TABLE = "bench_facts"
FLOOR_COLUMNS = [
    "dossier_code", "code_yymmdd", "received_yymmdd", "procedure_code", "procedure_known",
    "received_at", "due_at", "channel", "status", "finished_at", "returned_at", "due_date",
    "received_date", "legal_due", "is_late", "apology_count", "apology_late",
    "supplement_request_count", "appraisal_request_late", "settled", "has_rejection_reason",
    "verification_unexpected", "returned_in_window", "has_survey"]
# PostgreSQL
FLOOR_SQL = floor_sql(FLOOR_TABLE, f"dossier_code !~ '^{CODE_PATTERN}$'", "localtimestamp")


def ours(url: str, pg: str) -> Callable[[], Any]:
    from parbook.quality.checks import _gx_context, run_checks

    facts, form = _analysis(url)
    _gx_context()                           # GX import and context off the clock
    return lambda: run_checks(facts, form, backend="sql", url=pg)


def floor(url: str, pg: str) -> Callable[[], Any]:
    """The floor query on the server; the facts table written there by the first set-up."""
    from sqlalchemy import create_engine, inspect, text

    from parbook.quality.scratch import _copy

    eng = create_engine(pg)
    table = f"{FLOOR_TABLE}"
    if not inspect(eng).has_table(table):
        facts = _analysis(url)[0].period.dossiers.reset_index(drop=True)[FLOOR_COLUMNS]
        with eng.connect() as conn:
            facts.head(0).to_sql(table, conn, index=False)
            _copy(conn, facts, f'"{table}"')
            conn.execute(text(f'ANALYZE "{table}"'))
            conn.commit()
        del facts
    conn = eng.connect()
    return lambda: conn.execute(text(FLOOR_SQL)).fetchall()


# issue 17, target 2: ours within 10× the floor; the client's peak at a province's volume
TARGETS = {0: 10.0}
MEMORY_MB = {1_000_000: 1024.0}


def run(quick: bool, sizes: list[int] | None = None) -> list[dict[str, Any]]:
    try:
        from tests.pgserver import PgServer, _bin

        _bin("initdb")
    except (ImportError, RuntimeError) as exc:
        print(f"checks-sql skipped: {exc}")
        return []
    sizes = sizes or ([10_000] if quick else [100_000, 1_000_000])
    CACHE.mkdir(exist_ok=True)
    results = []
    for n in sizes:
        url = build_database(CACHE / f"facts-{n}.sqlite", n)
        server = PgServer().start()          # one throw-away server per size (its floor table)
        try:
            pg = server.create_database("bench")
            results.append(compare(f"checks-sql {n:,} dossiers", "bench.bench_checks_sql:ours",
                                   "bench.bench_checks_sql:floor", target=at_size(TARGETS, n),
                                   shared=quick, repeats=1 if n >= LARGE else 3,
                                   memory_mb=at_size(MEMORY_MB, n), url=url, pg=pg))
        finally:
            server.stop()
    return results
