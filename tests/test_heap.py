"""parbook's processes return large freed blocks to the operating system (parbook.heap)."""

from __future__ import annotations

import platform

import pytest

from parbook import heap

pytestmark = pytest.mark.unit


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's mallopt only")
def test_the_mmap_threshold_is_fixed_unless_the_user_set_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    assert heap.return_freed_memory()
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    assert not heap.return_freed_memory()


def test_freeze_collects_first_and_later_cycles_are_still_collected() -> None:
    """freeze_imported leaves no garbage frozen (a cycle dropped before is collected), moves what
    is alive out of the scans, and cycles made afterwards are collected as before."""
    import gc
    import weakref

    class Node:
        pass

    def cycle() -> weakref.ref:
        a, b = Node(), Node()
        a.other, b.other = b, a
        return weakref.ref(a)

    gc.disable()                      # nothing collects the first cycle but freeze_imported
    try:
        before = cycle()
        assert before() is not None
        assert heap.freeze_imported("test")
        assert before() is None
        assert not heap.freeze_imported("test")          # once per process for each name
        assert gc.get_freeze_count() > 0
        after = cycle()
        gc.collect()
        assert after() is None
    finally:
        gc.unfreeze()
        gc.enable()


def test_the_first_checks_of_a_process_freeze_the_libraries() -> None:
    """Great Expectations' objects are out of the collector's scans once the checks' context
    exists (a fresh interpreter: this one's state depends on the tests before)."""
    import subprocess
    import sys

    code = ("import gc; from parbook.quality.checks import _gx_context; _gx_context(); "
            "print(gc.get_freeze_count(), len(gc.get_objects()))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    frozen, scanned = map(int, out.stdout.split()[-2:])
    assert frozen > 100_000 and scanned < frozen / 10
