"""Stage ``quality``: the data-quality and compliance checks (DESIGN.md §6).

Takes in: a window's facts (:class:`parbook.timeline.scope.Facts`) and its Biểu 06 rows, and
the check catalogue of ``checks/`` (:mod:`.catalogue`). Hands on:
:class:`parbook.quality.checks.Findings` — one finding per (check, record) with its message and
regime, the Great Expectations suites and validation results for auditors (no personal data),
run on pandas or inside the user's SQL server in a scratch space that is never left behind
(:mod:`.scratch`).
"""
