"""What a Ctrl-C prints and the exit code it ends with (shared by the entry point and main)."""

from __future__ import annotations

INTERRUPTED_EXIT = 130          # the shell's code for a run stopped by SIGINT
# Commands whose Ctrl-C leaves a previous report in place (run_report publishes only at the end).
REPORTING = frozenset({"report", "batch", "demo"})


def interrupted_line(command: str | None) -> str:
    """The one line a Ctrl-C prints."""
    if command in REPORTING:
        return "Đã dừng (interrupted); báo cáo cũ giữ nguyên (the previous report is unchanged)."
    return "Đã dừng (interrupted)."
