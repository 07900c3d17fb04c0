"""What every part of the generator shares: the random streams, the calendar, the dates, and the
draft tables that the defect seeding edits before they are finalised."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

import numpy as np
import pandas as pd

from parbook.demo import profile
from parbook.demo.workdays import DemoCalendar
from parbook.store.reference import read_procedures


@dataclass(frozen=True)
class TruthWindow:
    """The window the ground truth is written for: the NĐ 09/2019 year (15/12 of the year before
    to 14/12), as of its end — the demo's own dates, not parbook.timeline's."""

    start: date
    as_of: date
    year_start: date | None = None      # a quarter's year to date (plan tasks); None: ``start``

    @property
    def ytd_start(self) -> date:
        return self.year_start or self.start


@dataclass
class Context:
    """Seed, year and the fixed dates of one generated commune-year — or of one segment of the
    span demo (parbook.demo.span): a unit's receipts between two fixed days, exported once at
    the span's end, with random streams of its own."""

    seed: int
    year: int
    cal: DemoCalendar
    first_day: date
    last_day: date
    export_at: datetime
    window: TruthWindow             # the ground-truth window: the year, nd09, as of its end
    unit_code: str = profile.UNIT_CODE
    agency_prefix: str = profile.AGENCY_PREFIX
    id_tag: str = ""                # inserted in PAKN ids of a unit beside the demo commune
    segment: tuple[int, ...] = ()   # extra entropy of a span segment; () = the commune-year
    # surveys of results returned after this moment draw from a stream of their own, so that
    # those returned by then keep the ratings of the commune-year exported at that moment
    survey_cut: datetime | None = None
    per_year: float = profile.DOSSIERS_PER_YEAR
    volume_steps: tuple[tuple[date, float], ...] = ()   # (from day, receipt factor)

    @classmethod
    def make(cls, seed: int, year: int) -> Context:
        cal = DemoCalendar(year - 10, year + 2)       # registers reach back 8 years
        export_day = cal.add(date(year + 1, *profile.EXPORT_DAY), 0)
        return cls(
            seed=seed, year=year, cal=cal,
            first_day=date(year - 1, *profile.FIRST_RECEIPT),
            last_day=date(year, 12, 31),
            export_at=datetime.combine(export_day, time.fromisoformat(profile.EXPORT_TIME)),
            window=TruthWindow(start=date(year - 1, 12, 15), as_of=date(year, 12, 14)),
        )

    def rng(self, stream: int) -> np.random.Generator:
        """An independent random stream per part of the generator (stable when others change)."""
        return np.random.default_rng([self.seed, self.year, stream, *self.segment])

    @property
    def years(self) -> list[int]:
        """The calendar years whose windows the data reach (the commune-year: its year)."""
        if not self.segment:
            return [self.year]
        return list(range(self.first_day.year, self.last_day.year + 1))

    def volume(self, days: np.ndarray) -> np.ndarray:
        """Receipt factor of each day (1 unless a merger raised it from a day on)."""
        factor = np.ones(len(days))
        for day, value in self.volume_steps:
            factor[days >= np.datetime64(day, "D")] = value
        return factor

    @property
    def export_np(self) -> np.datetime64:
        return np.datetime64(self.export_at, "s")

    @property
    def plan_code(self) -> str:
        return profile.PLAN_CODE_PATTERN.format(year=self.year)


@dataclass
class Draft:
    """Tables under construction. Dossiers are indexed by a stable row number; events, surveys
    and feedback point at dossiers by that row (column ``row``), so renaming a dossier code is
    one assignment. Ground-truth entries name records the same way until finalised."""

    catalogue: pd.DataFrame
    dossiers: pd.DataFrame
    events: pd.DataFrame
    surveys: pd.DataFrame = field(default_factory=pd.DataFrame)
    feedback: pd.DataFrame = field(default_factory=pd.DataFrame)
    legal_documents: pd.DataFrame = field(default_factory=pd.DataFrame)
    plan_tasks: pd.DataFrame = field(default_factory=pd.DataFrame)
    # (check_id, entity, reference, variant): entity dossier/survey/feedback → row number,
    # document/task → id, field → field name
    truth: list[tuple[str, str, object, str]] = field(default_factory=list)


def demo_catalogue() -> pd.DataFrame:
    """The commune's own catalogue (sheet DanhMucTTHC) for the procedures the demo uses.

    Processing times, verification days, fees and departments are those of
    data/reference/procedures.csv; the online level is the demo commune's [U] setting.
    """
    rows, _ = read_procedures()
    cat = pd.DataFrame(rows).set_index("procedure_code", drop=False)
    cat = cat.loc[list(profile.PROCEDURE_MIX)].copy()
    cat.index.name = None
    cat["online_level"] = cat["procedure_code"].map(profile.DEMO_ONLINE_LEVEL)
    return cat
