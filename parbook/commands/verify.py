"""``parbook verify DIR [--rerun] [--trust CERT]... [--require-trusted]``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from parbook.report.manifest import MANIFEST
from parbook.report.run import ReportError
from parbook.report.signing import SignatureCheck, SignatureReport
from parbook.report.verify import rerun, verify
from parbook.store.config import TIMEZONE


def _yes_no(value: bool | None) -> str:
    return {True: "có", False: "không", None: "không xác định"}[value]


def _trust(check: SignatureCheck, roots: int) -> str:
    if check.trusted:
        return "tin cậy (trusted)"
    if not roots:
        return ("không xác định được độ tin cậy (untrusted): chưa cấu hình chứng thư gốc tin cậy "
                "(no trust root configured: signing.yaml trust, or --trust)")
    return (f"không xác định được độ tin cậy (untrusted: {check.trust_problem or 'not trusted'}): "
            "chứng thư không dẫn tới chứng thư gốc đã cấu hình hoặc hết hiệu lực (not issued by a "
            "configured trust root, or not valid now)")


def _print_signatures(report: SignatureReport) -> None:
    if not report.signed:
        print("Chữ ký: chưa ký (not signed) — mã băm khớp chỉ cho thấy các tệp đúng như manifest ghi; "
              "ai sửa một tệp cũng sửa được mã băm của nó (matching hashes do not show who produced "
              "the folder)")
        return
    print("Chữ ký số (digital signatures):")
    for check in report.checks:
        if not check.ok:
            print(f"  {check.file}: HỎNG (broken) — {check.problem}")
            continue
        whole = ", phủ toàn bộ tệp (covers the whole file)" if check.file.endswith(".pdf") else ""
        when = (f"; ký lúc (signed at) {check.signed_at.astimezone(ZoneInfo(TIMEZONE)):%d/%m/%Y %H:%M}"
                if check.signed_at else "")
        print(f"  {check.file}: nguyên vẹn (intact){whole}; người ký (signer): {check.signer}{when}; "
              f"{_trust(check, report.roots)}")
    for problem in report.problems:
        print(f"  Lỗi (problem): {problem}")
    if not report.ok:
        print("Chữ ký: KHÔNG ĐẠT (a signature is broken or missing)")
    elif report.trusted:
        print("Chữ ký: ĐẠT, tin cậy (signatures intact and trusted)")
    else:
        print("Chữ ký: ĐẠT nhưng không xác định được độ tin cậy (signatures intact, untrusted)")


def cmd_verify(args: argparse.Namespace) -> int:
    """``parbook verify DIR [--rerun] [--trust CERT]... [--require-trusted]``: exit 0 only if
    nothing changed, no signature is broken (and the re-run matches); an unsigned folder, or an
    intact signature of unknown trust, is reported as such and fails only with --require-trusted."""
    folder = Path(args.dir)
    try:
        result = verify(folder, [Path(p) for p in getattr(args, "trust", None) or []])
    except (FileNotFoundError, json.JSONDecodeError) as exc:
        print(f"Lỗi (error): {exc}", file=sys.stderr)
        return 2
    print(f"Đã kiểm tra {result.checked} tệp theo {MANIFEST} (files checked).")
    for label, names in (("Bị sửa (changed)", result.changed), ("Bị mất (missing)", result.missing),
                         ("Tệp lạ, không có trong manifest (added)", result.added),
                         ("Đường dẫn không hợp lệ trong manifest (unsafe path)", result.unsafe)):
        for name in names:
            print(f"  {label}: {name}")
    print("Toàn vẹn: ĐẠT (all hashes match)" if result.hashes_ok
          else "Toàn vẹn: KHÔNG ĐẠT (the folder differs from its manifest)")
    _print_signatures(result.signatures)
    code = 0 if result.ok else 1
    if getattr(args, "require_trusted", False) and not result.signatures.trusted:
        print("KHÔNG ĐẠT theo --require-trusted: thư mục chưa được ký bằng chứng thư tin cậy (not "
              "signed with a trusted certificate)")
        code = 1
    if getattr(args, "rerun", False):
        try:
            comparison = rerun(folder, url=args.db)
        except (ReportError, ValueError, KeyError) as exc:
            print(f"Chạy lại thất bại (re-run failed): {exc}", file=sys.stderr)
            return 1
        print(f"Chạy lại vào (re-run in): {comparison.rerun_dir}")
        print(f"  Dữ liệu giống lần chạy trước (same data fingerprint): {_yes_no(comparison.data_same)}")
        print(f"  Mã nguồn giống lần chạy trước (same clean git commit): {_yes_no(comparison.code_same)}")
        differ = [name for name, same in comparison.same.items() if not same]
        for name, same in comparison.same.items():
            print(f"  {name}: {'giống hệt (identical)' if same else 'KHÁC (differs)'}")
        for name, why in comparison.skipped.items():
            print(f"  {name}: không so byte (not compared byte for byte) — {why}")
        print(f"Kết quả chạy lại: GIỐNG HỆT — {len(comparison.same)} tệp (every deterministic output "
              "identical)" if comparison.ok else
              f"Kết quả chạy lại: KHÁC (results differ): {', '.join(differ)}")
        if not comparison.ok:
            code = 1
    return code
