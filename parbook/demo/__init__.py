"""The synthetic demo commune DEMO-ANLOC: a realistic commune-year with seeded defects of every
check and their ground truth (``parbook demo``).

- :func:`generate` / :func:`build_demo` — the tables (and ground truth) of one commune-year;
- :func:`write_demo` — into a database, with the ground-truth CSV beside it;
- :func:`demo_sheets` — the same data as import-workbook sheets (DESIGN.md §4);
- the ``parbook demo`` command is parbook.commands.demo.

Personal data is fictitious by construction (parbook.demo.people): names are random
combinations of common name parts, addresses lie in "xã An Lộc (mô phỏng)", and every phone
number starts with 0000 — "00" is the international call prefix, so no subscriber has such a
number, yet it is a well-formed 10-digit number for check HS06.
"""

from parbook.demo.build import DemoData, build_demo, generate, ground_truth
from parbook.demo.store import DemoRefused, DemoResult, ground_truth_path, write_demo

__all__ = ["DemoData", "DemoRefused", "DemoResult", "build_demo", "generate", "ground_truth",
           "ground_truth_path", "write_demo"]
