"""Stand-in of parbook.satisfaction (TEST DOUBLE): share of ratings ≥ 4 per element."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

SURVEY_ELEMENT_LABELS = {"access": "Tiếp cận dịch vụ", "procedure": "Thủ tục hành chính",
                         "staff": "Công chức giải quyết", "result": "Kết quả giải quyết",
                         "feedback_handling": "Tiếp nhận, xử lý PAKN"}


@dataclass
class SatisfactionSummary:
    by_element: pd.DataFrame
    distribution: pd.DataFrame
    status: str


def satisfaction_summary(analysis: Any, scope: str = "period") -> SatisfactionSummary:
    sv = analysis.surveys
    rows, dist = [], []
    for element, name in SURVEY_ELEMENT_LABELS.items():
        values = pd.to_numeric(sv[element], errors="coerce")
        valid = values[values.between(1, 5)]
        rows.append({"element": element, "name_vi": name, "n_ratings": len(valid),
                     "n_satisfied": int((valid >= 4).sum()),
                     "rate": (valid >= 4).mean() if len(valid) else float("nan")})
        dist.append({"element": element, **{str(r): int((values == r).sum()) for r in range(1, 6)}})
    return SatisfactionSummary(pd.DataFrame(rows), pd.DataFrame(dist), "Ước tính gần đúng (stand-in)")
