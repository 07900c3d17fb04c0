"""Measuring helpers: medians of interleaved runs, each in a fresh process with its peak memory.

A measured function is named "module:function" and called with JSON-able keyword arguments in a
child process; the child times only the call (imports and set-up happen before the clock starts
when the function returns a callable) and reports its own peak RSS.
"""

from __future__ import annotations

import importlib
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def peak_rss_mb() -> float:
    """This process's own peak resident memory in MB (Linux VmHWM).

    ``ru_maxrss`` is not used where VmHWM exists: a child started by vfork/posix_spawn from a
    large parent inherits the parent's high-water mark through exec, so every child would report
    at least the parent's peak.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> None:
    """Start this process's peak resident memory again from its current size (Linux
    ``clear_refs`` 5); elsewhere nothing happens and the peak keeps the set-up's."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
    except OSError:
        pass


def _timed(target: str, kwargs: dict[str, Any]) -> tuple[float, float]:
    """Seconds of the call and the peak resident MB while it ran: the set-up's transient peak
    is left out, what the set-up keeps resident (the input data) is in."""
    module_name, func_name = target.split(":")
    func = getattr(importlib.import_module(module_name), func_name)
    prepared = func(**kwargs)          # set-up; returns the callable to time
    reset_peak_rss()
    start = time.perf_counter()
    prepared()
    return time.perf_counter() - start, peak_rss_mb()


def _child(targets: list[str], kwargs: dict[str, Any], rounds: int) -> dict[str, Any]:
    """Time each target in turn, ``rounds`` times (fresh set-up each time, imports kept)."""
    runs = [[_timed(t, kwargs) for t in targets] for _ in range(rounds)]
    return {"seconds": [[s for s, _ in row] for row in runs],
            "peaks_mb": [[m for _, m in row] for row in runs], "peak_mb": peak_rss_mb()}


def _run_child(targets: list[str], kwargs: dict[str, Any], rounds: int) -> dict[str, Any]:
    code = ("import json,sys; from bench.harness import _child; print(json.dumps(_child("
            "json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3]))))")
    out = subprocess.run([sys.executable, "-c", code, json.dumps(targets), json.dumps(kwargs),
                          str(rounds)], cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_once(target: str, **kwargs: Any) -> dict[str, float]:
    """Run one measurement in a fresh interpreter; returns seconds and peak_mb (of the call)."""
    result = _run_child([target], kwargs, 1)
    return {"seconds": result["seconds"][0][0], "peak_mb": result["peaks_mb"][0][0]}


def compare(name: str, ours: str, floor: str, target: float, repeats: int = 3,
            shared: bool = False, memory_mb: float | None = None, **kwargs: Any
            ) -> dict[str, Any]:
    """Median of interleaved runs of ours and the floor; ratio = ours / floor; passed when the
    ratio is within ``target`` and ours' peak within ``memory_mb`` (when given).

    Each run is a fresh interpreter, so peak_mb is ours alone (during the timed call, with the
    data its set-up keeps). ``shared`` (for quick runs) pays the imports once: one interpreter
    sets up and times floor, ours, floor, ours…; the floor's objects may then still be resident
    while ours runs.
    """
    ours_runs, floor_runs = [], []
    if shared:
        child = _run_child([floor, ours], kwargs, repeats)
        for (f, o), (f_mb, o_mb) in zip(child["seconds"], child["peaks_mb"], strict=True):
            floor_runs.append({"seconds": f, "peak_mb": f_mb})
            ours_runs.append({"seconds": o, "peak_mb": o_mb})
    for _ in range(0 if shared else repeats):
        floor_runs.append(run_once(floor, **kwargs))
        ours_runs.append(run_once(ours, **kwargs))
    ours_s = statistics.median(r["seconds"] for r in ours_runs)
    floor_s = statistics.median(r["seconds"] for r in floor_runs)
    ratio = ours_s / floor_s if floor_s else float("inf")
    peak_mb = max(r["peak_mb"] for r in ours_runs)
    passed = ratio <= target and (memory_mb is None or peak_mb <= memory_mb)
    row = {"name": name, "ours_s": round(ours_s, 3), "floor_s": round(floor_s, 3),
           "ratio": round(ratio, 2), "target": target, "passed": passed,
           "peak_mb": round(peak_mb, 1)}
    if memory_mb is not None:
        row["memory_target_mb"] = memory_mb
    return row


def machine_info() -> dict[str, Any]:
    import os

    return {"python": platform.python_version(), "platform": platform.platform(),
            "cpus": os.cpu_count(), "processor": platform.processor(),
            "time": time.strftime("%Y-%m-%dT%H:%M:%S")}
