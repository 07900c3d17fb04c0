"""``parbook plan load`` and ``parbook plan new``."""

from __future__ import annotations

import argparse

from parbook.plan.model import PlanError, load_plan_for_unit, new_plan


def cmd_plan(args: argparse.Namespace) -> int:
    """``parbook plan load --unit CODE [--plan NAME]``; ``parbook plan new --year Y --from NAME``."""
    if args.action == "new":
        if args.year is None:
            raise PlanError("Thiếu --year: parbook plan new --year 2026 --from kh-par-sipas-2024 "
                            "(year missing)")
        plan = new_plan(args.source or args.plan, args.year, args.out)
        print(f"Đã ghi kế hoạch năm {plan.year} (plan written): {plan.path} — {len(plan.requirements)}"
              f" yêu cầu sao từ {args.source or args.plan}; cán bộ sửa nội dung, chỉ tiêu, căn cứ")
        return 0
    if not args.unit:
        raise PlanError("Thiếu --unit: parbook plan load --unit CODE (unit missing)")
    plan, result = load_plan_for_unit(args.db, args.plan, args.unit)
    print(f"Kế hoạch (plan) {plan.code}: {len(plan.requirements)} yêu cầu → đơn vị {args.unit}")
    print(f"Nhiệm vụ (tasks): {result.read} theo kế hoạch; thêm mới (inserted) {result.inserted}; "
          f"đã có, giữ nguyên (existing, kept) {result.unchanged}")
    if result.differing:
        print(f"Khác tệp kế hoạch, giữ dữ liệu đã nhập (differ from the plan file, kept): "
              f"{len(result.differing)} — {', '.join(result.differing[:10])}"
              + (" …" if len(result.differing) > 10 else ""))
    return 0
