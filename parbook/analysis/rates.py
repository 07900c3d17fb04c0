"""On-time shares on a chosen base, as published reports compute them (plan R12, regulations §11).

Published figures divide by different bases: the Vĩnh Phúc report of 21/7–20/8/2021 divides the
dossiers returned early or on time by the dossiers *falling due* (19.255 ÷ 19.944 = 96,55%); the
Huế portal divides by the dossiers *processed* (124.907 ÷ 257.141 = 48,6%); NĐ 61/2018 Điều
30.2(c) speaks of the dossiers *received*. The base is therefore a parameter:

- ``received``: dossiers newly received in the period;
- ``settled``: dossiers processed (settled) in the period — the contract's ontime_rate;
- ``due``: dossiers falling due — settled in the period plus those pending past their due date.

>>> from parbook.vnformat import percent
>>> vp = VolumeCounts(received=19_630, early=19_255, pending_overdue=689)
>>> percent(rate_on_base(vp.early + vp.on_time, vp, "due").value, 2)
'96,55%'
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from parbook.analysis.measures import Ratio, flag

BASES = ("received", "settled", "due")
BASE_LABELS_VI = {
    "received": "hồ sơ tiếp nhận mới trong kỳ",
    "settled": "hồ sơ đã giải quyết trong kỳ",
    "due": "hồ sơ đến hạn (đã giải quyết + đang quá hạn)",
}


@dataclass(frozen=True)
class VolumeCounts:
    """Dossier counts of a period; ``settled``/``due`` override the sums when published as such."""

    received: int = 0
    early: int = 0
    on_time: int = 0
    late: int = 0
    pending_within: int = 0
    pending_overdue: int = 0
    settled: int | None = None
    due: int | None = None

    @property
    def settled_total(self) -> int:
        return self.settled if self.settled is not None else self.early + self.on_time + self.late

    @property
    def due_total(self) -> int:
        return self.due if self.due is not None else self.settled_total + self.pending_overdue

    def base(self, name: str) -> int:
        """The denominator of base ``name`` (received / settled / due)."""
        if name == "received":
            return self.received
        if name == "settled":
            return self.settled_total
        if name == "due":
            return self.due_total
        raise ValueError(f"Cơ sở tính không hợp lệ {name!r}: {', '.join(BASES)} (unknown base)")


def rate_on_base(numerator: int, counts: VolumeCounts, base: str) -> Ratio:
    """``numerator`` ÷ the chosen base of ``counts`` (value None when the base is zero)."""
    return Ratio(float(numerator), float(counts.base(base)))


def volume_counts(facts: pd.DataFrame) -> VolumeCounts:
    """The counts of a facts frame (withdrawn left out), settled meaning settled in the window.

    ``settled`` is every dossier settled in the window (also those without an appointment date,
    which have no timeliness), so the settled base equals the ontime_rate denominator.
    """
    active = facts[~flag(facts["withdrawn"])]
    t = active["timeliness"]
    settled = flag(active["settled_in_window"])

    def n(mask: pd.Series) -> int:
        return int(mask.sum())

    return VolumeCounts(
        received=n(flag(active["received_in_window"])),
        early=n(settled & (t == "early")),
        on_time=n(settled & (t == "on_time")),
        late=n(settled & (t == "late")),
        pending_within=n(t == "pending_within"),
        pending_overdue=n(t == "pending_overdue"),
        settled=n(settled),
    )


def ontime_by_base(facts: pd.DataFrame, bases: tuple[str, ...] = BASES) -> pd.DataFrame:
    """(early + on time) on each base: base, label, numerator, denominator, value."""
    counts = volume_counts(facts)
    good = counts.early + counts.on_time
    rows = []
    for base in bases:
        r = rate_on_base(good, counts, base)
        rows.append({"base": base, "label_vi": BASE_LABELS_VI[base], "numerator": r.numerator,
                     "denominator": r.denominator, "value": r.value})
    return pd.DataFrame(rows)


