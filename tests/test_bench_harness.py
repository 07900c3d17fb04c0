"""The bench harness measures each child's own peak memory, not its parent's."""

from __future__ import annotations

from collections.abc import Callable

from bench.harness import run_once


def allocate(mb: int) -> Callable[[], None]:
    def run() -> None:
        block = bytearray(mb * 1024 * 1024)
        for i in range(0, len(block), 4096):
            block[i] = 1

    return run


def test_child_peak_is_its_own() -> None:
    parent = bytearray(300 * 1024 * 1024)
    for i in range(0, len(parent), 4096):
        parent[i] = 1
    result = run_once("tests.test_bench_harness:allocate", mb=60)
    del parent
    assert 60 <= result["peak_mb"] < 250
