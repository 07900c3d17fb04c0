"""The span demo: the demo commune from 2024 to 2026-Q3, across the 1/7/2025 switch (nd61 →
nd118) and a merger (two old communes into the demo commune on 1/7/2025).

Three parts, each with random streams of its own, so that no part moves another:

1. **The 2024 commune-year** of DEMO-ANLOC, drawn exactly as ``build_demo(seed, 2024)`` draws it
   (same streams, same seeded defects, same ground truth for the NĐ 09 year 2024); only its export
   moves to the span's end, so the dossiers still open at the year's own export (3/1/2025) get
   the results, returns, events and surveys the generator had planned for them (the surveys of
   returns after 3/1/2025 from a stream of their own, after the others).
2. **The rest of the span** (1/1/2025–30/9/2026) of DEMO-ANLOC, whose receipts grow by the old
   communes' volumes from the merger on, and **the two old communes** (their own unit codes and
   dossier-code agency segments, 15/11/2023–30/6/2025, valid to 30/6/2025, successor DEMO-ANLOC):
   one draft, seeded twice — for the NĐ 09 year 2025 (both regimes: the switch is inside it) and
   for 2026-Q3 (nd118), the second pass never reusing a record of the first.
3. **The ground truth** per period of DEMO-ANLOC (its predecessors' records included from the
   merger on, DESIGN.md §12): ``2024`` = part 1's truth; ``2025`` = the first pass's, plus the
   2024 records the generator left open (defects.PERSISTING); ``2026-Q3`` = the second pass's,
   plus what the earlier ones left open. All from the generator's own dates and working days.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pandas as pd

from parbook.demo import profile
from parbook.demo.build import (
    TABLES,
    TRUTH_COLUMNS,
    DemoData,
    _finalise,
    demo_unit_rows,
    seeded_draft,
)
from parbook.demo.context import Context, Draft, TruthWindow, demo_catalogue
from parbook.demo.defects import Seeder, shows_later
from parbook.demo.dossiers import generate_dossiers
from parbook.demo.plan_tasks import generate_plan_tasks
from parbook.demo.registers import (
    generate_feedback,
    generate_span_documents,
    generate_surveys,
)
from parbook.demo.workdays import DemoCalendar

FIRST_YEAR = 2024
MERGER = date(*profile.MERGER_DAY)
PREDECESSOR_END = MERGER - timedelta(days=1)
# the truth windows of the rest of the span (NĐ 09, as of their end)
YEAR_2025 = TruthWindow(start=date(2024, 12, 15), as_of=date(2025, 12, 14))
Q3_2026 = TruthWindow(start=date(2026, 6, 15), as_of=date(2026, 9, 14),
                      year_start=date(2025, 12, 15))
PERIODS = {"2024": None, "2025": YEAR_2025, "2026-Q3": Q3_2026}


def span_export(cal: DemoCalendar) -> datetime:
    day = cal.add(date(*profile.SPAN_EXPORT_DAY), 0)
    return datetime.combine(day, time.fromisoformat(profile.EXPORT_TIME))


def unit_rows() -> list[dict[str, object]]:
    """The demo commune and the two old communes merged into it (over-time fields set)."""
    own = [{**u, "valid_from": None, "valid_to": None, "successor_code": None}
           for u in demo_unit_rows()]
    district, province = own[0].get("district"), own[0].get("province")
    return own + [{"unit_code": p["unit_code"], "unit_name": p["unit_name"], "district": district,
                   "province": province, "valid_from": None, "valid_to": PREDECESSOR_END,
                   "successor_code": profile.UNIT_CODE} for p in profile.PREDECESSORS]


def _first_year(seed: int) -> tuple[DemoData, Context]:
    """Part 1: the 2024 commune-year, its export moved to the span's end."""
    year_ctx = Context.make(seed, FIRST_YEAR)
    ctx = replace(year_ctx, export_at=span_export(year_ctx.cal), survey_cut=year_ctx.export_at)
    return _finalise(ctx, seeded_draft(ctx), units=unit_rows()), ctx


def _segment(seed: int, part: int, year: int, unit: dict[str, object], first: date, last: date,
             export_at: datetime, **kw: object) -> Context:
    cal = DemoCalendar(year - 10, year + 2)
    return Context(seed=seed, year=year, cal=cal, first_day=first, last_day=last,
                   export_at=export_at, window=YEAR_2025, unit_code=str(unit["unit_code"]),
                   agency_prefix=str(unit["agency_prefix"]), id_tag=str(unit["id_tag"]),
                   segment=(1000 + part,), per_year=float(unit["per_year"]), **kw)  # type: ignore[arg-type]


def _shift(frame: pd.DataFrame, offset: int) -> pd.DataFrame:
    out = frame.copy()
    out["row"] = out["row"].where(out["row"] < 0, out["row"] + offset)
    return out


def _rest(seed: int, export_at: datetime, taken_surveys: pd.Series) -> tuple[DemoData, list[int]]:
    """Part 2: one draft of DEMO-ANLOC from 2025 and the two old communes; two seeding passes.
    Returns the data and the number of truth entries of the first pass."""
    own = {"unit_code": profile.UNIT_CODE, "agency_prefix": profile.AGENCY_PREFIX, "id_tag": "",
           "per_year": profile.DOSSIERS_PER_YEAR}
    merged = (profile.DOSSIERS_PER_YEAR + sum(p["per_year"] for p in profile.PREDECESSORS)) \
        / profile.DOSSIERS_PER_YEAR
    main = _segment(seed, 1, 2025, own, date(*profile.SPAN_CONTINUES), date(*profile.SPAN_LAST_DAY),
                    export_at, volume_steps=((MERGER, merged),))
    contexts = [main] + [
        _segment(seed, 2 + i, FIRST_YEAR, p, date(FIRST_YEAR - 1, *profile.FIRST_RECEIPT),
                 PREDECESSOR_END, export_at) for i, p in enumerate(profile.PREDECESSORS)]
    catalogue = demo_catalogue()
    parts: dict[str, list[pd.DataFrame]] = {"dossiers": [], "events": [], "surveys": [], "feedback": []}
    offset = 0
    for ctx in contexts:
        dossiers, events = generate_dossiers(ctx, catalogue)
        surveys, feedback = generate_surveys(ctx, dossiers), generate_feedback(ctx, dossiers)
        dossiers.index = dossiers.index + offset
        parts["dossiers"].append(dossiers)
        parts["events"].append(_shift(events, offset))
        parts["surveys"].append(_shift(surveys, offset))
        parts["feedback"].append(_shift(feedback, offset))
        offset += len(dossiers)
    dossiers = pd.concat(parts["dossiers"])
    dossiers.index.name = "row"
    draft = Draft(catalogue=catalogue, dossiers=dossiers,
                  events=pd.concat(parts["events"], ignore_index=True))
    draft.surveys = pd.concat(parts["surveys"], ignore_index=True)
    draft.feedback = pd.concat(parts["feedback"], ignore_index=True)
    draft.legal_documents = generate_span_documents(main)
    draft.plan_tasks = generate_plan_tasks(main)
    first = Seeder(main, draft, window=YEAR_2025, stream=9, undated_receipts=False)
    first.run()
    n_first = len(draft.truth)
    Seeder(main, draft, window=Q3_2026, stream=19, used=first.used, used_ids=first.used_ids,
           floor=YEAR_2025.as_of, undated_receipts=False).run()
    data = _finalise(main, draft, units=unit_rows(), taken_surveys=taken_surveys)
    return data, [n_first]


def _frame(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=[*TRUTH_COLUMNS, "variant"])
    return out.drop_duplicates(TRUTH_COLUMNS).sort_values(TRUTH_COLUMNS, ignore_index=True)


def _later(rows: list[tuple[str, str, str]], seeded: TruthWindow, later: TruthWindow
           ) -> list[tuple[str, str, str]]:
    """The findings of an earlier window that a later one still has (defects.LATER)."""
    return [(c, k, v) for c, k, v in rows if shows_later(v, c, seeded, later)]


def build_span(seed: int = 2024) -> DemoData:
    """The span demo's tables and its ground truth per period (``truths``); ``ground_truth`` and
    ``defects`` carry every period's rows with a first column ``period``."""
    first, ctx = _first_year(seed)
    export_at = ctx.export_at
    rest, (n_first,) = _rest(seed, export_at, first.tables["surveys"]["survey_id"])
    log_2025, log_2026 = rest.log[:n_first], rest.log[n_first:]
    y2024 = ctx.window
    logs = {
        "2024": first.log,
        "2025": log_2025 + _later(first.log, y2024, YEAR_2025),
        "2026-Q3": (log_2026 + _later(first.log, y2024, Q3_2026)
                    + _later(log_2025, YEAR_2025, Q3_2026)),
    }
    defects = pd.concat([_frame(rows).assign(period=p) for p, rows in logs.items()],
                        ignore_index=True)
    defects = defects[["period", *TRUTH_COLUMNS, "variant"]]
    tables = {}
    for name in TABLES:
        if name in ("units", "procedures"):
            tables[name] = first.tables[name]
        else:
            tables[name] = pd.concat([first.tables[name], rest.tables[name]], ignore_index=True)
    truths = {p: g[TRUTH_COLUMNS].reset_index(drop=True) for p, g in defects.groupby("period")}
    return DemoData(seed=seed, year=FIRST_YEAR, tables=tables,
                    ground_truth=defects[["period", *TRUTH_COLUMNS]].copy(), defects=defects,
                    log=[*first.log, *rest.log], truths=truths)
