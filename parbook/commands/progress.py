"""A bar of named steps on stderr (tqdm) for commands that run for a while: shown on a terminal
only, so logs and pipes get nothing extra."""

from __future__ import annotations

import shutil
import sys
from typing import TextIO

from tqdm import tqdm


class Steps:
    """Call with a step's label as it begins; ``close()`` when done. ``total``: number of steps."""

    def __init__(self, total: int, desc: str, stream: TextIO | None = None) -> None:
        stream = stream or sys.stderr
        # a terminal that reports no size (a bare pty) gets 80×24, not a hidden bar
        size = shutil.get_terminal_size()
        self.bar = tqdm(total=total, desc=desc, file=stream, leave=False, disable=not stream.isatty(),
                        ncols=size.columns, nrows=size.lines, mininterval=0,
                        bar_format="{desc} {n_fmt}/{total_fmt}{postfix} [{elapsed}]")
        self._begun = False

    def __call__(self, label: str) -> None:
        self.bar.set_postfix_str(label, refresh=False)
        if self._begun:
            self.bar.update(1)
        else:
            self.bar.refresh()
        self._begun = True

    def close(self) -> None:
        self.bar.close()

    def __enter__(self) -> Steps:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
