"""Clean dossiers and their events: receipts, processing paths, results, as of the export date.

Each dossier follows one processing path: ``normal``, ``late`` (one timely apology with a new
appointment, then a late result), ``reception`` (a reception-stage supplementation),
``appraisal`` (an appraisal-stage supplementation within 3 working days; the clock restarts and
the appointment moves to the restarted legal due date), ``verification`` (a transfer for
procedures with verification days; the appointment includes them), ``pause`` (pause and resume;
the appointment moves by the paused working days), ``rejected`` (a rejection event with its
reason) or ``withdrawn``. Every path keeps the dossier clean: the appointment never exceeds the
legal due date computed by parbook.timeline.facts, every late dossier has exactly one apology dated by the
working day before its appointment, and nothing is dated after the export.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from parbook.demo import people, profile
from parbook.demo.context import Context
from parbook.demo.times import (
    AFTERNOON,
    CUTOFF_15,
    DAY,
    LATE_AFTERNOON,
    MINUTE,
    MORNING,
    SEC,
    at,
    days_of,
    moment,
    next_window_end,
    wd_add,
    wd_between,
)
from parbook.demo.workdays import clock_days, is_working

PATHS = ("withdrawn", "rejected", "late", "reception", "appraisal", "verification", "pause")
EXTENDING = ("appraisal", "verification", "pause")
DUE_TIME = 17 * 3600

SUPPLEMENT_REASONS = [
    "Thiếu bản sao giấy tờ chứng minh nơi cư trú",
    "Tờ khai chưa ghi đầy đủ thông tin theo mẫu",
    "Thiếu giấy tờ chứng minh quan hệ nhân thân",
    "Bản chụp giấy tờ không rõ nét, đề nghị bổ sung bản rõ",
]
REJECTION_REASONS = [
    "Bản chính bị tẩy xóa, sửa chữa, thêm, bớt nội dung không hợp lệ",
    "Yêu cầu không thuộc thẩm quyền giải quyết của UBND xã",
    "Người yêu cầu không đủ điều kiện theo quy định",
    "Giấy tờ xuất trình có dấu hiệu giả mạo",
]
VERIFICATION_REASONS = ["Xác minh thông tin về tình trạng hôn nhân", "Xác minh quan hệ cha, mẹ, con"]
PAUSE_REASONS = ["Tạm dừng theo đề nghị của người nộp hồ sơ", "Chờ kết quả trích lục từ cơ quan khác"]


def _pick(rng: np.random.Generator, options: list[str], n: int) -> np.ndarray:
    return np.array(options, dtype=object)[rng.integers(0, len(options), size=n)]


def _receipts(ctx: Context, cat: pd.DataFrame) -> pd.DataFrame:
    """Procedure, channel and receipt moment of every dossier, in receipt order."""
    rng = ctx.rng(1)
    codes = np.array(list(profile.PROCEDURE_MIX))
    weights = np.array(list(profile.PROCEDURE_MIX.values()))
    all_days = np.arange(np.datetime64(ctx.first_day, "D"), np.datetime64(ctx.last_day, "D") + 1)
    factor = ctx.volume(all_days)
    if ctx.segment:
        n = rng.poisson(ctx.per_year * factor.sum() / 365.25)
    else:                                   # the commune-year's own expression, draw for draw
        n = rng.poisson(profile.DOSSIERS_PER_YEAR * len(all_days) / 365.25)
    proc = codes[rng.choice(len(codes), size=n, p=weights / weights.sum())]
    p_online = cat["online_level"].map(profile.ONLINE_PROBABILITY).reindex(proc).to_numpy()
    online = rng.random(n) < p_online
    postal = ~online & (rng.random(n) < profile.POSTAL_SHARE_OF_COUNTER)
    channel = np.where(online, "online", np.where(postal, "postal", "direct"))

    working = is_working(ctx.cal, all_days)
    season = pd.DatetimeIndex(all_days).month.map(profile.MONTH_FACTOR).to_numpy(dtype="float64")
    if ctx.segment:
        season = season * factor
    w_counter = season * working
    w_online = season * np.where(working, 1.0, profile.ONLINE_OFF_DAY_WEIGHT)
    day = np.empty(n, dtype=DAY)
    day[~online] = all_days[rng.choice(len(all_days), size=(~online).sum(),
                                       p=w_counter / w_counter.sum())]
    day[online] = all_days[rng.choice(len(all_days), size=online.sum(),
                                      p=w_online / w_online.sum())]

    secs = np.empty(n, dtype="int64")
    k = int((~online).sum())
    morning = rng.random(k) < profile.MORNING_SHARE
    after_15 = rng.random(k) < profile.AFTERNOON_AFTER_15_SHARE
    lo = np.where(morning, MORNING[0], np.where(after_15, CUTOFF_15 + 1, AFTERNOON[0]))
    hi = np.where(morning, MORNING[1], np.where(after_15, AFTERNOON[1], CUTOFF_15))
    secs[~online] = (lo + rng.random(k) * (hi - lo)).astype("int64")
    hour_w = np.array(profile.ONLINE_HOUR_WEIGHTS, dtype="float64")
    hours = rng.choice(24, size=int(online.sum()), p=hour_w / hour_w.sum())
    secs[online] = hours * 3600 + rng.integers(0, 3600, size=int(online.sum()))

    received = at(day, secs)
    order = np.argsort(received, kind="stable")
    out = pd.DataFrame({"procedure_code": proc[order], "channel": channel[order],
                        "received": received[order]})
    rday = pd.to_datetime(days_of(out["received"].to_numpy()))
    seq = out.groupby(rday).cumcount() + 1
    out["dossier_code"] = (ctx.agency_prefix + "-" + pd.Series(rday.strftime("%y%m%d"))
                           + "-" + seq.map("{:04d}".format))
    return out


def _sample_paths(rng: np.random.Generator, n: int, rates: dict[str, np.ndarray]) -> np.ndarray:
    """One path per dossier from per-dossier rates (the rest is ``normal``)."""
    probs = np.column_stack([rates[p] for p in PATHS])
    cum = np.cumsum(probs, axis=1)
    u = rng.random(n)[:, None]
    first = np.argmax(u < cum, axis=1)
    hit = (u < cum).any(axis=1)
    return np.where(hit, np.array(PATHS, dtype=object)[first], "normal")


@dataclass
class Timeline:
    """Moments of each dossier's processing (arrays over all rows; each path uses its own)."""

    path: np.ndarray
    due: np.ndarray                 # appointment day (the legal due date of the path)
    finish_at: np.ndarray           # result, rejection or withdrawal (maybe after the export)
    moments: dict[str, np.ndarray]  # event moments by name
    new_due_at: np.ndarray          # the apology's new appointment


def _paths(rng: np.random.Generator, proc: np.ndarray, known: np.ndarray, days_n: np.ndarray,
           verif_days: np.ndarray) -> np.ndarray:
    multi = days_n >= 2                     # an apology by the day before the appointment fits
    long_known = known & (days_n >= 3)
    verif_rate = pd.Series(proc).map(profile.VERIFICATION_RATE).fillna(0).to_numpy()
    ones = np.ones(len(proc))
    return _sample_paths(rng, len(proc), {
        "withdrawn": ones * profile.WITHDRAWN_RATE,
        "rejected": ones * profile.REJECTED_RATE,
        "late": multi * profile.LATE_RATE_MULTI_DAY,
        "reception": multi * profile.RECEPTION_SUPPLEMENT_RATE,
        "appraisal": long_known * profile.APPRAISAL_SUPPLEMENT_RATE,
        "verification": np.where(np.isnan(verif_days), 0.0, verif_rate),
        "pause": long_known * profile.PAUSE_RATE,
    })


def _timeline(ctx: Context, rng: np.random.Generator, received: np.ndarray, proc: np.ndarray,
              clock: dict[str, np.ndarray]) -> Timeline:
    """Path, events, appointment and result of every dossier, kept clean by construction."""
    cal = ctx.cal
    n = len(received)
    rday = days_of(received)
    secs = (received - rday.astype(SEC)).astype("int64")
    unit, value, days_n = clock["unit"], clock["value"], clock["days_n"]
    base_due = clock_days(cal, received, unit, value)
    eff = wd_add(cal, rday, 0)
    rday_working = is_working(cal, rday)
    work_start = np.where(rday_working & (secs < LATE_AFTERNOON), rday,
                          np.where(rday_working, wd_add(cal, rday, 1), eff))
    path = _paths(rng, proc, clock["known"], days_n, clock["verification_days"])

    # events that move the legal due date, drawn for every row and used where the path says
    req_day = wd_add(cal, eff, rng.integers(1, 4, size=n))               # <= 3 working days
    supp_day = wd_add(cal, req_day, rng.integers(1, 5, size=n))
    pause_day = wd_add(cal, eff, 1 + np.floor(rng.random(n) * np.maximum(days_n - 1, 1)))
    paused = rng.integers(2, 6, size=n)
    resume_day = wd_add(cal, pause_day, paused)
    last_ext = np.select([path == "appraisal", path == "verification", path == "pause"],
                         [supp_day, work_start, resume_day], default=rday)
    # keep clock-moving events before the next quarter's as-of date (see times.next_window_end)
    crossing = np.isin(path, EXTENDING) & (last_ext > next_window_end(rday))
    path = np.where(crossing, "normal", path).astype(object)
    m = {
        "request": moment(rng, req_day, received),
        "restart": moment(rng, supp_day),
        "transfer": moment(rng, work_start, received),
        "pause": moment(rng, pause_day, received),
        "resume": moment(rng, resume_day),
        "reception_request": moment(rng, work_start, received),
    }
    got_day = wd_add(cal, work_start, 1)
    m["reception_received"] = moment(rng, got_day)

    is_ = {p: path == p for p in (*PATHS, "normal")}
    due = np.select(
        [is_["appraisal"], is_["verification"], is_["pause"]],
        [clock_days(cal, m["restart"], unit, value),
         wd_add(cal, base_due, np.nan_to_num(clock["verification_days"]).astype("int64")),
         wd_add(cal, base_due, paused)], default=base_due)
    first_day = np.select(
        [is_["reception"], is_["appraisal"], is_["verification"], is_["pause"]],
        [got_day, wd_add(cal, supp_day, 1), wd_add(cal, work_start, 1), resume_day],
        default=work_start)
    not_before = np.select(
        [is_["reception"], is_["appraisal"], is_["verification"], is_["pause"]],
        [m["reception_received"], m["restart"], m["transfer"], m["resume"]], default=received)
    finish_day = wd_between(rng, cal, first_day, due)

    # late: one timely apology with a new appointment, then the result after the appointment
    apology_day = wd_between(rng, cal, work_start, wd_add(cal, base_due, -1))
    m["apology"] = moment(rng, apology_day, received)
    lateness = rng.choice([1, 2, 3, 4, 5], size=n, p=[0.4, 0.25, 0.15, 0.12, 0.08])
    new_due_at = at(wd_add(cal, base_due, lateness + rng.integers(0, 3, size=n)), DUE_TIME)
    finish_day = np.where(is_["late"], wd_add(cal, base_due, lateness), finish_day)
    not_before = np.where(is_["late"], m["apology"], not_before)
    finish_at = moment(rng, finish_day, not_before)
    # an appointment moves only once the event that moves it has happened (by the export)
    export = ctx.export_np
    due = np.where((is_["appraisal"] & (m["restart"] > export))
                   | (is_["pause"] & (m["resume"] > export)), base_due, due)
    extra = pd.DataFrame({"base_due": base_due, "effective_day": eff, "work_start": work_start})
    tl = Timeline(path=path, due=due, finish_at=finish_at, moments=m, new_due_at=new_due_at)
    tl.moments.update({k: v.to_numpy() for k, v in extra.items()})
    return tl


def _delivery(ctx: Context, rng: np.random.Generator, channel: np.ndarray, finish_at: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """How and when each result is returned: online at once, by post in 1–2 working days,
    at the counter the same day or when the applicant comes back."""
    n = len(channel)
    opts = list(profile.DELIVERY_OF_ONLINE)
    online_delivery = np.array(opts, dtype=object)[rng.choice(
        len(opts), size=n, p=list(profile.DELIVERY_OF_ONLINE.values()))]
    delivery = np.where(channel == "postal", "postal", "counter").astype(object)
    delivery = np.where(channel == "online", online_delivery, delivery)
    direct_postal = (channel == "direct") & (rng.random(n) < profile.POSTAL_DELIVERY_OF_DIRECT)
    delivery = np.where(direct_postal, "postal", delivery).astype(object)
    wait = np.select([delivery == "online", delivery == "postal"],
                     [np.zeros(n, dtype="int64"), rng.integers(1, 3, size=n)],
                     default=rng.choice(6, size=n, p=[0.55, 0.2, 0.1, 0.07, 0.05, 0.03]))
    quick = finish_at + (rng.integers(1, 60, size=n) * MINUTE)
    ret_at = np.where(wait == 0, quick, moment(rng, wd_add(ctx.cal, days_of(finish_at), wait)))
    for start in sorted({s for year in ctx.years for s in _year_window_starts(year)}):
        # parbook.timeline.facts.load_for_window reads only dossiers not closed before the year window
        # starts, so the survey of a dossier closed before it but returned after it would look
        # like a survey of an unknown dossier (KS01): return such results the same day
        crosses = (days_of(finish_at) < start) & (days_of(ret_at) >= start)
        ret_at = np.where(crosses, finish_at + 5 * MINUTE, ret_at)
    return delivery, ret_at


def _status(export: np.datetime64, tl: Timeline) -> np.ndarray:
    """The status at the export: closed when the result came by then, else still open."""
    path, m = tl.path, tl.moments
    closed = np.where(path == "withdrawn", "withdrawn",
                      np.where(path == "rejected", "rejected", "done"))
    waiting = (path == "appraisal") & (m["request"] <= export) & (m["restart"] > export)
    paused = (path == "pause") & (m["pause"] <= export) & (m["resume"] > export)
    open_ = np.where(paused, "paused", np.where(waiting, "supplementing", "processing"))
    return np.where(tl.finish_at <= export, closed, open_).astype(object)


def _events(ctx: Context, tl: Timeline) -> pd.DataFrame:
    """The dossier_events rows of every path (column ``row``), none after the export."""
    rng = ctx.rng(4)
    n = len(tl.path)
    rows = np.arange(n)
    m = tl.moments
    nat = np.datetime64("NaT", "s")

    def frame(path: str, event_type: str, when: np.ndarray, reason: object = None,
              stage: object = None, new_due: np.ndarray | None = None) -> pd.DataFrame:
        mask = tl.path == path
        return pd.DataFrame({
            "row": rows[mask], "event_type": event_type, "event_at": when[mask],
            "new_due_at": new_due[mask] if new_due is not None else np.full(int(mask.sum()), nat),
            "reason": reason[mask] if isinstance(reason, np.ndarray) else reason,
            "stage": stage,
        })

    supp_reason = _pick(rng, SUPPLEMENT_REASONS, n)
    apology = np.full(n, "Xin lỗi và hẹn lại ngày trả kết quả", dtype=object)
    ev = pd.concat([
        frame("reception", "supplement_request", m["reception_request"], supp_reason, "reception"),
        frame("reception", "supplement_received", m["reception_received"]),
        frame("appraisal", "supplement_request", m["request"], supp_reason, "appraisal"),
        frame("appraisal", "supplement_received", m["restart"]),
        frame("verification", "verification_transfer", m["transfer"],
              _pick(rng, VERIFICATION_REASONS, n)),
        frame("pause", "pause", m["pause"], _pick(rng, PAUSE_REASONS, n)),
        frame("pause", "resume", m["resume"]),
        frame("late", "apology", m["apology"], apology, None, tl.new_due_at),
        frame("rejected", "rejection", tl.finish_at, _pick(rng, REJECTION_REASONS, n)),
    ], ignore_index=True)
    ev = ev[ev["event_at"] <= ctx.export_np].sort_values(["row", "event_at"], kind="stable")
    return ev.reset_index(drop=True)


def generate_dossiers(ctx: Context, cat: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Clean dossiers (draft columns, indexed by row) and their events (column ``row``)."""
    base = _receipts(ctx, cat)
    rng = ctx.rng(2)
    n = len(base)
    proc = base["procedure_code"].to_numpy()
    channel = base["channel"].to_numpy()
    received = base["received"].to_numpy().astype(SEC)
    c = cat.reindex(proc)
    unit = c["processing_time_unit"].to_numpy(dtype=object)
    known = pd.notna(unit)
    appointment = pd.Series(proc).map(profile.APPOINTMENT_DAYS_WITHOUT_LEGAL_TIME).to_numpy(
        dtype="float64")
    # procedures without a legal time: the commune's appointment practice drives the clock
    clock_unit = np.where(known, unit, "working_days").astype(object)
    clock_value = np.where(known, c["processing_time_value"].to_numpy(dtype="float64"), appointment)
    days_n = np.where(clock_unit == "working_days", np.nan_to_num(clock_value), 0).astype("int64")
    tl = _timeline(ctx, rng, received, proc, {
        "unit": clock_unit, "value": clock_value, "days_n": days_n, "known": known,
        "verification_days": c["verification_extra_days"].to_numpy(dtype="float64")})
    delivery, ret_at = _delivery(ctx, rng, channel, tl.finish_at)

    export = ctx.export_np
    status = _status(export, tl)
    withdrawn = tl.path == "withdrawn"
    done_by_export = tl.finish_at <= export
    nat = np.datetime64("NaT", "s")
    department = c["department"].to_numpy(dtype=object)
    handler = np.empty(n, dtype=object)
    for dept, staff in people.HANDLERS.items():
        mask = department == dept
        handler[mask] = _pick(rng, staff, int(mask.sum()))
    electronic = (delivery == "online") | (rng.random(n) < profile.ELECTRONIC_RESULT_NOT_ONLINE)
    prng = ctx.rng(3)
    dossiers = pd.DataFrame({
        "dossier_code": base["dossier_code"],
        "unit_code": ctx.unit_code,
        "procedure_code": proc,
        "applicant_name": people.names(prng, n),
        "applicant_phone": people.phones(prng, n),
        "applicant_address": people.addresses(prng, n),
        "channel": channel,
        "received_at": received,
        "due_at": at(tl.due, DUE_TIME),
        "finished_at": np.where(done_by_export, tl.finish_at, nat),
        "returned_at": np.where(done_by_export & ~withdrawn & (ret_at <= export), ret_at, nat),
        "result_delivery": delivery,
        "status": status,
        "handler": handler,
        "department": department,
        "digitized": (channel == "online") | (rng.random(n) < profile.DIGITIZED_COUNTER),
        "electronic_result": electronic & ~withdrawn,
        "note": np.where(withdrawn & done_by_export, "Người nộp có đơn xin rút hồ sơ", None),
        # internal columns (dropped when finalised)
        "path": tl.path,
        "field": c["field"].to_numpy(dtype=object),
        "legal_time_known": known,
        "days_n": days_n,
        "base_due": tl.moments["base_due"],
        "effective_day": tl.moments["effective_day"],
        "work_start": tl.moments["work_start"],
    })
    dossiers.index.name = "row"
    return dossiers, _events(ctx, tl)


def _year_window_starts(year: int) -> list[np.datetime64]:
    """First days of the nd09 and calendar year windows that the export period touches."""
    return [np.datetime64(d, "D") for d in (f"{year - 1}-12-15", f"{year}-01-01",
                                            f"{year}-12-15", f"{year + 1}-01-01")]
