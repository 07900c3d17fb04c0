"""The ``parbook`` program itself: :func:`parbook.commands.main.main` with Ctrl-C and a closed
output pipe handled from the first instant, imports included (this module imports nothing heavy).

After a Ctrl-C the process ends at once (``os._exit``) once the command has cleaned up, so no
background thread (a renderer still importing WeasyPrint, say) can hold the exit.
"""

from __future__ import annotations

import os
import sys

from parbook.commands.interrupt import INTERRUPTED_EXIT, interrupted_line


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's last flush cannot fail on a closed pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    finally:
        os.close(devnull)


def console() -> None:
    """Entry point of the ``parbook`` script and of ``python -m parbook``."""
    try:
        from parbook.commands.main import main

        code = main()
    except KeyboardInterrupt:       # during the imports, before main() could answer it
        command = next((a for a in sys.argv[1:] if not a.startswith("-")), None)
        print(interrupted_line(command), file=sys.stderr)
        code = INTERRUPTED_EXIT
    except BrokenPipeError:
        _silence_stdout()
        code = 2
    if code == INTERRUPTED_EXIT:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        code = code or 2
    sys.exit(code)
