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


def _timed(target: str, kwargs: dict[str, Any]) -> float:
    module_name, func_name = target.split(":")
    func = getattr(importlib.import_module(module_name), func_name)
    prepared = func(**kwargs)          # set-up; returns the callable to time
    start = time.perf_counter()
    prepared()
    return time.perf_counter() - start


def _child(targets: list[str], kwargs: dict[str, Any], rounds: int) -> dict[str, Any]:
    """Time each target in turn, ``rounds`` times (fresh set-up each time, imports kept)."""
    seconds = [[_timed(t, kwargs) for t in targets] for _ in range(rounds)]
    return {"seconds": seconds, "peak_mb": peak_rss_mb()}


def _run_child(targets: list[str], kwargs: dict[str, Any], rounds: int) -> dict[str, Any]:
    code = ("import json,sys; from bench.harness import _child; print(json.dumps(_child("
            "json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3]))))")
    out = subprocess.run([sys.executable, "-c", code, json.dumps(targets), json.dumps(kwargs),
                          str(rounds)], cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_once(target: str, **kwargs: Any) -> dict[str, float]:
    """Run one measurement in a fresh interpreter; returns seconds and peak_mb."""
    result = _run_child([target], kwargs, 1)
    return {"seconds": result["seconds"][0][0], "peak_mb": result["peak_mb"]}


def compare(name: str, ours: str, floor: str, target: float, repeats: int = 3,
            shared: bool = False, **kwargs: Any) -> dict[str, Any]:
    """Median of interleaved runs of ours and the floor; ratio = ours / floor.

    Each run is a fresh interpreter, so peak_mb is ours alone. ``shared`` (for quick runs) pays
    the imports once: one interpreter sets up and times floor, ours, floor, ours…; its peak_mb
    is then that of the process running both.
    """
    ours_runs, floor_runs = [], []
    if shared:
        child = _run_child([floor, ours], kwargs, repeats)
        floor_runs = [{"seconds": f, "peak_mb": child["peak_mb"]} for f, _ in child["seconds"]]
        ours_runs = [{"seconds": o, "peak_mb": child["peak_mb"]} for _, o in child["seconds"]]
    for _ in range(0 if shared else repeats):
        floor_runs.append(run_once(floor, **kwargs))
        ours_runs.append(run_once(ours, **kwargs))
    ours_s = statistics.median(r["seconds"] for r in ours_runs)
    floor_s = statistics.median(r["seconds"] for r in floor_runs)
    ratio = ours_s / floor_s if floor_s else float("inf")
    return {"name": name, "ours_s": round(ours_s, 3), "floor_s": round(floor_s, 3),
            "ratio": round(ratio, 2), "target": target, "passed": ratio <= target,
            "peak_mb": round(max(r["peak_mb"] for r in ours_runs), 1)}


def machine_info() -> dict[str, Any]:
    import os

    return {"python": platform.python_version(), "platform": platform.platform(),
            "cpus": os.cpu_count(), "processor": platform.processor(),
            "time": time.strftime("%Y-%m-%dT%H:%M:%S")}
