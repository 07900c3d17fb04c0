"""``parbook plan load``."""

from __future__ import annotations

import argparse

from parbook.plan.model import load_plan_for_unit


def cmd_plan(args: argparse.Namespace) -> int:
    """``parbook plan load --unit CODE [--plan NAME]``."""
    plan, result = load_plan_for_unit(args.db, args.plan, args.unit)
    print(f"Kế hoạch (plan) {plan.code}: {len(plan.requirements)} yêu cầu → đơn vị {args.unit}")
    print(f"Nhiệm vụ (tasks): {result.read} theo kế hoạch; thêm mới (inserted) {result.inserted}; "
          f"đã có, giữ nguyên (existing, kept) {result.unchanged}")
    if result.differing:
        print(f"Khác tệp kế hoạch, giữ dữ liệu đã nhập (differ from the plan file, kept): "
              f"{len(result.differing)} — {', '.join(result.differing[:10])}"
              + (" …" if len(result.differing) > 10 else ""))
    return 0
