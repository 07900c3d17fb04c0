"""PDF/A and signatures of the outputs folder (DESIGN.md §8): report.pdf PDF/A-2b, signed PAdES
B-B when the unit configures a certificate, manifest.json signed as manifest.json.sig, and
``parbook verify`` telling intact, broken, untrusted and unsigned apart.

Every certificate is generated here (tests/report/certs.py); the password reaches parbook only
through the environment variable the configuration names.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest

from parbook.commands.main import main
from parbook.report import page, signing
from parbook.report.manifest import MANIFEST, MANIFEST_SIG, read_manifest, write_manifest
from parbook.report.run import KernelSession, run_report
from parbook.report.signing import SigningError, SigningSettings
from parbook.report.verify import verify
from parbook.store.hashing import file_sha256
from tests.report import fixture_db
from tests.report.certs import ThrowawayCert, make_cert
from tests.report.pdfa import check_pdfa

ENV = signing.DEFAULT_PASSWORD_ENV
PAGE = ("<!doctype html><html lang='vi'><head><meta charset='utf-8'><title>Báo cáo thử</title>"
        "<meta name='author' content='UBND xã Thử Nghiệm'></head><body><h1>BÁO CÁO</h1>"
        "<p>Kết quả tự kiểm tra công tác cải cách hành chính quý III năm 2024: ạ ắ ổ ữ đ.</p>"
        "<svg width='120' height='60'><rect width='80' height='40' fill='rgba(200,0,0,0.5)'/></svg>"
        "</body></html>")


def _config(folder: Path, cert: ThrowawayCert, unit: str = fixture_db.UNIT, env: str = ENV,
            relative: bool = True, trust: bool = False) -> Path:
    """A signing.yaml in ``folder`` giving ``unit`` the certificate (path relative to it)."""
    path = folder / "signing.yaml"
    p12 = cert.p12.relative_to(folder) if relative else cert.p12
    lines = [f"trust: [{cert.root_pem}]" if trust else "trust: []", "units:", f"  {unit}:",
             f"    certificate: {p12}", f"    password_env: {env}",
             "    reason: Phê duyệt báo cáo tự kiểm tra", "    location: UBND xã Thử Nghiệm"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> ThrowawayCert:
    """A self-signed certificate and its .p12, in a config folder."""
    return make_cert(tmp_path_factory.mktemp("signing") / "keys")


@pytest.fixture()
def configured(cert: ThrowawayCert, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PARBOOK_SIGNING names a config giving the fixture unit the certificate; password set."""
    config = _config(cert.p12.parent.parent, cert)
    monkeypatch.setenv(signing.SIGNING_ENV, str(config))
    monkeypatch.setenv(ENV, cert.password)
    return config


@pytest.fixture(scope="module")
def signed_dir(fixture_commune: fixture_db.Fixture, window, cert: ThrowawayCert,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One complete signed report of the fixture commune (read-only: tests copy it to tamper)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(signing.SIGNING_ENV, str(_config(cert.p12.parent.parent, cert)))
        mp.setenv(ENV, cert.password)
        out = tmp_path_factory.mktemp("signed") / fixture_db.UNIT / fixture_db.PERIOD
        yield run_report(fixture_db.UNIT, window, url=fixture_commune.url, out_dir=out, sign=True)


def _copy(folder: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(folder, tmp_path / "copy"))


def _rehash(folder: Path, name: str) -> None:
    """What a forger does: edit the manifest's hash of a changed file."""
    m = read_manifest(folder)
    m["files"][name] = file_sha256(folder / name)
    write_manifest(folder, m)


def _edit_csv(folder: Path) -> None:
    path = folder / "findings.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")      # one finding less


def _verify_cli(folder: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["verify", str(folder), *extra])
    return code, capsys.readouterr().out


# ------------------------------------------------------------------------------------------------
# PDF/A and signing of a small page (no kernel)


def test_write_pdf_is_pdfa_2b_and_stays_so_when_signed(cert: ThrowawayCert, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    page.write_pdf(PAGE, pdf)
    assert check_pdfa(pdf, "2B") == []
    signer = signing.load_signer(SigningSettings(certificate=str(cert.p12)), environ={ENV: cert.password})
    signer.sign_pdf(pdf)
    assert check_pdfa(pdf, "2B") == []
    [check] = signing.verify_pdf(pdf, signing.trust_roots([cert.root_pem]))
    assert (check.ok, check.trusted, check.signer) == (True, True, cert.common_name)
    assert not list(tmp_path.glob(".*signing"))                 # no temporary file left
    with pikepdf.open(pdf) as doc:                                 # PAdES, invisible, printable
        [sig_field] = doc.Root.AcroForm.Fields
        assert str(sig_field.V.SubFilter) == "/ETSI.CAdES.detached"
        assert [float(x) for x in sig_field.Rect] == [0, 0, 0, 0] and int(sig_field.F) & 4


def test_pdf_signature_broken_by_an_edit_or_an_appended_update(cert: ThrowawayCert, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    page.write_pdf(PAGE, pdf)
    signing.load_signer(SigningSettings(certificate=str(cert.p12)), environ={ENV: cert.password}
                        ).sign_pdf(pdf)
    data = pdf.read_bytes()
    edited = tmp_path / "edited.pdf"
    flipped = bytearray(data)
    flipped[len(data) // 4] ^= 0x01                                # inside the signed range
    edited.write_bytes(bytes(flipped))
    [check] = signing.verify_pdf(edited, [])
    assert not check.ok and "sửa" in check.problem
    appended = tmp_path / "appended.pdf"
    appended.write_bytes(data + b"\n% added after signing\n")
    [check] = signing.verify_pdf(appended, [])
    assert not check.ok and "whole file" in check.problem


def test_chain_to_a_configured_ca_is_trusted(tmp_path: Path) -> None:
    issued = make_cert(tmp_path / "ca", with_ca=True)
    signer = signing.load_signer(SigningSettings(certificate=str(issued.p12)),
                                 environ={ENV: issued.password})
    data = tmp_path / "manifest.json"
    data.write_text('{"files": {}}\n', encoding="utf-8")
    sig = signer.sign_detached(data)
    assert sig.name == "manifest.json.sig"
    trusted = signing.verify_detached(data, sig, signing.trust_roots([issued.root_pem]))
    assert trusted.ok and trusted.trusted and trusted.signer == issued.common_name
    leaf_only = signing.verify_detached(data, sig, signing.trust_roots([make_cert(tmp_path / "x").root_pem]))
    assert leaf_only.ok and not leaf_only.trusted and leaf_only.trust_problem


def test_manifest_signature_is_standard_cms(cert: ThrowawayCert, tmp_path: Path) -> None:
    """openssl accepts the .sig: any auditor can check it without parbook."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    data = tmp_path / "manifest.json"
    data.write_text('{"a": "Thử"}\n', encoding="utf-8")
    sig = signing.load_signer(SigningSettings(certificate=str(cert.p12)), environ={ENV: cert.password}
                              ).sign_detached(data)
    done = subprocess.run(["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", str(sig),
                           "-content", str(data), "-CAfile", str(cert.root_pem), "-purpose", "any",
                           "-out", "/dev/null"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    data.write_text('{"a": "Thu"}\n', encoding="utf-8")
    assert signing.verify_detached(data, sig, []).ok is False


# ------------------------------------------------------------------------------------------------
# configuration and clear errors


def test_config_relative_path_and_units_without_certificate(cert: ThrowawayCert, configured: Path) -> None:
    signer = signing.unit_signer(fixture_db.UNIT)
    assert signer is not None and signer.certificate_path == cert.p12
    assert signer.subject == cert.common_name and signer.reason == "Phê duyệt báo cáo tự kiểm tra"
    assert signing.unit_signer("XA-KHAC") is None
    described = json.dumps(signer.describe(), ensure_ascii=False)
    assert cert.password not in described and str(cert.p12) not in described


def test_default_configuration_signs_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(signing.SIGNING_ENV, raising=False)
    assert signing.unit_signer(fixture_db.UNIT) is None and signing.configured_trust() == []


def test_wrong_password_is_a_clear_error(cert: ThrowawayCert) -> None:
    with pytest.raises(SigningError) as err:
        signing.load_signer(SigningSettings(certificate=str(cert.p12)), environ={ENV: "sai-mat-khau"})
    message = str(err.value)
    assert "Sai mật khẩu" in message and "wrong password" in message
    assert str(cert.p12) in message and ENV in message and "sai-mat-khau" not in message


def test_missing_certificate_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "khong-co" / "xa.p12"
    with pytest.raises(SigningError) as err:
        signing.load_signer(SigningSettings(certificate=str(missing)), environ={ENV: "x"})
    assert str(missing) in str(err.value) and "certificate file not found" in str(err.value)


def test_unset_password_variable_and_password_written_in_the_config(cert: ThrowawayCert) -> None:
    with pytest.raises(SigningError, match=f"Chưa đặt biến môi trường {ENV}"):
        signing.load_signer(SigningSettings(certificate=str(cert.p12)), environ={})
    with pytest.raises(SigningError) as err:
        signing.load_signer(SigningSettings(certificate=str(cert.p12), password_env=cert.password),
                            environ={})
    assert "NAME of an environment variable" in str(err.value) and cert.password not in str(err.value)


def test_password_written_in_the_yaml_is_refused_without_quoting_it(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "signing.yaml"
    config.write_text("units:\n  XA-THU:\n    certificate: xa.p12\n    password: Bi-Mat-123\n",
                      encoding="utf-8")
    monkeypatch.setenv(signing.SIGNING_ENV, str(config))
    with pytest.raises(SigningError) as err:
        signing.unit_signer("XA-THU")
    assert "password_env" in str(err.value) and "Bi-Mat-123" not in str(err.value)
    assert signing.password_variables() == {ENV}                  # the kernel still drops the default


def test_not_a_pkcs12_file_and_expired_certificate(tmp_path: Path) -> None:
    junk = tmp_path / "xa.p12"
    junk.write_bytes(b"-----BEGIN CERTIFICATE-----\nnot really\n")
    with pytest.raises(SigningError, match="not a PKCS#12 file"):
        signing.load_signer(SigningSettings(certificate=str(junk)), environ={ENV: "x"})
    old = make_cert(tmp_path / "old", days=(-400, -30))
    with pytest.raises(SigningError, match="expired"):
        signing.load_signer(SigningSettings(certificate=str(old.p12)), environ={ENV: old.password})


def test_run_report_refuses_a_wrong_password_before_any_notebook(
        configured: Path, fixture_commune, window, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(ENV, "sai-mat-khau")
    started = time.perf_counter()
    with pytest.raises(SigningError, match="Sai mật khẩu"):
        run_report(fixture_db.UNIT, window, url=fixture_commune.url, out_dir=tmp_path / "o", sign=True)
    assert time.perf_counter() - started < 10 and list(tmp_path.iterdir()) == []
    code = main(["report", "--unit", fixture_db.UNIT, "--period", fixture_db.PERIOD,
                 "--db", fixture_commune.url, "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "Sai mật khẩu" in err and "sai-mat-khau" not in err


def test_kernel_does_not_see_the_password(configured: Path, cert: ThrowawayCert, tmp_path: Path) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        f"import os, pathlib; pathlib.Path('env.txt').write_text(repr(os.environ.get({ENV!r})))")])
    source = tmp_path / "env.ipynb"
    nbformat.write(nb, source)
    with KernelSession("sqlite:///nowhere.sqlite") as session:
        session.execute(source, tmp_path / "out.ipynb", {}, cwd=tmp_path)
    assert (tmp_path / "env.txt").read_text(encoding="utf-8") == "None"


# ------------------------------------------------------------------------------------------------
# the real report: unsigned and signed


def test_real_report_is_pdfa_and_unsigned_by_default(report_dir: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert check_pdfa(report_dir / "report.pdf", "2B") == []
    assert not (report_dir / MANIFEST_SIG).exists()
    assert read_manifest(report_dir)["signature"] is None
    code, out = _verify_cli(report_dir, capsys)
    assert code == 0 and "Toàn vẹn: ĐẠT" in out and "chưa ký (not signed)" in out


def test_unsigned_folder_accepts_an_edit_with_its_hash(report_dir: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """The limit of hashes alone: a consistent forgery passes, and verify says it is unsigned."""
    folder = _copy(report_dir, tmp_path)
    _edit_csv(folder)
    _rehash(folder, "findings.csv")
    code, out = _verify_cli(folder, capsys)
    assert code == 0 and "Toàn vẹn: ĐẠT" in out and "chưa ký (not signed)" in out


def test_signed_report_verifies(signed_dir: Path, cert: ThrowawayCert, capsys: pytest.CaptureFixture[str]
                                ) -> None:
    m = read_manifest(signed_dir)
    assert MANIFEST_SIG not in m["files"] and "report.pdf" in m["files"]
    assert m["signature"]["signer"] == cert.common_name
    assert m["signature"]["certificate_sha256"] == signing.cert_sha256(
        signing.load_certificates(cert.cert_pem)[0])
    assert "report_pdf_sign" in m["timings_s"]
    for path in signed_dir.rglob("*"):
        if path.is_file():
            assert cert.password.encode() not in path.read_bytes(), path
    assert check_pdfa(signed_dir / "report.pdf", "2B") == []
    result = verify(signed_dir, [cert.root_pem])
    assert result.ok and result.signatures.signed and result.signatures.trusted
    assert [c.file for c in result.signatures.checks] == ["report.pdf", MANIFEST_SIG]
    code, out = _verify_cli(signed_dir, capsys, "--trust", str(cert.root_pem))
    assert code == 0, out
    assert f"người ký (signer): {cert.common_name}" in out and "tin cậy (trusted)" in out
    assert "Chữ ký: ĐẠT, tin cậy" in out and "phủ toàn bộ tệp" in out


def test_signed_report_without_trust_root_is_intact_but_untrusted(
        signed_dir: Path, cert: ThrowawayCert, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _verify_cli(signed_dir, capsys)
    assert code == 0, out
    assert "không xác định được độ tin cậy (untrusted)" in out and cert.common_name in out
    assert "KHÔNG ĐẠT" not in out and "HỎNG" not in out


def test_trust_root_from_the_configuration(signed_dir: Path, cert: ThrowawayCert, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(cert.p12.parent.parent, cert, trust=True)
    monkeypatch.setenv(signing.SIGNING_ENV, str(config))
    code, out = _verify_cli(signed_dir, capsys)
    assert code == 0 and "Chữ ký: ĐẠT, tin cậy" in out
    other = make_cert(tmp_path / "other")
    code, out = _verify_cli(signed_dir, capsys, "--trust", str(other.root_pem))
    assert code == 0 and "Chữ ký: ĐẠT, tin cậy" in out         # the configured root still counts
    code = main(["verify", str(signed_dir), "--trust", str(tmp_path / "none.pem")])
    assert code == 2 and "none.pem" in capsys.readouterr().err


def test_tampered_pdf_fails(signed_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _copy(signed_dir, tmp_path)
    pdf = folder / "report.pdf"
    data = bytearray(pdf.read_bytes())
    at = len(data) // 3
    data[at] ^= 0x01
    pdf.write_bytes(bytes(data))
    code, out = _verify_cli(folder, capsys)
    assert code == 1 and "Bị sửa (changed): report.pdf" in out
    assert "report.pdf: HỎNG (broken)" in out and "Chữ ký: KHÔNG ĐẠT" in out
    _rehash(folder, "report.pdf")                                  # and forge the manifest's hash
    result = verify(folder)
    assert result.hashes_ok and not result.ok
    assert not result.signatures.manifest.ok and not result.signatures.pdf[0].ok


def test_tampered_csv_with_rehashed_manifest_fails_when_signed(
        signed_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _copy(signed_dir, tmp_path)
    _edit_csv(folder)
    _rehash(folder, "findings.csv")
    code, out = _verify_cli(folder, capsys)
    assert code == 1, out
    assert "Toàn vẹn: ĐẠT" in out                                   # the hashes were forged well
    assert f"{MANIFEST_SIG}: HỎNG (broken)" in out and "Chữ ký: KHÔNG ĐẠT" in out


def test_removed_or_foreign_manifest_signature_fails(signed_dir: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    folder = _copy(signed_dir, tmp_path)
    (folder / MANIFEST_SIG).unlink()
    code, out = _verify_cli(folder, capsys)
    assert code == 1 and f"thiếu {MANIFEST_SIG}" in out
    # a forger's own key: the manifest edited, then signed again with another certificate
    _edit_csv(folder)
    _rehash(folder, "findings.csv")
    forger = make_cert(tmp_path / "forger", cn="Kẻ giả mạo")
    signing.load_signer(SigningSettings(certificate=str(forger.p12)), environ={ENV: forger.password}
                        ).sign_detached(folder / MANIFEST)
    code, out = _verify_cli(folder, capsys)
    assert code == 1 and "không cùng một chứng thư" in out and "Kẻ giả mạo" in out
    # … and if the forger signs everything with that key, only trust tells: --require-trusted
    m = read_manifest(folder)
    m["signature"] = None
    write_manifest(folder, m)
    page.write_pdf(PAGE, folder / "report.pdf")
    signer = signing.load_signer(SigningSettings(certificate=str(forger.p12)),
                                 environ={ENV: forger.password})
    signer.sign_pdf(folder / "report.pdf")
    _rehash(folder, "report.pdf")
    signer.sign_detached(folder / MANIFEST)
    code, out = _verify_cli(folder, capsys)
    assert code == 0 and "Chữ ký: ĐẠT nhưng không xác định được độ tin cậy" in out
    code, out = _verify_cli(folder, capsys, "--require-trusted")
    assert code == 1 and "--require-trusted" in out
    (folder / MANIFEST_SIG).write_bytes(b"garbage")
    code, out = _verify_cli(folder, capsys)
    assert code == 1 and "tệp chữ ký hỏng" in out
