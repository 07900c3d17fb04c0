"""Synthetic dossier tables of any size for benchmarks (vectorised, deterministic)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from parbook.store import db
from parbook.store.init import init_database

UNIT = "BENCH"
PROCEDURES = ["2.000815", "2.001035", "1.001193", "1.000894", "1.001022", "1.004873", "1.004222"]


def dossier_tables(n: int, seed: int = 1) -> dict[str, pd.DataFrame]:
    """n dossiers received over 2024 and ~n/3 events; columns as the schema has them."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2023-12-01T07:30")
    minutes = rng.integers(0, 380 * 24 * 60, n).astype("timedelta64[m]")
    received = pd.to_datetime(start + minutes)
    due = received.normalize() + pd.to_timedelta(rng.integers(0, 10, n), unit="D")
    finished = received + pd.to_timedelta(rng.integers(1, 15 * 24 * 60, n), unit="min")
    done = rng.random(n) < 0.9
    codes = [f"000.17.22.H57-{d:%y%m%d}-{i % 10000:04d}" for i, d in enumerate(received)]
    dossiers = pd.DataFrame({
        "dossier_code": codes, "unit_code": UNIT,
        "procedure_code": rng.choice(PROCEDURES, n),
        "applicant_phone": "0912345678",
        "channel": rng.choice(["direct", "online", "postal"], n, p=[0.55, 0.4, 0.05]),
        "received_at": received, "due_at": due,
        "finished_at": finished.where(done), "returned_at": finished.where(done),
        "status": np.where(done, "done", "processing"),
        "digitized": rng.random(n) < 0.8, "electronic_result": rng.random(n) < 0.5,
    })
    k = n // 3
    pick = rng.choice(n, k, replace=False)
    events = pd.DataFrame({
        "event_id": [f"E{i}" for i in range(k)],
        "dossier_code": dossiers["dossier_code"].to_numpy()[pick],
        "event_type": rng.choice(["supplement_request", "supplement_received", "apology",
                                  "verification_transfer", "pause", "resume"], k),
        "event_at": received[pick] + pd.to_timedelta(rng.integers(60, 5 * 24 * 60, k), unit="min"),
        "stage": rng.choice(["reception", "appraisal"], k),
    })
    return {"dossiers": dossiers.drop_duplicates("dossier_code"), "dossier_events": events}


def build_database(path: Path, n: int, seed: int = 1) -> str:
    """A SQLite file with the schema, reference data and n synthetic dossiers; returns its URL."""
    url = f"sqlite:///{path}"
    if path.exists():
        return url
    init_database(url, [{"unit_code": UNIT, "unit_name": "Xã đo hiệu năng"}])
    tables = dossier_tables(n, seed)
    with db.engine(url).begin() as conn:
        for name in ("dossiers", "dossier_events"):
            frame = tables[name]
            conn.execute(db.metadata.tables[name].insert(),
                         frame.astype(object).where(frame.notna(), None).to_dict("records"))
    return url
