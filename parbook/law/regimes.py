"""Legal regimes by date (data/reference/regimes.yaml, DESIGN.md §12).

A regime is a named, dated set of rules kept as data: ``nd61`` (NĐ 61/2018 + TT 01/2018, to
30/6/2025) and ``nd118`` (NĐ 118/2025 + TT 03/2025, from 1/7/2025). Each holds the rule
parameters of the time rules, the form titles and numbers, the name of the one-stop unit, the
report's addressee and recipients, and the legal basis of every check. A record is judged by the
regime in force on its own local calendar day (:func:`regime_of_days`).

>>> from datetime import date
>>> regime_on(date(2025, 6, 30)).id, regime_on(date(2025, 7, 1)).id
('nd61', 'nd118')
>>> regime_on(date(2025, 7, 1)).rules.cutoff_seconds
54000
"""

from __future__ import annotations

from datetime import date, time
from typing import Literal

import pandas as pd
from pydantic import Field, ValidationInfo, model_validator

from parbook.contract import CHECK_IDS
from parbook.store.settings import ConfigError, Count, Strict, Text, reference, report

REGIMES_FILE = "regimes.yaml"


class RegimeRules(Strict):
    """The rule parameters of one regime (DESIGN.md §5, §12)."""

    cutoff_time: time
    apology_deadline_reading: Literal["working_day", "calendar"]
    apology_lead_days: Count = Field(ge=1)
    extensions_allowed: Count = Field(ge=0)
    supplement_requests_allowed: Count = Field(ge=0)
    appraisal_supplement_limit_working_days: Count = Field(ge=0)

    @property
    def cutoff_seconds(self) -> int:
        """The cut-off as seconds after midnight (received strictly later → next working day)."""
        t = self.cutoff_time
        return t.hour * 3600 + t.minute * 60 + t.second


class FormName(Strict):
    """A form as a regime numbers and titles it."""

    number: Text
    title: Text


class ReportAddress(Strict):
    """Who a report under the regime goes to; {district_lower}, {province} and {one_stop_unit}
    are filled by the report."""

    recipients_to: Text
    recipients: tuple[Text, ...]


class Regime(Strict):
    """One legal regime (an entry of regimes.yaml)."""

    id: Text
    name_vi: Text
    decree: Text
    circular: Text
    valid_from: date | None = None
    valid_to: date | None = None
    reliability: Text
    rules: RegimeRules
    forms: dict[str, FormName]
    one_stop_unit: Text
    wording: dict[str, Text]
    legacy_note: str = ""
    report: ReportAddress
    basis: dict[str, Text] = {}
    same_basis_as_catalogue: tuple[str, ...] = ()

    def covers(self, day: date) -> bool:
        """True when the regime is in force on this day."""
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to)

    def check_basis(self, check_id: str, catalogue_basis: str) -> str:
        """The legal basis of a check under this regime (the catalogue's when not restated)."""
        return self.basis.get(check_id, catalogue_basis)


class RegimeFile(Strict):
    """regimes.yaml: the regimes in date order, covering every day without overlap."""

    regimes: tuple[Regime, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _continuous(self, info: ValidationInfo) -> RegimeFile:
        problems = []
        first, last = self.regimes[0], self.regimes[-1]
        if first.valid_from is not None:
            problems.append(f"regimes[1] ({first.id}): valid_from phải để trống — chế độ đầu tiên "
                            "áp dụng cho mọi ngày trước nó (the first regime has no start)")
        if last.valid_to is not None:
            problems.append(f"regimes[{len(self.regimes)}] ({last.id}): valid_to phải để trống — "
                            "chế độ cuối áp dụng đến nay (the last regime has no end)")
        keys = set(first.wording)
        for n, regime in enumerate(self.regimes[1:], start=2):
            if set(regime.wording) != keys:
                problems.append(f"regimes[{n}] ({regime.id}).wording: cần đúng các khóa của "
                                f"{first.id} (same keys as the first regime): "
                                f"{', '.join(sorted(keys))}")
        ids = [r.id for r in self.regimes]
        for dup in sorted({i for i in ids if ids.count(i) > 1}):
            problems.append(f"mã chế độ trùng (duplicate regime id): {dup}")
        for n, (prev, nxt) in enumerate(zip(self.regimes, self.regimes[1:], strict=False), start=2):
            if prev.valid_to is None or nxt.valid_from is None or \
                    (nxt.valid_from - prev.valid_to).days != 1:
                problems.append(
                    f"regimes[{n}] ({nxt.id}): valid_from phải là ngày sau valid_to của {prev.id} "
                    f"(regimes must follow each other without gap or overlap), gặp "
                    f"{prev.valid_to} → {nxt.valid_from}")
        for n, regime in enumerate(self.regimes, start=1):
            if not regime.basis and not regime.same_basis_as_catalogue and n == 1:
                continue        # the catalogue's basis is written for the first regime
            unknown = sorted((set(regime.basis) | set(regime.same_basis_as_catalogue))
                             - set(CHECK_IDS))
            missing = [c for c in CHECK_IDS
                       if c not in regime.basis and c not in regime.same_basis_as_catalogue]
            if unknown:
                problems.append(f"regimes[{n}] ({regime.id}): mã kiểm tra không có (unknown "
                                f"check ids): {', '.join(unknown)}")
            if missing:
                problems.append(f"regimes[{n}] ({regime.id}): thiếu căn cứ của kiểm tra (basis "
                                f"missing; list it in basis or same_basis_as_catalogue): "
                                f"{', '.join(missing)}")
        report(info, problems)
        return self


def all_regimes() -> tuple[Regime, ...]:
    """The regimes of regimes.yaml, in date order (cached per process)."""
    return reference(REGIMES_FILE, RegimeFile).regimes


def get_regime(regime_id: str) -> Regime:
    """The regime of this id; ConfigError naming the known ids otherwise."""
    for regime in all_regimes():
        if regime.id == regime_id:
            return regime
    known = ", ".join(r.id for r in all_regimes())
    raise ConfigError(f"Không có chế độ pháp lý {regime_id!r} trong {REGIMES_FILE} "
                      f"(unknown regime; known: {known})")


def regime_on(day: date) -> Regime:
    """The regime in force on a calendar day."""
    for regime in all_regimes():
        if regime.covers(day):
            return regime
    raise ConfigError(f"{REGIMES_FILE}: không có chế độ nào cho ngày {day:%d/%m/%Y} "
                      "(no regime covers this day)")


def regime_of_days(when: pd.Series, fallback: date) -> pd.Series:
    """The regime id of each timestamp's local calendar day; a missing one takes ``fallback``'s
    regime (the window end, DESIGN.md §12)."""
    days = pd.to_datetime(when).dt.normalize()
    out = pd.Series(regime_on(fallback).id, index=when.index, dtype=object)
    for regime in all_regimes():
        inside = days.notna()
        if regime.valid_from is not None:
            inside &= days >= pd.Timestamp(regime.valid_from)
        if regime.valid_to is not None:
            inside &= days <= pd.Timestamp(regime.valid_to)
        out[inside] = regime.id
    return out


def regime_span(regime: Regime) -> str:
    """When a regime applies, in words: 'đến ngày 30/06/2025', 'từ ngày 01/07/2025'."""
    parts = []
    if regime.valid_from is not None:
        parts.append(f"từ ngày {regime.valid_from:%d/%m/%Y}")
    if regime.valid_to is not None:
        parts.append(f"đến ngày {regime.valid_to:%d/%m/%Y}")
    return " ".join(parts) or "mọi ngày"


def rules_by_regime() -> dict[str, RegimeRules]:
    """Regime id → its rule parameters."""
    return {r.id: r.rules for r in all_regimes()}
