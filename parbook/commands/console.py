"""The ``parbook`` program itself: :func:`parbook.commands.main.main` with Ctrl-C and a closed
output pipe handled from the first instant, imports included (this module imports nothing heavy).

After a Ctrl-C the process ends at once (``os._exit``) once the command has cleaned up, so no
background thread (a renderer still importing WeasyPrint, say) can hold the exit.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading

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


_INTERRUPTED: list[bool] = []
_THREAD_HOOK = threading.excepthook


def _on_sigint(signum: int, frame: object) -> None:
    """Ctrl-C: remember it, then raise KeyboardInterrupt in the main thread as Python does."""
    _INTERRUPTED.append(True)
    signal.default_int_handler(signum, frame)


def _thread_errors(args: threading.ExceptHookArgs) -> None:
    """After a Ctrl-C, a background thread (a renderer, a kernel client) that breaks because the
    clean-up took its folder or kernel away prints nothing: the user was told the run stopped."""
    if not _INTERRUPTED:
        _THREAD_HOOK(args)
        return
    logging.getLogger("parbook").debug(
        "thread %s stopped by the interruption", getattr(args.thread, "name", "?"),
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback))


def console() -> None:
    """Entry point of the ``parbook`` script and of ``python -m parbook``."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _on_sigint)
    threading.excepthook = _thread_errors
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
