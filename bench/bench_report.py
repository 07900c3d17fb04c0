"""Speed of ``parbook report`` and ``parbook batch`` (issues 8 and 17): ``run(quick)`` measures
the report (``--only report``), bench_batch the batch (``--only batch``).

1. ``report``: one commune-quarter report end to end, as a ratio to the floor of executing the
   same number of EMPTY notebooks with papermill (one kernel each, as papermill does by default)
   plus their HTML export, measured in the same run. Target ≤ 1.5×.
2. ``batch_marginal``: the marginal wall time per commune of ``parbook batch --jobs 2`` (a
   Dask LocalCluster of 2 workers) ((t(n2) − t(n1)) / (n2 − n1)), against a budget of 5 s per
   commune (ratio = marginal / 5 s, target ≤ 1).
3. ``batch_speedup``: n2 communes on 2 workers against the same on 1 worker (ratio = t(2) / t(1),
   target ≤ 1 / 1.6: a speed-up of at least 1.6×), both on every core of the machine. The row
   also gives how many cores the machine kept busy in each run (/proc/stat): one worker already
   keeps more than one busy (its kernel runs the notebooks while the worker renders the pages),
   so on a 2-core machine this ratio cannot exceed 2 / (cores busy with 1 worker).
4. ``batch_scaling``: the same n2 communes on 1 worker restricted to ONE core against 2 workers
   on 2 cores: how the batch scales with the cores it is given (target: at least 1.6×).

The data is the report tests' fixture commune repeated to a realistic quarter (≈ 750 dossiers;
quick: ≈ 150). Full runs take the median of 3 interleaved floor/ours pairs (the batch: of 3
rounds of its four runs, the machine's noise being ±15% on a run); quick runs one of each.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.harness import peak_rss_mb

ROOT = Path(__file__).resolve().parent.parent


def _peak_mb() -> float:
    """The largest peak of this process (own high-water mark) and of its finished children."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return round(max(peak_rss_mb(), children), 1)


def _floor(n_notebooks: int, workdir: Path) -> float:
    """Execute n empty parameterised notebooks (own kernel each) and export each to HTML."""
    import nbformat
    import papermill as pm
    from nbconvert import HTMLExporter
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell('unit = ""', metadata={"tags": ["parameters"]})])
    nb.metadata["kernelspec"] = {"name": "parbook", "display_name": "parbook", "language": "python"}
    src = workdir / "empty.ipynb"
    nbformat.write(nb, src)
    started = time.perf_counter()
    exporter = HTMLExporter(template_name="basic")
    for i in range(n_notebooks):
        out = workdir / f"empty-{i}.ipynb"
        pm.execute_notebook(str(src), str(out), parameters={"unit": "X"}, kernel_name="parbook",
                            progress_bar=False, cwd=str(workdir))
        body, _ = exporter.from_notebook_node(nbformat.read(out, as_version=4))
        (workdir / f"empty-{i}.html").write_text(body, encoding="utf-8")
    return time.perf_counter() - started


def bench_report(quick: bool, workdir: Path) -> dict[str, Any]:
    from parbook.report.run import NOTEBOOKS, run_report
    from parbook.timeline.periods import Window
    from tests.report import fixture_db

    url = f"sqlite:///{workdir / 'report.sqlite'}"
    fixture_db.build(url, scale=5 if quick else 25)
    floors, ours = [], []
    for i in range(1 if quick else 3):
        floors.append(_floor(len(NOTEBOOKS), workdir))
        started = time.perf_counter()
        folder = run_report(fixture_db.UNIT, Window.parse(fixture_db.PERIOD), url=url,
                            out_dir=workdir / f"out-{i}")
        ours.append(time.perf_counter() - started)
    timings = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["timings_s"]
    ours_s, floor_s = statistics.median(ours), statistics.median(floors)
    ratio = ours_s / floor_s
    return {"name": "report", "ours_s": round(ours_s, 2), "floor_s": round(floor_s, 2),
            "ratio": round(ratio, 2), "target": 1.5, "passed": ratio <= 1.5, "peak_mb": _peak_mb(),
            "timings_s": timings}


def _stop_forkserver() -> None:
    """Stop multiprocessing's forkserver, which outlives the batches' Dask workers forked from it
    (parbook.commands.batch), and wait for it: the peak memory of the workers and their kernels
    then reaches this process's finished children (_peak_mb), as when they were spawned."""
    from multiprocessing import forkserver

    forkserver._forkserver._stop()


def _busy_cpu_s() -> float | None:
    """CPU seconds the whole machine has spent busy (not idle, not waiting), from /proc/stat."""
    try:
        with open("/proc/stat", encoding="ascii") as handle:
            ticks = [int(v) for v in handle.readline().split()[1:]]
    except OSError:
        return None
    import os

    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def timed_batch(units: list[str], jobs: int, url: str, out_root: str) -> dict[str, Any]:
    """One ``run_batch`` of these communes: its wall seconds and the cores busy meanwhile."""
    from parbook.commands.batch import run_batch

    busy, started = _busy_cpu_s(), time.perf_counter()
    results, _ = run_batch("2024-Q3", units, jobs=jobs, url=url, out_root=Path(out_root),
                           progress=False)
    wall, after = time.perf_counter() - started, _busy_cpu_s()
    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    cores = None if busy is None or after is None else round((after - busy) / wall, 2)
    return {"wall_s": wall, "busy_cores": cores}


def _on_one_core(units: list[str], url: str, out_root: Path) -> dict[str, Any]:
    """timed_batch with 1 worker in a fresh interpreter bound to one core (its workers, kernels
    and Dask's forkserver inherit the binding)."""
    code = ("import json, os, sys; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); "
            "from bench.bench_report import timed_batch; "
            "print(json.dumps(timed_batch(*json.loads(sys.argv[1]))))")
    out = subprocess.run([sys.executable, "-c", code, json.dumps([units, 1, url, str(out_root)])],
                         cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_batch(quick: bool, workdir: Path) -> list[dict[str, Any]]:
    from tests.report import fixture_db

    n1, n2 = (2, 4) if quick else (2, 20)
    url = f"sqlite:///{workdir / 'batch.sqlite'}"
    units = [f"XA-{i:02d}" for i in range(n2)]
    for i, unit in enumerate(units):
        fixture_db.build(url, unit=unit, unit_name=f"Xã Số {i}", scale=5 if quick else 25, prefix=f"{i:03d}")
    configs = ((n1, 2), (n2, 2), (n2, 1), "one core")
    samples: dict[Any, list[dict[str, Any]]] = {key: [] for key in configs}
    for r in range(1 if quick else 3):          # rounds of every configuration, interleaved
        for i, key in enumerate(configs):
            folder = workdir / f"batch-{r}-{i}"
            samples[key].append(_on_one_core(units, url, folder) if key == "one core" else
                                timed_batch(units[:key[0]], key[1], url, str(folder)))
    _stop_forkserver()

    def median(key: Any, field: str = "wall_s") -> Any:
        values = [s[field] for s in samples[key] if s[field] is not None]
        return statistics.median(values) if values else None

    times = {key: median(key) for key in configs}
    marginal = (times[(n2, 2)] - times[(n1, 2)]) / (n2 - n1)
    timings = {(f"{n2} communes, 1 worker on 1 core" if key == "one core" else
                f"{key[0]} communes, {key[1]} workers"): [round(s["wall_s"], 2) for s in samples[key]]
               for key in configs}
    speedup = times[(n2, 1)] / times[(n2, 2)]
    scaling = times["one core"] / times[(n2, 2)]
    busy_1, busy_2 = median((n2, 1), "busy_cores"), median((n2, 2), "busy_cores")
    one_core = {"wall_s": times["one core"], "busy_cores": median("one core", "busy_cores")}
    return [{"name": "batch_marginal", "ours_s": round(marginal, 2), "floor_s": 5.0,
             "ratio": round(marginal / 5.0, 2), "target": 1.0, "passed": marginal <= 5.0,
             "peak_mb": _peak_mb(), "batch_s": timings},
            {"name": "batch_speedup", "ours_s": round(times[(n2, 2)], 2),
             "floor_s": round(times[(n2, 1)], 2), "ratio": round(1 / speedup, 2),
             "target": round(1 / 1.6, 3), "passed": speedup >= 1.6, "peak_mb": _peak_mb(),
             "speedup": round(speedup, 2), "busy_cores_1_worker": busy_1,
             "busy_cores_2_workers": busy_2,
             "speedup_ceiling": round(2 / busy_1, 2) if busy_1 else None},
            {"name": "batch_scaling", "ours_s": round(times[(n2, 2)], 2),
             "floor_s": round(one_core["wall_s"], 2), "ratio": round(1 / scaling, 2),
             "target": round(1 / 1.6, 3), "passed": scaling >= 1.6, "peak_mb": _peak_mb(),
             "speedup": round(scaling, 2), "busy_cores_1_worker_1_core": one_core["busy_cores"]}]


def _measure(name: str, quick: bool) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="parbook-bench-") as tmp:
        if name == "batch":
            return bench_batch(quick, Path(tmp))
        return [bench_report(quick, Path(tmp))]


def measured(names: tuple[str, ...], quick: bool) -> list[dict[str, Any]]:
    """The measurements named (``report``, ``batch``); each dict has name, ours_s, floor_s,
    ratio, target, passed, peak_mb.

    Each runs in a fresh interpreter, so its peak memory covers only its own process tree
    (host, kernels) and not the benchmarks that ran before it.
    """
    rows = []
    for name in names:
        code = ("import json,sys; from bench.bench_report import _measure; "
                "print(json.dumps(_measure(sys.argv[1], sys.argv[2] == '1')))")
        out = subprocess.run([sys.executable, "-c", code, name, "1" if quick else "0"], cwd=ROOT,
                             check=True, capture_output=True, text=True)
        rows.extend(json.loads(out.stdout.strip().splitlines()[-1]))
    return rows


def run(quick: bool, sizes: list[int] | None = None) -> list[dict[str, Any]]:
    """The one-report measurement (``python -m bench --only report``; the batch's is
    bench_batch). ``sizes`` does not apply: the report has its fixed fixture."""
    return measured(("report",), quick)


if __name__ == "__main__":
    for row in measured(("report", "batch"), "--quick" in sys.argv):
        print(json.dumps(row, ensure_ascii=False))
