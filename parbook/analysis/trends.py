"""Indicator history and the year's on-time outlook.

``store_indicator_run`` keeps the indicators of a report run in the table indicator_runs (the
report renderer calls it with its run id; ``analyse`` does not). ``indicator_trend`` reads the
last quarters back, the latest run of each. ``ontime_outlook`` projects the year's on-time rate
against the plan's target and says how many on-time settlements the rest of the year needs.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

import pandas as pd
from sqlalchemy import and_, delete

from parbook.analysis.definitions import definitions
from parbook.analysis.indicators import ontime_by_month
from parbook.analysis.measures import Ratio, dossier_masks, flag
from parbook.store import db
from parbook.timeline.calendar import WorkCalendar
from parbook.timeline.periods import Window
from parbook.timeline.scope import Facts
from parbook.vnformat import is_missing, number

QUARTER_RE = re.compile(r"^\d{4}-Q[1-4]$")


def _number(value: Any) -> float | None:
    return None if is_missing(value) else float(value)


def store_indicator_run(conn: Any, unit_code: str, w: Window, indicators: pd.DataFrame,
                        run_id: str) -> int:
    """Write a window's indicators (contract frame) as run ``run_id`` (replacing that run's rows
    of the unit).

    ``conn`` is a connection inside a transaction (e.g. ``with db.begin(url) as conn``).
    Returns the number of rows written.
    """
    t = db.indicator_runs
    conn.execute(delete(t).where(and_(t.c.run_id == run_id, t.c.unit_code == unit_code)))
    now = datetime.now().replace(microsecond=0)
    rows = [{
        "run_id": run_id, "unit_code": unit_code, "period": w.period, "window": w.window,
        "as_of": w.as_of, "indicator_id": r.indicator_id, "scope": r.scope,
        "numerator": _number(r.numerator), "denominator": _number(r.denominator),
        "value": _number(r.value), "created_at": now,
    } for r in indicators.itertuples(index=False)]
    if rows:
        conn.execute(t.insert(), rows)
    return len(rows)


def _latest_runs(conn: Any, unit_code: str, scope: str, window: str,
                 indicator_ids: list[str]) -> pd.DataFrame:
    t = db.indicator_runs
    where = and_(t.c.unit_code == unit_code, t.c.scope == scope, t.c.window == window,
                 t.c.indicator_id.in_(indicator_ids))
    runs = db.read_table(conn, t, where)
    runs = runs[runs["period"].astype(str).str.match(QUARTER_RE)]
    runs = runs.sort_values(["created_at", "id"]).drop_duplicates(["indicator_id", "period"],
                                                                   keep="last")
    return runs


def indicator_trend(conn: Any, unit_code: str, indicator_id: str, scope: str = "period",
                    window: str = "nd09", n: int = 4, until: str | None = None) -> pd.DataFrame:
    """The last ``n`` quarters (up to ``until``, e.g. the report's period) of one indicator.

    One row per quarter, oldest first: period, as_of, run_id, numerator, denominator, value,
    change (value minus the previous quarter's). Each quarter shows its latest stored run.
    """
    runs = _latest_runs(conn, unit_code, scope, window, [indicator_id])
    if until is not None:
        runs = runs[runs["period"] <= until]
    runs = runs.sort_values("period").tail(n)
    out = runs[["period", "as_of", "run_id", "numerator", "denominator", "value"]].reset_index(
        drop=True)
    out["change"] = out["value"].diff()
    return out


def trend_table(conn: Any, unit_code: str, indicator_ids: list[str] | None = None,
                scope: str = "period", window: str = "nd09", n: int = 4,
                until: str | None = None) -> pd.DataFrame:
    """Several indicators side by side: one row per indicator, one column per quarter (value)."""
    ids = indicator_ids or list(definitions())
    runs = _latest_runs(conn, unit_code, scope, window, ids)
    if until is not None:
        runs = runs[runs["period"] <= until]
    periods = sorted(runs["period"].unique())[-n:]
    wide = runs[runs["period"].isin(periods)].pivot(index="indicator_id", columns="period",
                                                    values="value")
    return wide.reindex(index=ids, columns=periods)


@dataclass
class OntimeOutlook:
    """Where the year's on-time rate stands and what the rest of the year needs."""

    year_start: date
    year_end: date
    as_of: date
    target: float
    comparison: str
    settled_ytd: int
    ontime_ytd: int
    rate_ytd: float | None
    working_days_elapsed: int
    working_days_left: int
    expected_remaining: int
    pending_overdue_now: int
    required_ontime: int | None
    required_share: float | None
    max_late_allowed: int | None
    reachable: bool | None
    assumption: str
    trajectory: pd.DataFrame

    @property
    def summary_vi(self) -> str:
        """One Vietnamese sentence for the report."""
        from parbook.vnformat import percent

        head = (f"Lũy kế đến {self.as_of:%d/%m/%Y}: {number(self.ontime_ytd)}/{number(self.settled_ytd)}"
                f" hồ sơ giải quyết trước hạn, đúng hạn ({percent(self.rate_ytd)}), mục tiêu "
                f"{percent(self.target, 0)}.")
        if self.working_days_left == 0:
            verdict = {True: "đạt", False: "chưa đạt", None: "chưa xác định được"}[self.reachable]
            return head + f" Ngày chốt là cuối năm báo cáo: kết quả cả năm {verdict} mục tiêu."
        if self.required_ontime is None:
            return head + " Chưa ước tính được khối lượng hồ sơ còn lại của năm."
        if self.required_ontime == 0:
            return head + " Mục tiêu năm đã bảo đảm với khối lượng dự kiến còn lại."
        if not self.reachable:
            return (head + f" Với khoảng {number(self.expected_remaining)} hồ sơ dự kiến còn lại, "
                    "mục tiêu năm không còn đạt được.")
        return (head + f" Cần ít nhất {number(self.required_ontime)}/{number(self.expected_remaining)}"
                f" hồ sơ còn lại ({percent(self.required_share)}) giải quyết đúng hạn; được phép "
                f"quá hạn tối đa {number(self.max_late_allowed)} hồ sơ.")


def _required(target: Fraction, comparison: str, ontime: int, settled: int, remaining: int) -> int:
    """Fewest on-time settlements x among ``remaining`` with (ontime + x)/(settled + remaining)
    meeting the target (≥, or > when the comparison is strict); 0 when already secured."""
    bound = target * (settled + remaining) - ontime
    x = math.floor(bound) + 1 if comparison == ">" else math.ceil(bound)
    return max(0, x)


def ontime_outlook(facts: Facts, remaining_volume: int | None = None,
                   cal: WorkCalendar | None = None) -> OntimeOutlook:
    """The year's on-time trajectory against the target, and what the rest of the year needs.

    Assumption (stated in the result): unless ``remaining_volume`` is given, the rest of the
    year (to the end of the year's window) settles as many dossiers per working day as the year
    to date did; the dossiers already overdue at the as-of date will be late when settled.
    """
    cal = cal or WorkCalendar.default()
    w = facts.window
    year = Window.parse(str(w.year), w.window)
    spec = definitions()["ontime_rate"]
    target, comparison = float(spec.target or 0), str(spec.comparison)
    frames = facts.ytd
    r = Ratio.of(dossier_masks(frames.dossiers)["ontime_rate"])
    ontime, settled = int(r.numerator), int(r.denominator or 0)
    elapsed = int(cal.count_working_days(year.start, w.as_of))
    left = int(cal.count_working_days(w.as_of + timedelta(days=1), year.end)) if w.as_of < year.end else 0
    active = ~flag(frames.dossiers["withdrawn"])
    overdue_now = int((active & (frames.dossiers["timeliness"] == "pending_overdue")).sum())
    if remaining_volume is not None:
        remaining = int(remaining_volume)
        assumption = f"Khối lượng hồ sơ còn lại của năm do người dùng nhập: {number(remaining)} hồ sơ."
    elif left == 0:
        remaining = 0
        assumption = f"Không còn ngày làm việc nào của năm báo cáo sau ngày chốt ({year.end:%d/%m/%Y})."
    else:
        remaining = round(settled / elapsed * left) if elapsed else 0
        assumption = (
            f"Giả định phần còn lại của năm (đến {year.end:%d/%m/%Y}, {left} ngày làm việc) giải "
            f"quyết bình quân mỗi ngày làm việc như từ đầu năm ({number(settled)} hồ sơ trong "
            f"{elapsed} ngày làm việc), tức khoảng {number(remaining)} hồ sơ; {number(overdue_now)} "
            "hồ sơ đang quá hạn tại ngày chốt khi giải quyết sẽ là quá hạn.")
    required = share = max_late = reachable = None
    if remaining > 0:
        required = _required(Fraction(str(target)), comparison, ontime, settled, remaining)
        share = required / remaining
        available = remaining - min(overdue_now, remaining)
        reachable = required <= available
        max_late = remaining - required if reachable else None
    elif r.value is not None:
        reachable = bool(r.value >= target if comparison != ">" else r.value > target)
    return OntimeOutlook(
        year_start=year.start, year_end=year.end, as_of=w.as_of, target=target,
        comparison=comparison, settled_ytd=settled, ontime_ytd=ontime, rate_ytd=r.value,
        working_days_elapsed=elapsed, working_days_left=left, expected_remaining=remaining,
        pending_overdue_now=overdue_now, required_ontime=required, required_share=share,
        max_late_allowed=max_late, reachable=reachable, assumption=assumption,
        trajectory=ontime_by_month(frames),
    )
