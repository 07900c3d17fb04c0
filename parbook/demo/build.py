"""The generated commune-year: tables with the schema's columns, and the ground truth."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Table

from parbook.demo import profile
from parbook.demo.context import Context, Draft, demo_catalogue
from parbook.demo.defects import seed_defects
from parbook.demo.dossiers import generate_dossiers
from parbook.demo.plan_tasks import generate_plan_tasks
from parbook.demo.registers import generate_feedback, generate_legal_documents, generate_surveys
from parbook.intake.rows import event_id
from parbook.store import db
from parbook.store.reference import read_units

TRUTH_COLUMNS = ["check_id", "record_key"]
# table name → schema table, in the order they load (references first)
TABLES: dict[str, Table] = {
    "units": db.units, "procedures": db.procedures, "dossiers": db.dossiers,
    "dossier_events": db.dossier_events, "feedback": db.feedback, "surveys": db.surveys,
    "legal_documents": db.legal_documents, "plan_tasks": db.plan_tasks,
}


@dataclass(frozen=True)
class DemoData:
    """One generated commune-year.

    ``tables``: table name → frame with the schema's columns (db.py), typed like
    db.read_table returns them. ``ground_truth``: check_id, record_key of every finding the
    checks must produce for the year's window (nd09, as of its end). ``defects``: the same
    rows with the seeded variant that causes each (Vietnamese).
    """

    seed: int
    year: int
    tables: dict[str, pd.DataFrame]
    ground_truth: pd.DataFrame
    defects: pd.DataFrame
    # every seeded (check_id, record_key, variant) in seeding order (the span splits it by pass)
    log: list[tuple[str, str, str]] = field(default_factory=list, repr=False)
    # the span demo: period → its ground truth (check_id, record_key) for the demo commune
    truths: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)


def columns_of(table: Table) -> list[str]:
    """The schema columns of a table that data carries (not the import bookkeeping)."""
    return [c.name for c in table.columns if c.name != "batch_id"]


def _typed(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    out = frame.reindex(columns=columns_of(table)).reset_index(drop=True)
    return db.coerce_frame(out, table)


def demo_unit_rows() -> list[dict[str, object]]:
    """The demo commune's row of the units table (units.csv, or its built-in description). The
    province is Thành phố Huế, as Thừa Thiên Huế is named since 1/1/2025 (Nghị quyết
    1314/NQ-UBTVQH15): the reports addressed to the province (from 7/2025) name it so."""
    return [u for u in read_units() if u["unit_code"] == profile.UNIT_CODE] or [
        {"unit_code": profile.UNIT_CODE, "unit_name": "Xã An Lộc (mô phỏng)",
         "district": "Huyện Minh Phong (mô phỏng)", "province": "Thành phố Huế"}]


def _survey_numbers(day: pd.Series, taken: pd.Series | None) -> pd.Series:
    """The daily sequence of each survey (sorted), after the numbers ``taken`` already uses."""
    seq = day.groupby(day).cumcount() + 1
    if taken is None or taken.empty:
        return seq
    parts = taken.str.extract(r"^KS-(\d{6})-(\d{4})$")
    used = parts.dropna().astype({1: "int64"}).groupby(0)[1].max()
    return seq + day.map(used).fillna(0).astype("int64")


def _finalise(ctx: Context, draft: Draft, units: list[dict[str, object]] | None = None,
              taken_surveys: pd.Series | None = None) -> DemoData:
    codes = draft.dossiers["dossier_code"]
    ev = draft.events.sort_values(["row", "event_at"], kind="stable").copy()
    ev["dossier_code"] = codes.reindex(ev["row"]).to_numpy()
    # the id the import derives from the event's natural key, so a workbook round trip is exact
    ev["event_id"] = [event_id(*key) for key in zip(
        ev["dossier_code"], ev["event_type"], pd.to_datetime(ev["event_at"]).dt.to_pydatetime(),
        ev["stage"], strict=True)]

    sv = draft.surveys.copy()
    known = sv["row"] >= 0
    sv.loc[known, "dossier_code"] = codes.reindex(sv.loc[known, "row"]).to_numpy()
    sv = sv.sort_values(["surveyed_at", "dossier_code"], kind="stable")
    day = pd.to_datetime(sv["surveyed_at"]).dt.strftime("%y%m%d")
    sv["survey_id"] = "KS-" + day + "-" + _survey_numbers(day, taken_surveys).map("{:04d}".format)

    fb = draft.feedback.copy()
    linked = fb["row"] >= 0
    fb["dossier_code"] = None
    fb.loc[linked, "dossier_code"] = codes.reindex(fb.loc[linked, "row"]).to_numpy()

    if units is None:
        units = demo_unit_rows()
    frames = {
        "units": pd.DataFrame(units),
        "procedures": draft.catalogue,
        "dossiers": draft.dossiers,
        "dossier_events": ev,
        "feedback": fb,
        "surveys": sv,
        "legal_documents": draft.legal_documents,
        "plan_tasks": draft.plan_tasks,
    }
    tables = {name: _typed(frames[name], table) for name, table in TABLES.items()}

    survey_ids = sv["survey_id"]
    keys = []
    for check, entity, ref, variant in draft.truth:
        if entity == "dossier":
            key = codes[ref]
        elif entity == "survey":
            key = survey_ids[ref]
        else:
            key = ref
        keys.append((check, str(key), variant))
    defects = pd.DataFrame(keys, columns=[*TRUTH_COLUMNS, "variant"])
    defects = defects.drop_duplicates(TRUTH_COLUMNS).sort_values(TRUTH_COLUMNS, ignore_index=True)
    return DemoData(seed=ctx.seed, year=ctx.year, tables=tables,
                    ground_truth=defects[TRUTH_COLUMNS].copy(), defects=defects, log=keys)


def seeded_draft(ctx: Context) -> Draft:
    """One commune-year's records drawn from ``ctx``'s streams, its defects seeded."""
    catalogue = demo_catalogue()
    dossiers, events = generate_dossiers(ctx, catalogue)
    draft = Draft(catalogue=catalogue, dossiers=dossiers, events=events)
    draft.surveys = generate_surveys(ctx, dossiers)
    draft.feedback = generate_feedback(ctx, dossiers)
    draft.legal_documents = generate_legal_documents(ctx)
    draft.plan_tasks = generate_plan_tasks(ctx)
    seed_defects(ctx, draft)
    return draft


def build_demo(seed: int = 2024, year: int = 2024) -> DemoData:
    """The generated commune-year with its ground truth (deterministic in seed and year)."""
    ctx = Context.make(int(seed), int(year))
    return _finalise(ctx, seeded_draft(ctx))


def generate(seed: int = 2024, year: int = 2024) -> dict[str, pd.DataFrame]:
    """Table name → frame with the schema's canonical columns, for unit DEMO-ANLOC."""
    return build_demo(seed, year).tables


def ground_truth(seed: int = 2024, year: int = 2024) -> pd.DataFrame:
    """check_id, record_key: exactly the findings of period ``year``, nd09, as of its end."""
    return build_demo(seed, year).ground_truth
