"""The rows of one unit that a reporting window needs, read once from the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import pandas as pd
from sqlalchemy import and_, or_, select

from parbook.contract import CLOSED_STATUSES
from parbook.errors import ParbookError
from parbook.store import db
from parbook.store.units import all_units, merged_by

CLOSED = CLOSED_STATUSES


class UnknownUnitError(ParbookError):
    """A unit code that the database does not hold."""


@dataclass
class UnitData:
    """The rows of one unit that a window needs, read once from the database."""

    unit_code: str
    unit: dict[str, Any]
    procedures: pd.DataFrame
    dossiers: pd.DataFrame
    events: pd.DataFrame
    feedback: pd.DataFrame
    surveys: pd.DataFrame
    legal_documents: pd.DataFrame
    plan_tasks: pd.DataFrame
    self_scores: pd.DataFrame
    batches: list[int] = field(default_factory=list)
    # dossier_code, returned_at of dossiers that surveys refer to but `dossiers` does not hold
    # (closed before the year to date): a survey of such a dossier is not of an unknown dossier.
    survey_dossiers: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame({"dossier_code": pd.Series(dtype=object),
                                              "returned_at": pd.Series(dtype="datetime64[us]")}))
    # the units merged into this one (code → name): their records are included (DESIGN.md §12)
    predecessors: dict[str, str] = field(default_factory=dict)


def require_unit(conn: Any, unit_code: str) -> Any:
    """The unit's row; UnknownUnitError (with what to do) when the database does not hold it."""
    row = conn.execute(select(db.units).where(db.units.c.unit_code == unit_code)).first()
    if row is None:
        raise UnknownUnitError(f"Không có đơn vị {unit_code!r} trong CSDL: khai báo bằng 'parbook init "
                               f"--unit {unit_code} --unit-name \"UBND xã …\"' rồi nạp dữ liệu (unknown "
                               "unit)")
    return row


def _end_of_day(day: date) -> datetime:
    return datetime.combine(day, time.max)


def distinct_ids(frame: pd.DataFrame, ident: str, unit_code: str) -> pd.DataFrame:
    """Registers are keyed by (id, unit_code): where a merged commune and a predecessor (or two
    predecessors) use the same id, the predecessor's reads "id (its unit code)", so that every
    finding and figure names one record. The unit's own ids, and ids used once, stay as they are.

    >>> f = pd.DataFrame({"task_id": ["NV-01", "NV-01", "NV-02"], "unit_code": ["C", "A", "A"]})
    >>> distinct_ids(f, "task_id", "C")["task_id"].tolist()
    ['NV-01', 'NV-01 (A)', 'NV-02']
    """
    if frame.empty or frame["unit_code"].nunique() < 2:
        return frame
    rename = frame[ident].duplicated(keep=False) & (frame["unit_code"] != unit_code)
    if not rename.any():
        return frame
    out = frame.copy()
    out.loc[rename, ident] = (out.loc[rename, ident].astype(str) + " ("
                              + out.loc[rename, "unit_code"].astype(str) + ")")
    return out


def load_unit_data(conn: Any, unit_code: str, since: date, through: date) -> UnitData:
    """Read what the windows between ``since`` and ``through`` need for one unit.

    Dossiers: received by ``through`` (or with no receipt date) and not closed before ``since``,
    or returned on or after ``since`` (a survey-coverage base of the window).
    Surveys belong to the unit of their dossier; a survey of an unknown dossier belongs to the
    unit its import batch was loaded for, or to the only unit of the database. The records of
    the units merged into this one by ``through`` (parbook.store.units.merged_by) are read with
    its own; before its merger an old commune reports for itself.
    """
    units = all_units(conn)
    if unit_code not in units:
        require_unit(conn, unit_code)          # raises, saying how to declare the unit
    before = merged_by(units, unit_code, through)
    lineage = [unit_code, *before]
    d = db.dossiers.c
    dossier_filter = and_(
        d.unit_code.in_(lineage),
        or_(d.received_at.is_(None), d.received_at <= _end_of_day(through)),
        or_(d.finished_at.is_(None), d.finished_at >= datetime.combine(since, time.min),
            d.status.is_(None), d.status.not_in(CLOSED),
            d.returned_at >= datetime.combine(since, time.min)),
    )
    dossiers = db.read_table(conn, db.dossiers, dossier_filter)
    codes = select(d.dossier_code).where(dossier_filter).scalar_subquery()
    events = db.read_table(conn, db.dossier_events, db.dossier_events.c.dossier_code.in_(codes))
    all_codes = select(d.dossier_code).scalar_subquery()
    unit_codes = select(d.dossier_code).where(d.unit_code.in_(lineage)).scalar_subquery()
    s = db.surveys.c
    n_units = len(units)
    orphan = s.dossier_code.is_(None) | s.dossier_code.not_in(all_codes)
    batch_units = select(db.import_batches.c.batch_id).where(
        db.import_batches.c.unit_code.in_(lineage)).scalar_subquery()
    orphan_mine = orphan if n_units == 1 else and_(orphan, s.batch_id.in_(batch_units))
    surveys = db.read_table(conn, db.surveys, or_(s.dossier_code.in_(unit_codes), orphan_mine))
    referenced = set(surveys["dossier_code"].dropna()) - set(dossiers["dossier_code"])
    survey_dossiers = db.read_table(conn, db.dossiers, d.dossier_code.in_(sorted(referenced)),
                                    columns=["dossier_code", "returned_at"])
    frames = {
        name: db.read_table(conn, table, table.c.unit_code.in_(lineage))
        for name, table in (("feedback", db.feedback), ("legal_documents", db.legal_documents),
                            ("plan_tasks", db.plan_tasks))
    }
    for name, ident in db.KEYED_BY_UNIT.items():
        frames[name] = distinct_ids(frames[name], ident, unit_code)
    # the self-assessment is the unit's own (its predecessors scored themselves)
    frames["self_scores"] = db.read_table(conn, db.self_scores,
                                          db.self_scores.c.unit_code == unit_code)
    batches = sorted(
        {int(b) for f in (dossiers, events, surveys, *frames.values())
         for b in f["batch_id"].dropna().unique()}
    )
    return UnitData(
        unit_code=unit_code,
        unit=units[unit_code],
        procedures=db.read_table(conn, db.procedures),
        dossiers=dossiers,
        events=events,
        surveys=surveys,
        batches=batches,
        survey_dossiers=survey_dossiers,
        predecessors={c: units[c].get("unit_name") or c for c in before},
        **frames,
    )


