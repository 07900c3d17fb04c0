"""Biểu 06/VPCP/KSTT: dossiers received, settled and pending per field (DESIGN.md §7).

Each column is counted by its own rule so that the accounting identity
received_total = settled_total + pending_total is a real test of the data (check BM01): a
dossier in scope without a receipt date, a channel or an appointment date breaks it.
Withdrawn dossiers are left out and counted beside the form.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from parbook.contract import BIEU06_COLUMNS, ONLINE_CHANNELS, TOTAL
from parbook.timeline.facts import UNKNOWN_FIELD
from parbook.timeline.scope import ScopeFacts


@dataclass(frozen=True)
class Forms:
    """The official form of the window: Biểu 06 (contract columns, TOTAL last) and the
    withdrawn dossiers counted beside it, per field and TOTAL."""

    bieu06: pd.DataFrame
    withdrawn: pd.Series


def build_forms(facts: ScopeFacts) -> Forms:
    """The forms of the window's facts."""
    return Forms(bieu06=bieu06(facts.dossiers), withdrawn=withdrawn_beside(facts.dossiers))


def bieu06(facts: pd.DataFrame) -> pd.DataFrame:
    """The form: one row per field with dossiers, then TOTAL (contract columns)."""
    f = facts[~facts["withdrawn"]]
    new = f["received_in_window"]
    t = f["timeliness"]
    settled = f["settled_in_window"]
    parts = pd.DataFrame({
        "field": f["field"].fillna(UNKNOWN_FIELD),
        "received_online": new & f["channel"].isin(ONLINE_CHANNELS),
        "received_direct_postal": new & f["channel"].isin(["direct", "postal"]),
        "carried_over": f["carried_over"].fillna(False),
        "early": settled & (t == "early"),
        "on_time": settled & (t == "on_time"),
        "late": settled & (t == "late"),
        "pending_within": t == "pending_within",
        "pending_overdue": t == "pending_overdue",
    })
    rows = parts.groupby("field", sort=True).sum().astype("int64")
    rows.loc[TOTAL] = rows.sum()
    rows["received_total"] = rows[["received_online", "received_direct_postal", "carried_over"]].sum(axis=1)
    rows["settled_total"] = rows[["early", "on_time", "late"]].sum(axis=1)
    rows["pending_total"] = rows[["pending_within", "pending_overdue"]].sum(axis=1)
    return rows.reset_index(names="field")[BIEU06_COLUMNS]


def withdrawn_beside(facts: pd.DataFrame) -> pd.Series:
    """Withdrawn dossiers in scope per field, shown beside the form."""
    w = facts[facts["withdrawn"]]
    counts = w.groupby("field").size()
    counts.loc[TOTAL] = int(counts.sum())
    return counts.rename("withdrawn")
