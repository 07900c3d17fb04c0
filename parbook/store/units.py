"""Units over time (DESIGN.md §12): validity dates, mergers, and who inherits whose records.

A commune formed by a merger lists nothing itself: each predecessor names it in
``successor_code``. A unit's data for any window is its own records plus those of every unit
whose successor chain leads to it (:func:`predecessors`). A unit cannot be reported for a
window it did not exist in (:func:`check_window`).

>>> units = {"A": {"successor_code": "C"}, "B": {"successor_code": "C"},
...          "C": {"successor_code": None}, "Z": {"successor_code": "A"}}
>>> predecessors(units, "C"), predecessors(units, "A"), predecessors(units, "B")
(['A', 'B', 'Z'], ['Z'], [])
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from parbook.errors import ParbookError
from parbook.store import db

OVER_TIME = ("valid_from", "valid_to", "successor_code")
UNIT_FIELDS = ("unit_name", "district", "province", *OVER_TIME)


class UnitError(ParbookError):
    """A unit declaration that cannot stand, or a unit outside its validity dates."""


def all_units(conn: Any) -> dict[str, dict[str, Any]]:
    """Every unit of the database, by code."""
    return {r.unit_code: dict(r._mapping) for r in conn.execute(select(db.units))}


def predecessors(units: dict[str, dict[str, Any]], code: str) -> list[str]:
    """The codes of every unit whose successor chain leads to ``code``, sorted."""
    found: set[str] = set()
    frontier = {code}
    while frontier:
        frontier = {c for c, u in units.items()
                    if u.get("successor_code") in frontier and c not in found and c != code}
        found |= frontier
    return sorted(found)


def merged_by(units: dict[str, dict[str, Any]], code: str, day: date) -> list[str]:
    """The predecessors whose records count as ``code``'s in a window ending on ``day``: those
    merged into it by then — every unit on the chain from the predecessor to ``code`` ended
    before ``day`` (an undated end counts as ended). Before its merger an old commune reports
    for itself, so the successor's earlier windows hold only the successor's own records.

    >>> units = {"A": {"successor_code": "C", "valid_to": date(2025, 6, 30)},
    ...          "C": {"successor_code": None}}
    >>> merged_by(units, "C", date(2025, 6, 14)), merged_by(units, "C", date(2025, 9, 14))
    ([], ['A'])
    """
    out = []
    for c in predecessors(units, code):
        unit, ok = c, True
        while unit != code and unit in units:
            end = _day(units[unit].get("valid_to"))
            if end is not None and end >= day:
                ok = False
                break
            unit = units[unit].get("successor_code")
        if ok:
            out.append(c)
    return out


def _chain(units: dict[str, dict[str, Any]], start: str, stop: str) -> list[str] | None:
    """The successor chain from ``start``; None when it never reaches ``stop``."""
    chain, seen = [start], {start}
    while (nxt := units.get(chain[-1], {}).get("successor_code")) is not None:
        chain.append(nxt)
        if nxt == stop:
            return chain
        if nxt in seen:
            return None
        seen.add(nxt)
    return None


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    return value.date() if isinstance(value, datetime) else date.fromisoformat(str(value))


def _validate(units: dict[str, dict[str, Any]], code: str, row: dict[str, Any]) -> None:
    start, end = _day(row.get("valid_from")), _day(row.get("valid_to"))
    if start and end and start > end:
        raise UnitError(f"Đơn vị {code}: ngày bắt đầu {start:%d/%m/%Y} sau ngày kết thúc "
                        f"{end:%d/%m/%Y} (valid_from after valid_to)")
    successor = row.get("successor_code")
    if successor is None:
        return
    if successor == code:
        raise UnitError(f"Đơn vị {code} không thể kế thừa chính nó (a unit cannot succeed itself)")
    if successor not in units:
        raise UnitError(f"Chưa có đơn vị kế thừa {successor!r}: khai báo trước bằng parbook units "
                        f"set {successor} (unknown successor)")
    loop = _chain({**units, code: row}, successor, code)
    if loop is not None:
        raise UnitError("Sáp nhập tạo vòng lặp (successor loop): "
                        + " → ".join([code, *loop]))
    after = _day(units[successor].get("valid_from"))
    if end and after and after <= end:
        raise UnitError(f"Đơn vị {code} còn hiệu lực đến {end:%d/%m/%Y} nhưng đơn vị kế thừa "
                        f"{successor} bắt đầu từ {after:%d/%m/%Y} (the successor must start after "
                        "its predecessor ends)")


def set_unit(conn: Any, code: str, **values: Any) -> dict[str, Any]:
    """Create or update a unit (``values``: UNIT_FIELDS; None leaves a field as it is); the
    previous version goes to units_history. Returns the unit's row."""
    unknown = set(values) - set(UNIT_FIELDS)
    if unknown:
        raise ValueError(f"unknown unit fields: {sorted(unknown)}")
    units = all_units(conn)
    old = units.get(code)
    row = {"unit_code": code, **{f: None for f in UNIT_FIELDS}, **(old or {}),
           **{k: v for k, v in values.items() if v is not None}}
    row["valid_from"], row["valid_to"] = _day(row["valid_from"]), _day(row["valid_to"])
    _validate(units, code, row)
    if old is None:
        conn.execute(db.units.insert().values(**row))
    elif old != row:
        conn.execute(db.HISTORY_TABLES["units"].insert().values(**old, replaced_at=datetime.now()))
        conn.execute(db.units.update().where(db.units.c.unit_code == code).values(**row))
    return row


def outside_validity(units: dict[str, dict[str, Any]], code: str, day: date) -> str | None:
    """Why a record of this day cannot belong to the unit (None when it can): the unit had
    ended (its successor named) or was not formed yet (its predecessors named)."""
    unit = units.get(code)
    if unit is None:
        return None
    valid_from, valid_to = _day(unit.get("valid_from")), _day(unit.get("valid_to"))
    if valid_to is not None and day > valid_to:
        heir = unit.get("successor_code")
        return (f"đơn vị {code} chỉ còn đến ngày {valid_to:%d/%m/%Y}"
                + (f" (đã sáp nhập vào {heir}: ghi Mã đơn vị {heir})" if heir else "")
                + f", bản ghi ngày {day:%d/%m/%Y}")
    if valid_from is not None and day < valid_from:
        before = predecessors(units, code)
        return (f"đơn vị {code} thành lập từ ngày {valid_from:%d/%m/%Y}"
                + (f" (trước đó ghi Mã đơn vị của đơn vị cũ: {', '.join(before)})" if before else "")
                + f", bản ghi ngày {day:%d/%m/%Y}")
    return None


def check_window(units: dict[str, dict[str, Any]], code: str, start: date, end: date) -> None:
    """Refuse a window the unit did not exist in, naming its successor or its predecessors."""
    unit = units[code]
    valid_from, valid_to = _day(unit.get("valid_from")), _day(unit.get("valid_to"))
    span = f"kỳ {start:%d/%m/%Y}–{end:%d/%m/%Y}"
    if valid_to is not None and valid_to < start:
        heir = unit.get("successor_code")
        raise UnitError(
            f"Đơn vị {code} chỉ tồn tại đến ngày {valid_to:%d/%m/%Y}, trước {span} (unit ended "
            "before the window)" + (f": báo cáo kỳ này thuộc đơn vị kế thừa {heir}" if heir else ""))
    if valid_from is not None and valid_from > end:
        before = predecessors(units, code)
        raise UnitError(
            f"Đơn vị {code} được thành lập từ ngày {valid_from:%d/%m/%Y}, sau {span} (unit formed "
            "after the window)" + (f": báo cáo kỳ này thuộc các đơn vị trước sáp nhập "
                                   f"{', '.join(before)}" if before else ""))
