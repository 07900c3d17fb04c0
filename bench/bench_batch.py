"""``parbook batch`` on a Dask LocalCluster (issue 17, target 3): the marginal time per commune
and the speed-up of 2 workers over 1 (``python -m bench --only batch``); the measurement itself
is bench_report.bench_batch, beside the one-report bench whose fixture it shares."""

from __future__ import annotations

from typing import Any

from bench.bench_report import measured


def run(quick: bool, sizes: list[int] | None = None) -> list[dict[str, Any]]:
    """batch_marginal, batch_speedup and batch_scaling (``sizes`` does not apply: a fixed
    fixture)."""
    return measured(("batch",), quick)
