"""Clean dossiers and their events: receipts, processing paths, results, as of the export date.

Each dossier follows one processing path: ``normal``, ``late`` (one timely apology with a new
appointment, then a late result), ``reception`` (a reception-stage supplementation),
``appraisal`` (an appraisal-stage supplementation within 3 working days; the clock restarts and
the appointment moves to the restarted legal due date), ``verification`` (a transfer for
procedures with verification days; the appointment includes them), ``pause`` (pause and resume;
the appointment moves by the paused working days), ``rejected`` (a rejection event with its
reason) or ``withdrawn``. Every path keeps the dossier clean: the appointment never exceeds the
legal due date computed by parbook.facts, every late dossier has exactly one apology dated by the
working day before its appointment, and nothing is dated after the export.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from parbook.calendar import WorkCalendar
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
from parbook.facts import clock_due

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
    n = rng.poisson(profile.DOSSIERS_PER_YEAR * len(all_days) / 365.25)
    proc = codes[rng.choice(len(codes), size=n, p=weights / weights.sum())]
    p_online = cat["online_level"].map(profile.ONLINE_PROBABILITY).reindex(proc).to_numpy()
    online = rng.random(n) < p_online
    postal = ~online & (rng.random(n) < profile.POSTAL_SHARE_OF_COUNTER)
    channel = np.where(online, "online", np.where(postal, "postal", "direct"))

    working = np.asarray(ctx.cal.is_working_day(all_days))
    season = pd.DatetimeIndex(all_days).month.map(profile.MONTH_FACTOR).to_numpy(dtype="float64")
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
    out["dossier_code"] = (profile.AGENCY_PREFIX + "-" + pd.Series(rday.strftime("%y%m%d"))
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


def generate_dossiers(ctx: Context, cat: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Clean dossiers (draft columns, indexed by row) and their events (column ``row``)."""
    cal = ctx.cal
    base = _receipts(ctx, cat)
    rng = ctx.rng(2)
    n = len(base)
    proc = base["procedure_code"].to_numpy()
    received = base["received"].to_numpy().astype(SEC)
    rday = days_of(received)
    secs = (received - rday.astype(SEC)).astype("int64")
    c = cat.reindex(proc)
    unit = c["processing_time_unit"].to_numpy(dtype=object)
    known = pd.notna(unit)
    value = c["processing_time_value"].to_numpy(dtype="float64")
    appointment = pd.Series(proc).map(profile.APPOINTMENT_DAYS_WITHOUT_LEGAL_TIME).to_numpy(
        dtype="float64")
    unit_eff = np.where(known, unit, "working_days").astype(object)
    value_eff = np.where(known, value, appointment)
    verif_days = c["verification_extra_days"].to_numpy(dtype="float64")
    base_due = clock_days(cal, received, unit_eff, value_eff)

    eff = wd_add(cal, rday, 0)
    rday_working = np.asarray(cal.is_working_day(rday))
    late_in_day = secs >= LATE_AFTERNOON
    work_start = np.where(rday_working & ~late_in_day, rday,
                          np.where(rday_working, wd_add(cal, rday, 1), eff))
    days_n = np.where(unit_eff == "working_days", np.nan_to_num(value_eff), 0).astype("int64")
    multi = days_n >= 2
    long_known = known & (unit_eff == "working_days") & (days_n >= 3)
    verif_rate = pd.Series(proc).map(profile.VERIFICATION_RATE).fillna(0).to_numpy()
    verif_rate = np.where(np.isnan(verif_days), 0.0, verif_rate)
    ones = np.ones(n)
    path = _sample_paths(rng, n, {
        "withdrawn": ones * profile.WITHDRAWN_RATE,
        "rejected": ones * profile.REJECTED_RATE,
        "late": multi * profile.LATE_RATE_MULTI_DAY,
        "reception": multi * profile.RECEPTION_SUPPLEMENT_RATE,
        "appraisal": long_known * profile.APPRAISAL_SUPPLEMENT_RATE,
        "verification": verif_rate,
        "pause": long_known * profile.PAUSE_RATE,
    })

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

    req_at = moment(rng, req_day, received)
    restart_at = moment(rng, supp_day)
    restart_due = clock_days(cal, restart_at, unit_eff, value_eff)
    transfer_at = moment(rng, work_start, received)
    pause_at = moment(rng, pause_day, received)
    resume_at = moment(rng, resume_day)
    rec_req_at = moment(rng, work_start, received)
    rec_got_day = wd_add(cal, work_start, 1)
    rec_got_at = moment(rng, rec_got_day)

    is_ = {p: path == p for p in (*PATHS, "normal")}
    due = base_due.copy()
    due[is_["appraisal"]] = restart_due[is_["appraisal"]]
    verif_due = wd_add(cal, base_due, np.nan_to_num(verif_days).astype("int64"))
    due[is_["verification"]] = verif_due[is_["verification"]]
    pause_due = wd_add(cal, base_due, paused)
    due[is_["pause"]] = pause_due[is_["pause"]]

    first_day = np.select(
        [is_["reception"], is_["appraisal"], is_["verification"], is_["pause"]],
        [rec_got_day, wd_add(cal, supp_day, 1), wd_add(cal, work_start, 1), resume_day],
        default=work_start)
    not_before = np.select(
        [is_["reception"], is_["appraisal"], is_["verification"], is_["pause"]],
        [rec_got_at, restart_at, transfer_at, resume_at], default=received)
    finish_day = wd_between(rng, cal, first_day, due)

    # late: one timely apology with a new appointment, then the result after the appointment
    apology_day = wd_between(rng, cal, work_start, wd_add(cal, base_due, -1))
    apology_at = moment(rng, apology_day, received)
    lateness = rng.choice([1, 2, 3, 4, 5], size=n, p=[0.4, 0.25, 0.15, 0.12, 0.08])
    late_finish = wd_add(cal, base_due, lateness)
    new_due_at = at(wd_add(cal, base_due, lateness + rng.integers(0, 3, size=n)), DUE_TIME)
    finish_day = np.where(is_["late"], late_finish, finish_day)
    not_before = np.where(is_["late"], apology_at, not_before)
    finish_at = moment(rng, finish_day, not_before)

    # delivery of the result
    delivery = np.where(base["channel"] == "postal", "postal", "counter").astype(object)
    online = (base["channel"] == "online").to_numpy()
    opts = list(profile.DELIVERY_OF_ONLINE)
    online_delivery = np.array(opts, dtype=object)[rng.choice(
        len(opts), size=n, p=list(profile.DELIVERY_OF_ONLINE.values()))]
    delivery = np.where(online, online_delivery, delivery)
    direct_postal = (base["channel"] == "direct").to_numpy() & (
        rng.random(n) < profile.POSTAL_DELIVERY_OF_DIRECT)
    delivery = np.where(direct_postal, "postal", delivery).astype(object)
    wait = np.select([delivery == "online", delivery == "postal"],
                     [np.zeros(n, dtype="int64"), rng.integers(1, 3, size=n)],
                     default=rng.choice(6, size=n, p=[0.55, 0.2, 0.1, 0.07, 0.05, 0.03]))
    ret_day = wd_add(cal, days_of(finish_at), wait)
    quick = finish_at + (rng.integers(1, 60, size=n) * MINUTE)
    ret_at = np.where(wait == 0, quick, moment(rng, ret_day))
    for start in _year_window_starts(ctx.year):
        # parbook.facts.load_for_window reads only dossiers not closed before the year window
        # starts, so the survey of a dossier closed before it but returned after it would look
        # like a survey of an unknown dossier (KS01): return such results the same day
        crosses = (days_of(finish_at) < start) & (days_of(ret_at) >= start)
        ret_at = np.where(crosses, finish_at + 5 * MINUTE, ret_at)

    # as of the export
    export = ctx.export_np
    done_by_export = finish_at <= export
    status = np.where(is_["withdrawn"], "withdrawn", np.where(is_["rejected"], "rejected", "done"))
    open_status = np.where(is_["pause"] & (pause_at <= export), "paused",
                           np.where(is_["appraisal"] & (req_at <= export), "supplementing",
                                    "processing"))
    status = np.where(done_by_export, status, open_status).astype(object)
    # an appointment moves only once the event that moves it has happened
    due = np.where(is_["appraisal"] & (restart_at > export), base_due, due)
    due = np.where(is_["pause"] & (resume_at > export), base_due, due)
    nat = np.datetime64("NaT", "s")
    finished = np.where(done_by_export, finish_at, nat)
    returned = np.where(done_by_export & ~is_["withdrawn"] & (ret_at <= export), ret_at, nat)

    department = c["department"].to_numpy(dtype=object)
    handler = np.empty(n, dtype=object)
    for dept, staff in people.HANDLERS.items():
        mask = department == dept
        handler[mask] = _pick(rng, staff, int(mask.sum()))
    digitized = online | (rng.random(n) < profile.DIGITIZED_COUNTER)
    electronic = ((delivery == "online") | (rng.random(n) < profile.ELECTRONIC_RESULT_NOT_ONLINE)
                  ) & ~is_["withdrawn"]
    note = np.where(is_["withdrawn"] & done_by_export, "Người nộp có đơn xin rút hồ sơ", None)

    prng = ctx.rng(3)
    dossiers = pd.DataFrame({
        "dossier_code": base["dossier_code"],
        "unit_code": profile.UNIT_CODE,
        "procedure_code": proc,
        "applicant_name": people.names(prng, n),
        "applicant_phone": people.phones(prng, n),
        "applicant_address": people.addresses(prng, n),
        "channel": base["channel"],
        "received_at": received,
        "due_at": at(due, DUE_TIME),
        "finished_at": finished,
        "returned_at": returned,
        "result_delivery": delivery,
        "status": status,
        "handler": handler,
        "department": department,
        "digitized": digitized,
        "electronic_result": electronic,
        "note": note,
        # internal columns (dropped when finalised)
        "path": path,
        "field": c["field"].to_numpy(dtype=object),
        "legal_time_known": known,
        "days_n": days_n,
        "base_due": base_due,
        "effective_day": eff,
        "work_start": work_start,
    })
    dossiers.index.name = "row"
    rows = np.arange(n)

    def events(mask: np.ndarray, event_type: str, when: np.ndarray, reason: object = None,
               stage: object = None, new_due: np.ndarray | None = None) -> pd.DataFrame:
        k = int(mask.sum())
        return pd.DataFrame({
            "row": rows[mask], "event_type": event_type, "event_at": when[mask],
            "new_due_at": new_due[mask] if new_due is not None else np.full(k, nat),
            "reason": reason[mask] if isinstance(reason, np.ndarray) else reason,
            "stage": stage,
        })

    erng = ctx.rng(4)
    supp_reason = _pick(erng, SUPPLEMENT_REASONS, n)
    frames = [
        events(is_["reception"], "supplement_request", rec_req_at, supp_reason, "reception"),
        events(is_["reception"], "supplement_received", rec_got_at),
        events(is_["appraisal"], "supplement_request", req_at, supp_reason, "appraisal"),
        events(is_["appraisal"], "supplement_received", restart_at),
        events(is_["verification"], "verification_transfer", transfer_at,
               _pick(erng, VERIFICATION_REASONS, n)),
        events(is_["pause"], "pause", pause_at, _pick(erng, PAUSE_REASONS, n)),
        events(is_["pause"], "resume", resume_at),
        events(is_["late"], "apology", apology_at,
               np.full(n, "Xin lỗi và hẹn lại ngày trả kết quả", dtype=object), None, new_due_at),
        events(is_["rejected"], "rejection", finish_at, _pick(erng, REJECTION_REASONS, n)),
    ]
    ev = pd.concat(frames, ignore_index=True)
    ev = ev[ev["event_at"] <= export].sort_values(["row", "event_at"], kind="stable")
    return dossiers, ev.reset_index(drop=True)


def _year_window_starts(year: int) -> list[np.datetime64]:
    """First days of the nd09 and calendar year windows that the export period touches."""
    return [np.datetime64(d, "D") for d in (f"{year - 1}-12-15", f"{year}-01-01",
                                            f"{year}-12-15", f"{year + 1}-01-01")]


def clock_days(cal: WorkCalendar, moments: np.ndarray, unit: np.ndarray, value: np.ndarray) -> np.ndarray:
    """parbook.facts.clock_due on arrays: the due day of a clock started at each moment."""
    idx = pd.RangeIndex(len(moments))
    due = clock_due(cal, pd.Series(np.asarray(moments).astype("datetime64[us]"), index=idx),
                    pd.Series(unit, index=idx, dtype=object), pd.Series(value, index=idx))
    return due.to_numpy().astype(DAY)
