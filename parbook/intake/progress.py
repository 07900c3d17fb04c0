"""A progress bar on stderr for long imports (tqdm), off unless the command asks for it."""

from __future__ import annotations

import sys
from typing import TextIO

from tqdm import tqdm


class Progress:
    """``stage(label, total)`` then ``update(done)`` (rows done so far); ``close()`` ends it."""

    def __init__(self, enabled: bool = True, stream: TextIO | None = None) -> None:
        self.bar = tqdm(total=None, disable=not enabled, file=stream or sys.stderr, unit=" dòng",
                        leave=False, dynamic_ncols=True)

    def stage(self, label: str, total: int | None = None) -> None:
        self.bar.reset(total=total)
        self.bar.set_description_str(label, refresh=False)

    def update(self, done: int, force: bool = False) -> None:
        self.bar.update(done - self.bar.n)
        if force:
            self.bar.refresh()

    def close(self) -> None:
        self.bar.close()
