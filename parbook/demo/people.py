"""Clearly fictitious applicants and staff of the demo commune.

- Names are random combinations of common Vietnamese family, middle and given names, drawn by
  the generator; they are taken from no record and describe nobody.
- Addresses lie in the fictitious commune: every one ends in "xã An Lộc (mô phỏng), huyện Minh
  Phong (mô phỏng)".
- Phone numbers all start with 0000: "00" is Viet Nam's international call prefix, so no
  subscriber number looks like this, yet the numbers are well-formed for check HS06 (10 digits
  starting with 0). They come in the spellings real exports show (spaces, dots, +84).
"""

from __future__ import annotations

import numpy as np

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Võ", "Đặng", "Bùi", "Đỗ",
          "Hồ", "Ngô", "Dương", "Trương", "Tôn Nữ", "Mai", "Văn"]
FAMILY_P = [0.3, 0.1, 0.1, 0.06, 0.05, 0.03, 0.05, 0.05, 0.03, 0.03, 0.03, 0.05, 0.03, 0.02,
            0.03, 0.01, 0.02, 0.01]
MIDDLE_M = ["Văn", "Hữu", "Đức", "Công", "Quang", "Minh", "Thanh", "Ngọc", "Xuân"]
MIDDLE_F = ["Thị", "Thị", "Thị", "Ngọc", "Thanh", "Kim", "Bảo", "Diệu", "Thu"]
GIVEN_M = ["An", "Bình", "Cường", "Dũng", "Hải", "Hiếu", "Hùng", "Khoa", "Long", "Nam", "Phúc",
           "Quân", "Sơn", "Tài", "Thắng", "Trung", "Tuấn", "Vinh", "Lộc", "Phước"]
GIVEN_F = ["Anh", "Bích", "Chi", "Dung", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga",
           "Nhung", "Phương", "Thảo", "Trang", "Vân", "Yến", "Hằng", "Tâm"]
VILLAGES = ["thôn An Lộc Thượng", "thôn An Lộc Hạ", "thôn Phú Xuân", "thôn Đông Hòa",
            "thôn Tây Sơn", "thôn Bàu Sen", "thôn Cồn Tranh", "thôn Lại Ân"]
COMMUNE = "xã An Lộc (mô phỏng), huyện Minh Phong (mô phỏng), Thừa Thiên Huế"
PHONE_PREFIX = "0000"

# Staff of the demo commune (fictitious), per department of the procedure catalogue.
HANDLERS = {
    "Tư pháp – Hộ tịch": ["Lê Thị Thu Hà", "Trương Công Minh", "Nguyễn Thị Diệu Linh"],
    "Văn hóa – Xã hội": ["Phan Văn Lộc", "Hồ Thị Kim Oanh"],
    "Công an xã": ["Đặng Quốc Bảo", "Trần Văn Khánh"],
}


def names(rng: np.random.Generator, n: int) -> list[str]:
    """n fictitious full names (family + middle + given, by a random gender)."""
    family = rng.choice(len(FAMILY), size=n, p=np.array(FAMILY_P) / sum(FAMILY_P))
    female = rng.random(n) < 0.5
    middle = rng.integers(0, len(MIDDLE_F), size=n)
    given = rng.integers(0, len(GIVEN_F), size=n)
    out = []
    for fam, fem, mid, giv in zip(family, female, middle, given, strict=True):
        first = GIVEN_F[giv] if fem else GIVEN_M[giv % len(GIVEN_M)]
        second = MIDDLE_F[mid] if fem else MIDDLE_M[mid]
        out.append(f"{FAMILY[fam]} {second} {first}")
    return out


def addresses(rng: np.random.Generator, n: int) -> list[str]:
    """n addresses in the fictitious commune."""
    village = rng.integers(0, len(VILLAGES), size=n)
    house = rng.integers(1, 220, size=n)
    return [f"Số {h}, {VILLAGES[v]}, {COMMUNE}" for h, v in zip(house, village, strict=True)]


def phones(rng: np.random.Generator, n: int, present: float = 0.9) -> list[str | None]:
    """n phone numbers 0000xxxxxx in various spellings; about 10% missing."""
    digits = rng.integers(0, 1_000_000, size=n)
    style = rng.choice(4, size=n, p=[0.55, 0.25, 0.12, 0.08])
    there = rng.random(n) < present
    out: list[str | None] = []
    for d, s, ok in zip(digits, style, there, strict=True):
        tail = f"{d:06d}"
        if not ok:
            out.append(None)
        elif s == 0:
            out.append(f"{PHONE_PREFIX}{tail}")
        elif s == 1:
            out.append(f"{PHONE_PREFIX} {tail[:3]} {tail[3:]}")
        elif s == 2:
            out.append(f"{PHONE_PREFIX}.{tail[:3]}.{tail[3:]}")
        else:
            out.append(f"+84 {PHONE_PREFIX[1:]} {tail[:3]} {tail[3:]}")
    return out
