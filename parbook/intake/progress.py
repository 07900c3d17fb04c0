"""A one-line progress bar on stderr for long imports (off when not wanted or not a terminal)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 24
INTERVAL_S = 0.2


class Progress:
    """``stage(label, total)`` then ``update(done)``; ``close()`` ends the line."""

    def __init__(self, enabled: bool = True, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.label = ""
        self.total: int | None = None
        self._last = 0.0
        self._shown = False

    def stage(self, label: str, total: int | None = None) -> None:
        self.label, self.total = label, total
        self._last = 0.0
        self.update(0)

    def update(self, done: int, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < INTERVAL_S:
            return
        self._last = now
        if self.total:
            share = min(done / self.total, 1.0)
            filled = int(share * WIDTH)
            bar = f"[{'#' * filled}{'.' * (WIDTH - filled)}] {share:4.0%} "
        else:
            bar = ""
        self.stream.write(f"\r{self.label}: {bar}{done:,} dòng".ljust(79)[:100])
        self.stream.flush()
        self._shown = True

    def close(self) -> None:
        if self.enabled and self._shown:
            self.stream.write("\r" + " " * 79 + "\r")
            self.stream.flush()
            self._shown = False
