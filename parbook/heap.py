"""Memory policies of parbook's processes: large freed blocks back to the operating system
(glibc), long-lived objects out of the garbage collector's scans (freeze_imported).

glibc serves a block of 128 KiB or more from a mapping of its own, unmapped when freed, but it
raises that threshold (up to 32 MiB) each time such a block is freed: after a province's facts
are built, the columns that pandas and numpy allocate and free then come from the heap, and
what they free stays resident. parbook fixes the threshold at 4 MiB (mallopt(3): setting it stops
the adjustment), as Dask fixes the trim threshold of its workers: a column of half a million
rows or more is unmapped when freed, a smaller one (a commune's) is served from the heap as
before. At a million dossiers the checks on PostgreSQL peak ~50 MB lower.

Nothing happens where the C library is not glibc, or when the user has set glibc's
``MALLOC_MMAP_THRESHOLD_`` or ``MALLOC_TRIM_THRESHOLD_`` (read at start).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import platform

M_MMAP_THRESHOLD = -3          # mallopt's parameter number (malloc.h)
MMAP_THRESHOLD = 4 * 1024 * 1024


def return_freed_memory() -> bool:
    """Fix the process's mmap threshold (see the module docstring); True when it was set."""
    if any(os.environ.get(name) for name in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")) \
            or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    except (OSError, AttributeError):
        return False


_FROZEN: set[str] = set()      # the sets of imports frozen in this process (freeze_imported)


def freeze_imported(what: str) -> bool:
    """Collect the garbage, then move every object still alive out of the cyclic garbage
    collector's scans (``gc.freeze``); once per process for each ``what`` (True: it ran now).

    Called once heavy libraries are imported: by the first checks of a process (Great
    Expectations), in a report's kernel before its first analysis (the notebooks' imports), in
    a report's host once its pages' libraries are loaded (WeasyPrint, nbconvert). Their modules,
    classes and registries (~400k objects after Great Expectations) live as long as the process,
    yet every full collection walked them all again (~0.25 s each: the first checks of a
    process paid one, a batch worker several per commune). What is frozen is still freed by its
    reference count when released; only cycles among it would stay, and the collection just
    before leaves none but the libraries' own.
    """
    if what in _FROZEN:
        return False
    _FROZEN.add(what)
    gc.collect()
    gc.freeze()
    return True
