"""Seeded defects of every check, and the findings each one must cause (the ground truth).

Each variant edits a few clean records chosen at random among those well inside the year
window (nd09, as of its end), so the window's scope holds them, and declares every finding the
edit causes for that window — its own check and the collateral ones (check-semantics.md):

- received_at, due_at or channel missing (HS03) also break the Biểu 06 identity of the
  dossier's field (BM01), one field per variant so that no two breaks cancel;
- a missing status (HS03) contradicts the returned date (HS05) and leaves the dossier pending
  past its appointment (HS08); so do "done without finished_at" and "processing with dates"
  (HS05), a finished_at in the future (HS04) and an appointment before the receipt (HS04);
- a returned_at in the future (HS04) dates the dossier's survey before its return (KS01).

Records are never reused, so each finding has one cause. A variant that finds too few
candidates seeds fewer records: the ground truth always lists what was actually seeded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import numpy as np
import pandas as pd

from parbook.demo import profile
from parbook.demo.context import Context, Draft, TruthWindow
from parbook.demo.times import DAY, moment, next_window_end, wd_add, wd_between
from parbook.demo.workdays import clock_days

FUTURE = pd.DateOffset(years=18)          # a typed year 2042 for 2024: later than any "now"
UNKNOWN_CODES = ["2.000907", "2.00815", "2.001053", "1.0001193"]
BAD_PHONES = ["0000 123 45", "00001234567", "1000 123 456", "0000.12a.456", "+84 0000 123 456"]
BM01_FIELDS = {"received_at": "Cư trú (Công an xã)", "due_at": "Hộ tịch", "channel": "Chứng thực"}


class Seeder:
    """Applies the defect variants to a draft and records their findings."""

    def __init__(self, ctx: Context, draft: Draft, window: TruthWindow | None = None,
                 stream: int = 9, used: set[int] | None = None, used_ids: set[str] | None = None,
                 floor: date | None = None, undated_receipts: bool = True) -> None:
        """``window``: the truth window (default: the context's); ``used``/``used_ids``: records
        an earlier pass edited (never reused); ``floor``: documents issued on or before it are
        left alone (an earlier window's truth covers them); ``undated_receipts`` False: no
        dossier loses its receipt date (such a dossier belongs to every window until its
        result, so a later pass seeding one would change the earlier windows' findings)."""
        self.ctx, self.d = ctx, draft
        self.rng = ctx.rng(stream)
        w = window or ctx.window
        self.start, self.as_of = pd.Timestamp(w.start), pd.Timestamp(w.as_of)
        self.ytd_start = pd.Timestamp(w.ytd_start)
        self.used: set[int] = set() if used is None else used
        self.used_ids: set[str] = set() if used_ids is None else used_ids
        self.floor = None if floor is None else pd.Timestamp(floor)
        self.undated_receipts = undated_receipts

    # --- bookkeeping ------------------------------------------------------------------------
    def truth(self, check: str, entity: str, ref: object, variant: str) -> None:
        self.d.truth.append((check, entity, ref, variant))

    def take(self, mask: pd.Series, n: int) -> list[int]:
        """n unused dossier rows drawn among those where mask holds."""
        rows = mask[mask].index.difference(pd.Index(sorted(self.used)))
        chosen = self.rng.choice(rows.to_numpy(), size=min(n, len(rows)), replace=False)
        chosen = sorted(int(r) for r in chosen)
        self.used.update(chosen)
        return chosen

    def take_ids(self, frame: pd.DataFrame, key: str, mask: pd.Series, n: int) -> list[str]:
        ids = frame.loc[mask, key]
        ids = ids[~ids.isin(self.used_ids)].to_numpy()
        chosen = sorted(str(i) for i in self.rng.choice(ids, size=min(n, len(ids)), replace=False))
        self.used_ids.update(chosen)
        return chosen

    @property
    def D(self) -> pd.DataFrame:
        return self.d.dossiers

    def inside(self, path: str | None = "normal") -> pd.Series:
        """Dossiers received, settled and returned well inside the year window."""
        d = self.D
        day = pd.Timedelta(days=1)
        m = (d["received_at"] >= self.start + 14 * day) & (d["received_at"] <= self.as_of - 25 * day)
        m &= d["finished_at"].notna() & (d["finished_at"] <= self.as_of - 10 * day)
        m &= d["returned_at"].isna() | (d["returned_at"] <= self.as_of - 7 * day)
        if path is not None:
            m &= d["path"] == path
        return m

    def surveys_of(self, row: int) -> pd.Index:
        return self.d.surveys.index[self.d.surveys["row"] == row]

    def events_of(self, row: int, event_type: str) -> pd.Index:
        ev = self.d.events
        return ev.index[(ev["row"] == row) & (ev["event_type"] == event_type)]

    def add_event(self, row: int, event_type: str, when: pd.Timestamp, reason: str | None = None,
                  stage: str | None = None, new_due: pd.Timestamp | None = None) -> None:
        new = pd.DataFrame([{"row": row, "event_type": event_type, "event_at": when,
                             "new_due_at": new_due if new_due is not None else pd.NaT,
                             "reason": reason, "stage": stage}])
        self.d.events = pd.concat([self.d.events, new.astype(self.d.events.dtypes)],
                                  ignore_index=True)

    def add_survey(self, row: int, dossier_code: str | None, when: pd.Timestamp) -> int:
        sv = self.d.surveys
        srow = int(sv.index.max()) + 1
        ratings = self.rng.choice(np.arange(1, 6), size=6, p=profile.SURVEY_RATING_P)
        sv.loc[srow] = {"row": row, "dossier_code": dossier_code, "surveyed_at": when,
                        "channel": "Ứng dụng Hue-S", "access": ratings[0], "procedure": ratings[1],
                        "staff": ratings[2], "result": ratings[3], "feedback_handling": ratings[4],
                        "overall": ratings[5]}
        return srow

    def retime(self, row: int, new_finish: pd.Timestamp) -> None:
        """Move a dossier's result; its return and survey move with it."""
        delta = new_finish - self.D.at[row, "finished_at"]
        self.D.at[row, "finished_at"] = new_finish
        if pd.notna(self.D.at[row, "returned_at"]):
            self.D.at[row, "returned_at"] = self.D.at[row, "returned_at"] + delta
        srows = self.surveys_of(row)
        self.d.surveys.loc[srows, "surveyed_at"] = self.d.surveys.loc[srows, "surveyed_at"] + delta

    def office(self, day: pd.Timestamp | np.datetime64, not_before: pd.Timestamp | None = None
               ) -> pd.Timestamp:
        nb = None if not_before is None else np.array([np.datetime64(not_before, "s")])
        return pd.Timestamp(moment(self.rng, np.array([np.datetime64(day, "D")]), nb)[0])

    def wd(self, day: object, n: int) -> pd.Timestamp:
        return pd.Timestamp(wd_add(self.ctx.cal, np.array([np.datetime64(day, "D")]), n)[0])

    # --- dossier variants -------------------------------------------------------------------
    def hs01(self) -> None:
        codes = set(self.D["dossier_code"])
        forms: list[Callable[[str], str]] = [
            lambda c: c.replace(".H57-", ".h57-"),
            lambda c: c[:-4] + c[-3:],
            lambda c: c[:-12] + c[-11:],
        ]
        withdrawn = self.take(self.inside("withdrawn"), 1)
        rows = withdrawn + self.take(self.inside(), profile.DEFECTS["HS01_malformed"] - len(withdrawn))
        for row, form in zip(rows, forms, strict=False):
            self.D.at[row, "dossier_code"] = form(self.D.at[row, "dossier_code"])
            self.truth("HS01", "dossier", row, "mã hồ sơ sai định dạng")
        for row in self.take(self.inside(), profile.DEFECTS["HS01_date"]):
            day = (self.D.at[row, "received_at"] - pd.Timedelta(days=1)).strftime("%y%m%d")
            stem = f"{self.D.at[row, 'dossier_code'].rsplit('-', 2)[0]}-{day}-"
            seq = 1 + max((int(c[-4:]) for c in codes if c.startswith(stem)), default=0)
            code = f"{stem}{seq:04d}"
            codes.add(code)
            self.D.at[row, "dossier_code"] = code
            self.truth("HS01", "dossier", row, "ngày trong mã khác ngày tiếp nhận")

    def hs02(self) -> None:
        for row, code in zip(self.take(self.inside(), profile.DEFECTS["HS02"]), UNKNOWN_CODES,
                             strict=False):
            self.D.at[row, "procedure_code"] = code
            self.truth("HS02", "dossier", row, "mã TTHC không có trong danh mục")

    def hs03(self) -> None:
        done = self.inside() & (self.D["status"] == "done")
        for column, field in BM01_FIELDS.items():
            if column == "received_at" and not self.undated_receipts:
                continue
            for row in self.take(done & (self.D["field"] == field), 1):
                self.D.at[row, column] = pd.NaT if column != "channel" else None
                self.truth("HS03", "dossier", row, f"thiếu {column}")
                self.truth("BM01", "field", field, f"hồ sơ thiếu {column} làm lệch Biểu 06")
        for row in self.take(done, 1):
            self.D.at[row, "procedure_code"] = None
            self.truth("HS03", "dossier", row, "thiếu procedure_code")
        for row in self.take(done & self.D["returned_at"].notna(), 1):
            self.D.at[row, "status"] = None
            for check in ("HS03", "HS05", "HS08"):
                self.truth(check, "dossier", row, "thiếu trạng thái (còn ngày trả, quá hẹn)")

    def hs04(self) -> None:
        d = self.D
        secs = (d["received_at"] - d["received_at"].dt.normalize()).dt.total_seconds()
        same_day = (d["days_n"] == 0) & (d["finished_at"].dt.normalize() == d["received_at"].dt.normalize())
        for row in self.take(self.inside() & same_day & (secs >= 9 * 3600), 2):
            d.at[row, "finished_at"] = d.at[row, "received_at"] - pd.Timedelta(
                minutes=int(self.rng.integers(20, 60)))
            self.truth("HS04", "dossier", row, "có kết quả trước khi tiếp nhận")
        fsecs = (d["finished_at"] - d["finished_at"].dt.normalize()).dt.total_seconds()
        same_return = d["returned_at"].dt.normalize() == d["finished_at"].dt.normalize()
        for row in self.take(self.inside() & same_return & (fsecs >= 9 * 3600), 2):
            d.at[row, "returned_at"] = d.at[row, "finished_at"] - pd.Timedelta(
                minutes=int(self.rng.integers(20, 60)))
            self.truth("HS04", "dossier", row, "trả kết quả trước khi có kết quả")
        for row in self.take(self.inside() & (d["status"] == "done"), 1):
            d.at[row, "due_at"] = d.at[row, "received_at"].normalize() - pd.Timedelta(hours=7)
            for check in ("HS04", "HS08"):
                self.truth(check, "dossier", row, "ngày hẹn trả trước ngày tiếp nhận")
        returned = self.inside() & (d["status"] == "done") & d["returned_at"].notna()
        for row in self.take(returned, 1):
            d.at[row, "finished_at"] = d.at[row, "finished_at"] + FUTURE
            for check in ("HS04", "HS08"):
                self.truth(check, "dossier", row, "ngày có kết quả ở tương lai (gõ nhầm năm)")
        ev = self.d.events
        got = ev.loc[ev["event_type"] == "supplement_received", "row"]
        for row in self.take(self.inside("reception") & self.D.index.isin(got), 1):
            idx = self.events_of(row, "supplement_received")
            ev.loc[idx, "event_at"] = ev.loc[idx, "event_at"] + FUTURE
            self.truth("HS04", "dossier", row, "thời điểm sự kiện ở tương lai (gõ nhầm năm)")
        surveyed = self.D.index.isin(self.d.surveys["row"])
        for row in self.take(returned & surveyed, 1):
            d.at[row, "returned_at"] = d.at[row, "returned_at"] + FUTURE
            self.truth("HS04", "dossier", row, "ngày trả kết quả ở tương lai (gõ nhầm năm)")
            for srow in self.surveys_of(row):
                self.truth("KS01", "survey", int(srow), "phiếu đánh giá trước ngày trả (đã gõ nhầm năm)")

    def hs05(self) -> None:
        d = self.D
        returned = self.inside() & (d["status"] == "done") & d["returned_at"].notna()
        for row in self.take(returned, 1):
            d.at[row, "finished_at"] = pd.NaT
            for check in ("HS05", "HS08"):
                self.truth(check, "dossier", row, "đã có kết quả nhưng thiếu ngày có kết quả")
        for row in self.take(returned, 1):
            d.at[row, "status"] = "processing"
            for check in ("HS05", "HS08"):
                self.truth(check, "dossier", row, "đang xử lý nhưng đã có ngày kết quả, ngày trả")
        for row in self.take(self.inside("withdrawn"), 1):
            d.at[row, "returned_at"] = d.at[row, "finished_at"] + pd.Timedelta(hours=1)
            self.truth("HS05", "dossier", row, "rút hồ sơ nhưng có ngày trả kết quả")

    def hs06(self) -> None:
        withdrawn = self.take(self.inside("withdrawn"), 1)
        rows = withdrawn + self.take(self.inside(), profile.DEFECTS["HS06"] - len(withdrawn))
        for row, phone in zip(rows, BAD_PHONES, strict=False):
            self.D.at[row, "applicant_phone"] = phone
            self.truth("HS06", "dossier", row, "số điện thoại không hợp lệ")

    def hs07(self) -> None:
        d = self.D
        known = self.inside() & d["legal_time_known"] & (d["status"] == "done")
        for row in self.take(known, profile.DEFECTS["HS07"]):
            extra = int(self.rng.integers(1, 3))
            d.at[row, "due_at"] = self.wd(d.at[row, "base_due"], extra) + pd.Timedelta(hours=17)
            self.truth("HS07", "dossier", row, "hẹn trả muộn hơn thời hạn luật định")

    def hs08(self) -> None:
        for row in self.take(self.inside("late"), profile.DEFECTS["HS08_settled"]):
            self.d.events = self.d.events.drop(self.events_of(row, "apology"))
            self.truth("HS08", "dossier", row, "trễ hạn không có văn bản xin lỗi")
        d = self.D
        day = pd.Timedelta(days=1)
        pending = ((d["path"] == "normal") & (d["days_n"] >= 2) & (d["status"] == "done")
                   & d["received_at"].between(self.as_of - 16 * day, self.as_of - 4 * day)
                   & (d["due_at"] < self.as_of))
        for row in self.take(pending, profile.DEFECTS["HS08_pending"]):
            self.retime(row, self.office(self.wd(self.as_of, int(self.rng.integers(1, 3)))))
            self.truth("HS08", "dossier", row, "quá hạn chưa có kết quả tại ngày chốt, không xin lỗi")

    def hs09_hs10(self) -> None:
        ev = self.d.events
        for row in self.take(self.inside("late"), profile.DEFECTS["HS09"]):
            idx = self.events_of(row, "apology")
            ev.loc[idx, "event_at"] = self.office(self.D.at[row, "base_due"])
            self.truth("HS09", "dossier", row, "xin lỗi muộn (sau ngày làm việc trước ngày hẹn)")
        for row in self.take(self.inside("late"), profile.DEFECTS["HS10"]):
            first = ev.loc[self.events_of(row, "apology")].iloc[0]
            self.add_event(row, "apology", first["event_at"] + pd.Timedelta(minutes=40),
                           "Xin lỗi và hẹn lại lần hai", new_due=self.wd(first["new_due_at"], 1)
                           + pd.Timedelta(hours=17))
            self.truth("HS10", "dossier", row, "xin lỗi, hẹn lại hơn một lần")
            ev = self.d.events

    def hs11(self) -> None:
        for row in self.take(self.inside("reception"), profile.DEFECTS["HS11"]):
            first = self.d.events.loc[self.events_of(row, "supplement_request")].iloc[0]
            self.add_event(row, "supplement_request", first["event_at"] + pd.Timedelta(minutes=15),
                           "Yêu cầu bổ sung thêm giấy tờ lần hai", "reception")
            self.truth("HS11", "dossier", row, "yêu cầu bổ sung hơn một lần")

    def hs12(self) -> None:
        d = self.D
        rday = d["received_at"].dt.normalize()
        room = pd.Series(next_window_end(rday.to_numpy().astype(DAY)), index=d.index) - rday
        ok = (self.inside() & d["legal_time_known"] & (d["days_n"] >= 5) & (d["status"] == "done")
              & (room >= pd.Timedelta(days=30)) & (d["received_at"] <= self.as_of - pd.Timedelta(days=50)))
        cal = self.ctx.cal
        for row in self.take(ok, profile.DEFECTS["HS12"]):
            request_at = self.office(self.wd(d.at[row, "effective_day"], 4), d.at[row, "received_at"])
            supplied_at = self.office(self.wd(request_at, int(self.rng.integers(1, 3))))
            due = clock_days(cal, np.array([supplied_at.to_datetime64()]), np.array(["working_days"]),
                         np.array([float(d.at[row, "days_n"])]))[0]
            finish_day = wd_between(self.rng, cal, wd_add(cal, np.array([supplied_at.to_datetime64()])
                                                          .astype(DAY), 1), np.array([due]))[0]
            self.add_event(row, "supplement_request", request_at, "Thiếu giấy tờ chứng minh chỗ ở hợp pháp",
                           "appraisal")
            self.add_event(row, "supplement_received", supplied_at)
            d.at[row, "due_at"] = pd.Timestamp(due) + pd.Timedelta(hours=17)
            self.retime(row, self.office(finish_day, supplied_at))
            self.truth("HS12", "dossier", row, "yêu cầu bổ sung ở bước thẩm định quá 3 ngày làm việc")

    def hs13(self) -> None:
        ev = self.d.events
        rows = self.take(self.inside("rejected"), profile.DEFECTS["HS13"])
        for i, row in enumerate(rows):
            idx = self.events_of(row, "rejection")
            if i == 0:
                ev.loc[idx, "reason"] = "  "
            elif i == 1:
                self.D.at[row, "note"] = "Từ chối: " + str(ev.loc[idx[0], "reason"])
                self.d.events = ev = ev.drop(idx)
            else:
                ev.loc[idx, "reason"] = None
            self.truth("HS13", "dossier", row, "từ chối không có lý do trong sự kiện từ chối")

    def hs14(self) -> None:
        d = self.D
        cat = self.d.catalogue
        no_step = d["procedure_code"].map(cat["verification_extra_days"]).isna() & d["legal_time_known"]
        for row in self.take(self.inside() & no_step & (d["status"] == "done"), profile.DEFECTS["HS14"]):
            mid = d.at[row, "received_at"] + (d.at[row, "finished_at"] - d.at[row, "received_at"]) / 2
            self.add_event(row, "verification_transfer", mid.floor("s"), "Xác minh thông tin cư trú")
            self.truth("HS14", "dossier", row, "chuyển xác minh TTHC không có bước xác minh")

    def hs15(self) -> None:
        d = self.D
        surveyed = d.index.isin(self.d.surveys["row"])
        returned = self.inside() & surveyed & d["returned_at"].notna()
        for row in self.take(returned, profile.DEFECTS["HS15_missing"]):
            self.d.surveys = self.d.surveys.drop(self.surveys_of(row))
            self.truth("HS15", "dossier", row, "đã trả kết quả nhưng không có phiếu đánh giá")
        day = pd.Timedelta(days=1)
        recent = ((d["path"] == "normal") & surveyed & (d["status"] == "done")
                  & d["returned_at"].between(self.as_of - 10 * day, self.as_of - day))
        for row in self.take(recent, profile.DEFECTS["HS15_late"]):
            when = self.office(self.as_of + int(self.rng.integers(2, 6)) * day)
            self.d.surveys.loc[self.surveys_of(row), "surveyed_at"] = when
            self.truth("HS15", "dossier", row, "phiếu đánh giá sau ngày chốt số liệu")

    # --- other registers ----------------------------------------------------------------------
    def surveys(self) -> None:
        d, sv = self.D, self.d.surveys
        day = pd.Timedelta(days=1)
        for row in self.take(self.inside(), profile.DEFECTS["KS01_unknown"]):
            stem = d.at[row, "dossier_code"][:-4]
            seq = 1 + max(int(c[-4:]) for c in d["dossier_code"] if c.startswith(stem)) + 6
            when = self.office(d.at[row, "received_at"] + 2 * day)
            self.truth("KS01", "survey", self.add_survey(-1, f"{stem}{seq:04d}", when),
                       "phiếu đánh giá của hồ sơ không có trong CSDL")
        rsecs = (d["returned_at"] - d["returned_at"].dt.normalize()).dt.total_seconds()
        surveyed = d.index.isin(sv["row"])
        daytime = self.inside() & surveyed & (rsecs >= 8.5 * 3600)
        for row in self.take(daytime, profile.DEFECTS["KS01_before_return"]):
            srows = self.surveys_of(row)
            before = d.at[row, "returned_at"] - pd.Timedelta(minutes=int(self.rng.integers(10, 40)))
            self.d.surveys.loc[srows, "surveyed_at"] = before
            for srow in srows:
                self.truth("KS01", "survey", int(srow), "phiếu đánh giá trước khi trả kết quả")
        for row in self.take(self.inside("withdrawn"), profile.DEFECTS["KS01_not_returned"]):
            when = self.office(self.wd(d.at[row, "finished_at"], 1))
            self.truth("KS01", "survey", self.add_survey(row, None, when),
                       "phiếu đánh giá của hồ sơ chưa trả kết quả")
        columns = ["access", "staff", "overall", "result"]
        values = [0, 6, 10, 0]
        for i, row in enumerate(self.take(self.inside() & d.index.isin(self.d.surveys["row"]),
                                          profile.DEFECTS["KS02"])):
            srow = self.surveys_of(row)[0]
            self.d.surveys.at[srow, columns[i % 4]] = values[i % 4]
            self.truth("KS02", "survey", int(srow), "điểm đánh giá ngoài thang 1–5")

    def feedback(self) -> None:
        fb = self.d.feedback
        day = pd.Timedelta(days=1)
        resolved = fb["resolved_at"].notna() & fb["in_scope"]
        base = fb["received_at"].between(self.start + 10 * day, self.as_of - 45 * day)
        ids = self.take_ids(fb, "feedback_id", base & resolved, profile.DEFECTS["PA01"])
        for i, fid in enumerate(ids):
            at = fb.index[fb["feedback_id"] == fid][0]
            if i == len(ids) - 1:
                fb.loc[at, ["resolved_at", "outcome", "satisfied"]] = [pd.NaT, None, None]
                variant = "PAKN quá 15 ngày làm việc (chưa xử lý)"
            else:
                limit = self.wd(self.wd(fb.at[at, "received_at"], 0), 15)
                fb.at[at, "resolved_at"] = self.office(self.wd(limit, int(self.rng.integers(2, 5))))
                variant = "PAKN quá 15 ngày làm việc"
            self.truth("PA01", "feedback", fid, variant)
        near = fb["received_at"].between(self.start + 10 * day, self.as_of - 20 * day)
        near &= fb["resolved_at"].notna()
        for fid in self.take_ids(fb, "feedback_id", near, profile.DEFECTS["PA02"]):
            at = fb.index[fb["feedback_id"] == fid][0]
            fb.at[at, "resolved_at"] = fb.at[at, "received_at"] - int(self.rng.integers(1, 4)) * day
            self.truth("PA02", "feedback", fid, "ngày xử lý xong trước ngày tiếp nhận")

    def legal_documents(self) -> None:
        docs = self.d.legal_documents
        issued = docs["issued_at"] <= self.as_of - pd.Timedelta(days=30)
        if self.floor is not None:
            issued &= docs["issued_at"] > self.floor
        ids = self.take_ids(docs, "document_id", issued, profile.DEFECTS["VB01"])
        for i, doc in enumerate(ids):
            at = docs.index[docs["document_id"] == doc][0]
            docs.at[at, "review_result"] = ("amend", "repeal")[i % 2]
            handled = self.as_of + pd.Timedelta(days=4) if i == 0 else pd.NaT
            docs.loc[at, ["handled_at", "handling"]] = [handled, None if i else "Đã ban hành văn bản bãi bỏ"]
            self.truth("VB01", "document", doc, "VBQPPL cần sửa đổi/bãi bỏ chưa được xử lý"
                       if i else "VBQPPL cần sửa đổi/bãi bỏ, xử lý sau ngày chốt")
        for i, doc in enumerate(self.take_ids(docs, "document_id", issued, profile.DEFECTS["VB02"])):
            at = docs.index[docs["document_id"] == doc][0]
            if i == 0:
                docs.loc[at, ["reviewed_at", "review_result", "handled_at", "handling"]] = [
                    self.as_of + pd.Timedelta(days=3), "valid", pd.NaT, None]
            else:
                docs.loc[at, ["reviewed_at", "review_result", "handled_at", "handling"]] = [
                    pd.NaT, None, pd.NaT, None]
            self.truth("VB02", "document", doc, "VBQPPL chưa được rà soát"
                       if i else "VBQPPL rà soát sau ngày chốt")

    def plan_tasks(self) -> None:
        t = self.d.plan_tasks
        day = pd.Timedelta(days=1)
        due = t["due_date"].between(self.ytd_start, self.as_of - 25 * day)
        for i, tid in enumerate(self.take_ids(t, "task_id", due, profile.DEFECTS["NV01_not_done"])):
            at = t.index[t["task_id"] == tid][0]
            if i == 0:
                t.loc[at, ["done_date", "evidence"]] = [pd.NaT, None]
            else:
                t.at[at, "done_date"] = self.as_of + 5 * day
            self.truth("NV01", "task", tid, "nhiệm vụ đến hạn chưa hoàn thành" + (
                " (không có ngày hoàn thành)" if i == 0 else ", hoàn thành sau ngày chốt"))
        for tid in self.take_ids(t, "task_id", due, profile.DEFECTS["NV01_late"]):
            at = t.index[t["task_id"] == tid][0]
            t.at[at, "done_date"] = t.at[at, "due_date"] + int(self.rng.integers(3, 21)) * day
            self.truth("NV01", "task", tid, "nhiệm vụ hoàn thành sau hạn")
        for i, tid in enumerate(self.take_ids(t, "task_id", due, profile.DEFECTS["NV02"])):
            t.at[t.index[t["task_id"] == tid][0], "evidence"] = "" if i % 2 else None
            self.truth("NV02", "task", tid, "hoàn thành nhưng thiếu tài liệu kiểm chứng")

    def nv02_due_later(self) -> None:
        """A task the district re-dated past the year's end, done early without evidence: it is
        not due yet, but a task done needs its evidence whatever its due date (NV02)."""
        t = self.d.plan_tasks
        day = pd.Timedelta(days=1)
        done = t["done_date"].between(self.ytd_start, self.as_of - 10 * day) & t["evidence"].notna()
        for tid in self.take_ids(t, "task_id", done & (t["due_date"] == self.as_of),
                                 profile.DEFECTS["NV02_due_later"]):
            at = t.index[t["task_id"] == tid][0]
            t.loc[at, ["due_date", "evidence"]] = [self.as_of + NV02_DUE_LATER_DAYS * day, None]
            self.truth("NV02", "task", tid, "hoàn thành sớm (hạn sau ngày chốt) nhưng thiếu kiểm chứng")

    def hs15_settled_before(self) -> None:
        """A dossier settled before the window start and returned inside it, without a survey:
        it is in the base of survey_coverage and HS15 though outside the window's scope."""
        d = self.D
        day = pd.Timedelta(days=1)
        before = ((d["path"] == "normal") & (d["status"] == "done")
                  & d["finished_at"].between(self.start - 6 * day, self.start - 2 * day))
        for row in self.take(before, profile.DEFECTS["HS15_settled_before"]):
            d.at[row, "returned_at"] = self.office(self.wd(self.start, 1))
            self.d.surveys = self.d.surveys.drop(self.surveys_of(row))
            self.truth("HS15", "dossier", row, "đã giải quyết trước kỳ, trả kết quả trong kỳ, không có phiếu")

    def run(self) -> None:
        """Every variant, in a fixed order (the draws depend on it: add new ones at the end)."""
        for step in (self.hs03, self.hs04, self.hs05, self.hs07, self.hs08, self.hs09_hs10,
                     self.hs11, self.hs12, self.hs13, self.hs14, self.hs15, self.hs02, self.hs06,
                     self.surveys, self.hs01, self.feedback, self.legal_documents, self.plan_tasks,
                     self.nv02_due_later, self.hs15_settled_before):
            step()


# What a seeded record still shows in later windows of its unit (and of its successor), by what
# the generator made of it. Variant → (checks, reach):
# - "open": the record stays open for good — a result or status typed wrong, a PAKN never
#   resolved, a document never reviewed or handled, a task never done: every later window;
# - "next": a dossier left pending at the as-of date and settled one or two working days later,
#   late and without an apology: the window that starts the day after the as-of date;
# - "due+31": a task re-dated 31 days past the as-of date, done without evidence: a later window
#   whose year to date holds that due date.
# Every other variant concerns a record settled (or a date) inside its own window: no later one.
LATER = {
    "thiếu trạng thái (còn ngày trả, quá hẹn)": ({"HS03", "HS05", "HS08"}, "open"),
    "ngày có kết quả ở tương lai (gõ nhầm năm)": ({"HS04", "HS08"}, "open"),
    "đã có kết quả nhưng thiếu ngày có kết quả": ({"HS05", "HS08"}, "open"),
    "đang xử lý nhưng đã có ngày kết quả, ngày trả": ({"HS05", "HS08"}, "open"),
    "PAKN quá 15 ngày làm việc (chưa xử lý)": ({"PA01"}, "open"),
    "VBQPPL cần sửa đổi/bãi bỏ chưa được xử lý": ({"VB01"}, "open"),
    "VBQPPL chưa được rà soát": ({"VB02"}, "open"),
    "nhiệm vụ đến hạn chưa hoàn thành (không có ngày hoàn thành)": ({"NV01"}, "open"),
    "quá hạn chưa có kết quả tại ngày chốt, không xin lỗi": ({"HS08"}, "next"),
    "hoàn thành sớm (hạn sau ngày chốt) nhưng thiếu kiểm chứng": ({"NV02"}, "due+31"),
}
NV02_DUE_LATER_DAYS = 31


def shows_later(variant: str, check: str, seeded: TruthWindow, later: TruthWindow) -> bool:
    """Whether a finding seeded for window ``seeded`` is also one of window ``later`` (after it)."""
    checks, reach = LATER.get(variant, (set(), ""))
    if check not in checks:
        return False
    if reach == "open":
        return True
    if reach == "next":
        return later.start == seeded.as_of + timedelta(days=1)
    due = seeded.as_of + timedelta(days=NV02_DUE_LATER_DAYS)
    return later.ytd_start <= due <= later.as_of


def seed_defects(ctx: Context, draft: Draft) -> None:
    """Seed every defect variant into the draft; its ``truth`` lists the expected findings."""
    Seeder(ctx, draft).run()
