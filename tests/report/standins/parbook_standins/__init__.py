"""TEST DOUBLES for the modules other work branches are building (checks, indicators, tt01, 766,
satisfaction, plan tracker, self-assessment), with the interfaces their briefs document.

They exist so that the report machinery (papermill, HTML, PDF, manifest, verify, batch) can be
tested end to end on this branch. ``install()`` registers a stand-in only when the real module
cannot be imported, so after the merge every test runs on the real modules. The stand-ins
compute simple things from the analysis (e.g. the on-time rate exactly as DESIGN.md §7 defines
it) but are NOT the product's logic.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

STANDINS = {
    "parbook.checks": "parbook_standins.checks",
    "parbook.indicators": "parbook_standins.indicators",
    "parbook.forms_xlsx": "parbook_standins.forms_xlsx",
    "parbook.tt01": "parbook_standins.tt01",
    "parbook.index766": "parbook_standins.index766",
    "parbook.satisfaction": "parbook_standins.satisfaction",
    "parbook.selfassessment": "parbook_standins.selfassessment",
    "parbook.selfinspection": "parbook_standins.selfinspection",
}


def install() -> list[str]:
    """Register the stand-ins of the modules that are missing; returns their names."""
    import parbook

    installed = []
    for name, standin in STANDINS.items():
        if name in sys.modules or importlib.util.find_spec(name) is not None:
            continue
        module = importlib.import_module(standin)
        sys.modules[name] = module
        setattr(parbook, name.rsplit(".", 1)[1], module)
        installed.append(name)
    return installed
