"""Facts for N dossiers (load + derive) vs the floor of loading the same tables with pandas."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.harness import compare
from bench.synth import UNIT, build_database

CACHE = Path(tempfile.gettempdir()) / "parbook-bench"
LARGE = 1_000_000          # measured once (minutes per run on the shared 2-core machine)


def ours(url: str) -> Callable[[], Any]:
    from parbook.store import db
    from parbook.timeline import scope
    from parbook.timeline.calendar import WorkCalendar
    from parbook.timeline.facts import build_facts
    from parbook.timeline.periods import Window

    WorkCalendar.default()
    window = Window.parse("2024")

    def run() -> None:
        with db.engine(url).connect() as conn:
            data = scope.load(conn, UNIT, window)
        build_facts(data, window)

    return run


def floor(url: str) -> Callable[[], Any]:
    import pandas as pd
    from sqlalchemy import create_engine

    eng = create_engine(url)

    def run() -> None:
        with eng.connect() as conn:
            pd.read_sql_table("dossiers", conn)
            pd.read_sql_table("dossier_events", conn)

    return run


def run_on_sizes(kind: str, module: str, targets: dict[int, float], sizes: list[int], quick: bool,
                 memory_mb: dict[int, float] | None = None) -> list[dict[str, Any]]:
    """compare() of module:ours against module:floor on a synthetic database of each size
    (``targets``/``memory_mb``: the ratio and peak allowed at a size; the largest smaller
    size's when a size is not listed)."""
    CACHE.mkdir(exist_ok=True)
    results = []
    for n in sizes:
        url = build_database(CACHE / f"facts-{n}.sqlite", n)
        results.append(compare(f"{kind} {n:,} dossiers", f"{module}:ours", f"{module}:floor",
                               target=at_size(targets, n), shared=quick, url=url,
                               repeats=1 if n >= LARGE else 3,
                               memory_mb=at_size(memory_mb or {}, n)))
    return results


def at_size(limits: dict[int, float], n: int) -> float | None:
    """The limit of the largest listed size not above n (the smallest listed one below all)."""
    if not limits:
        return None
    listed = sorted(limits)
    return limits[max([s for s in listed if s <= n], default=listed[0])]


def run(quick: bool, sizes: list[int] | None = None) -> list[dict[str, Any]]:
    sizes = sizes or ([10_000] if quick else [100_000, 1_000_000])
    return run_on_sizes("facts", "bench.bench_facts", {0: 2.0}, sizes, quick)
