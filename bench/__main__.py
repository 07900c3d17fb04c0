"""``python -m bench [--quick] [--only NAME] [--sizes N,…]``: run bench/bench_*.py, print each
ratio against its floor beside the one recorded before, exit 1 when a target is missed.

Rows measured now replace the rows of the same name in bench/results.json; the others stay.
"""

from __future__ import annotations

import argparse
import importlib
import json
from pathlib import Path
from typing import Any

from bench.harness import machine_info

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"


def _sizes(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def _previous() -> dict[str, dict[str, Any]]:
    """The rows recorded in results.json, by name."""
    if not RESULTS.exists():
        return {}
    return {row["name"]: row for row in json.loads(RESULTS.read_text(encoding="utf-8"))["results"]}


def _line(row: dict[str, Any], before: dict[str, Any] | None) -> str:
    was = f"{before['ratio']:7.2f}" if before else f"{'–':>7}"
    return (f"{row['name']:42} {row['ours_s']:9.3f} {row['floor_s']:9.3f} {was} {row['ratio']:7.2f} "
            f"{row['target']:7.2f} {row['peak_mb']:8.1f}  {'pass' if row['passed'] else 'FAIL'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="small sizes (< 2 minutes)")
    parser.add_argument("--only", help="run only bench_<name> (batch, checks, checks_sql, facts, "
                                       "ingest, report)")
    parser.add_argument("--sizes", type=_sizes, help="dossier counts, e.g. 100000 or 10000,1000000")
    args = parser.parse_args(argv)
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if args.only:
        modules = [m for m in modules if m == f"bench_{args.only}"]
        if not modules:
            parser.error(f"no bench named {args.only!r}")
    previous = _previous()
    results = []
    print(f"{'name':42} {'ours s':>9} {'floor s':>9} {'before':>7} {'ratio':>7} {'target':>7} "
          f"{'peak MB':>8}  result")
    for name in modules:
        for row in importlib.import_module(f"bench.{name}").run(args.quick, args.sizes):
            results.append(row)
            print(_line(row, previous.get(row["name"])), flush=True)
    merged = {**previous, **{row["name"]: row for row in results}}
    RESULTS.write_text(json.dumps({"machine": machine_info(), "quick": args.quick,
                                   "results": list(merged.values())},
                                  ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    missed = [row["name"] for row in results if not row["passed"]]
    print(f"→ {RESULTS}" + (f"; missed: {', '.join(missed)}" if missed else ""))
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
