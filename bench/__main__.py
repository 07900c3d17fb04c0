"""``python -m bench [--quick]``: run every bench/bench_*.py and print ratios against floors."""

from __future__ import annotations

import argparse
import importlib
import json
from pathlib import Path

from bench.harness import machine_info

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="small sizes (< 2 minutes)")
    parser.add_argument("--only", help="run only bench_<name>")
    args = parser.parse_args()
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if args.only:
        modules = [m for m in modules if m == f"bench_{args.only}"]
    results = []
    header = f"{'name':42} {'ours s':>9} {'floor s':>9} {'ratio':>7} {'target':>7} {'peak MB':>8}  result"
    print(header)
    for name in modules:
        for row in importlib.import_module(f"bench.{name}").run(args.quick):
            results.append(row)
            print(f"{row['name']:42} {row['ours_s']:9.3f} {row['floor_s']:9.3f} {row['ratio']:7.2f} "
                  f"{row['target']:7.2f} {row['peak_mb']:8.1f}  {'pass' if row['passed'] else 'FAIL'}",
                  flush=True)
    out = HERE / "results.json"
    out.write_text(json.dumps({"machine": machine_info(), "quick": args.quick, "results": results},
                              ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"→ {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
