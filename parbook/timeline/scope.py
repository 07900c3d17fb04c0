"""The facts of a reporting window and of its year to date, as one typed hand-over.

:func:`build` turns a unit's rows (parbook.store.unitdata.UnitData) into :class:`Facts`: for the
window (``period``) and for the year to date (``ytd``) the per-dossier facts of the dossiers in
scope, every dossier returned in the window (the survey-coverage base), and the PAKN, survey,
legal-document and plan-task frames, all as of the as-of date.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from parbook.store.unitdata import UnitData, load_unit_data
from parbook.store.units import all_units, check_window
from parbook.timeline.calendar import WorkCalendar
from parbook.timeline.facts import build_facts
from parbook.timeline.periods import Window
from parbook.timeline.registers import (
    feedback_facts,
    legal_document_facts,
    plan_task_facts,
    survey_facts,
)

SCOPES = ("period", "ytd")
# what survey coverage (parbook.analysis.measures.returned_masks), its breakdowns by field,
# department and handler, and its derivation read of the dossiers returned in a window
RETURNED_COLUMNS = ("dossier_code", "in_scope", "withdrawn", "returned_in_window", "has_survey",
                    "field", "department", "handler", "regime")


@dataclass(frozen=True)
class ScopeFacts:
    """What one scope — the window (``period``) or its year to date (``ytd``) — counts over.

    ``dossiers``: one row per dossier in the scope's window (parbook.timeline.facts);
    ``returned``: every dossier returned in the window, in scope or not (settled before it), with
    the columns its readers take (RETURNED_COLUMNS: survey coverage and its breakdowns);
    ``outside``: every fact of the dossiers returned in the window but not in its scope (the
    checks read them beside ``dossiers``). A province's returned dossiers are not held twice.
    """

    scope: str
    window: Window
    dossiers: pd.DataFrame
    returned: pd.DataFrame
    outside: pd.DataFrame
    feedback: pd.DataFrame
    surveys: pd.DataFrame
    legal_documents: pd.DataFrame
    plan_tasks: pd.DataFrame


@dataclass(frozen=True)
class Facts:
    """The unit's rows, and the facts of the window and of its year to date."""

    data: UnitData
    period: ScopeFacts
    ytd: ScopeFacts

    @property
    def window(self) -> Window:
        return self.period.window

    @property
    def unit_code(self) -> str:
        return self.data.unit_code

    def of(self, scope: str) -> ScopeFacts:
        """The facts of ``period`` or ``ytd``."""
        if scope not in SCOPES:
            raise ValueError(f"Phạm vi không hợp lệ {scope!r}: period hoặc ytd (scope must be "
                             "period or ytd)")
        return self.period if scope == "period" else self.ytd


def scope_facts(data: UnitData, window: Window, scope: str, cal: WorkCalendar | None = None
                ) -> ScopeFacts:
    """The facts of one window (the reporting window, or its year to date)."""
    wide = build_facts(data, window, cal, include_returned=True)
    # boolean selections already copy (and pandas copies on write): no second copy of a
    # province's facts
    in_scope, returned = wide["in_scope"].to_numpy(), wide["returned_in_window"].to_numpy()
    return ScopeFacts(
        scope=scope, window=window, dossiers=wide[in_scope],
        returned=wide.loc[returned, list(RETURNED_COLUMNS)], outside=wide[returned & ~in_scope],
        feedback=feedback_facts(data, window, cal), surveys=survey_facts(data, window),
        legal_documents=legal_document_facts(data, window), plan_tasks=plan_task_facts(data, window))


def same_facts(a: Window, b: Window) -> bool:
    """Whether two windows give the same facts: the dates the timeline reads are equal (a
    year's window and its year to date; a first quarter as of its end and its year to date)."""
    return (a.start, a.end, a.as_of, a.cut, a.ytd_start) == (b.start, b.end, b.as_of, b.cut,
                                                             b.ytd_start)


def build(data: UnitData, window: Window, cal: WorkCalendar | None = None) -> Facts:
    """The facts of the window and of its year to date (computed once, and the frames shared,
    when the two windows coincide: the frames are read, never changed, by every later stage)."""
    period = scope_facts(data, window, "period", cal)
    ytd_window = window.year_to_date()
    if same_facts(window, ytd_window):
        ytd = replace(period, scope="ytd", window=ytd_window)
    else:
        ytd = scope_facts(data, ytd_window, "ytd", cal)
    return Facts(data=data, period=period, ytd=ytd)


def load(conn: Any, unit_code: str, window: Window) -> UnitData:
    """Everything the window and its year to date need for one unit (one read); a unit that did
    not exist in the window is refused (parbook.store.units.check_window)."""
    units = all_units(conn)
    if unit_code in units:
        check_window(units, unit_code, window.start, window.end)
    return load_unit_data(conn, unit_code, since=window.ytd_start, through=window.as_of)
