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
