"""Digital signatures of an outputs folder (DESIGN.md §8): report.pdf PAdES B-B, manifest.json CAdES.

When the unit's configuration names a PKCS#12 certificate (``signing.yaml``, below), ``parbook
report`` signs with its key:

- ``report.pdf`` — PAdES baseline B-B (``/SubFilter /ETSI.CAdES.detached``), an invisible
  signature added as an incremental update, so the PDF/A-2b file stays PDF/A (the Info
  ``/Producer`` is aligned with the XMP ``pdf:Producer`` pyHanko writes, which PDF/A requires);
- ``manifest.json`` — a detached CAdES-BES signature in ``manifest.json.sig`` (CMS SignedData,
  DER; ``openssl cms -verify -binary -inform DER -content manifest.json`` accepts it). The
  manifest lists the sha256 of every other file, so its signature covers the whole folder;
  the ``.sig`` itself is not in the manifest.

No timestamp and no network: B-B carries the claimed signing time only. The password of the
certificate is never in a file: the configuration names the environment variable that holds it.

Configuration — ``data/reference/signing.yaml``, or the file named by the environment variable
``PARBOOK_SIGNING``; relative paths are read from the folder of that file::

    trust: [ca-tinh.pem]            # trust roots for verify (PEM or DER), any unit
    default: {certificate: null}    # no signing unless a unit says so
    units:
      XA-ANLOC:
        certificate: /etc/parbook/xa-anloc.p12
        password_env: PARBOOK_CERT_PASSWORD     # the NAME of the variable, not the password

Verification (``parbook verify``) is offline: trust comes only from the configured roots (and
``--trust`` files); without one, an intact signature is reported as intact but of unknown trust.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from pydantic import Field

from parbook.errors import ParbookError
from parbook.report.manifest import MANIFEST, MANIFEST_SIG
from parbook.store.config import REFERENCE_DIR
from parbook.store.settings import Strict, read_yaml, validate

SIGNING_FILE = "signing.yaml"
SIGNING_ENV = "PARBOOK_SIGNING"
DEFAULT_PASSWORD_ENV = "PARBOOK_CERT_PASSWORD"
PDF_FIELD = "ParbookSignature"
PDF_SIGNED = "report.pdf"
PDF_FORMAT = "PAdES B-B (ETSI.CAdES.detached), chữ ký ẩn (invisible)"
MANIFEST_FORMAT = "CAdES-BES tách rời (detached CMS SignedData, DER)"
# A signer's certificate must allow signing documents: nonRepudiation (contentCommitment) or
# digitalSignature — Vietnamese CA certificates for organisations carry both; either suffices.
KEY_USAGES = frozenset({"non_repudiation", "digital_signature"})
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

T = TypeVar("T")


class SigningError(ParbookError):
    """The configured certificate cannot be used (missing file, password, expired …)."""


# ------------------------------------------------------------------------------------------------
# configuration


class SigningSettings(Strict):
    """A unit's signing settings (``certificate: null`` = the unit does not sign)."""

    certificate: str | None = None
    password_env: str = DEFAULT_PASSWORD_ENV
    reason: str | None = None
    location: str | None = None


class SigningFile(Strict):
    """signing.yaml: trust roots for verification, defaults, each unit's own entries."""

    trust: list[str] = Field(default_factory=list)
    default: SigningSettings = SigningSettings()
    units: dict[str, SigningSettings] = Field(default_factory=dict)


def config_path() -> Path:
    """The signing configuration in force: $PARBOOK_SIGNING, else data/reference/signing.yaml."""
    named = os.environ.get(SIGNING_ENV)
    return Path(named) if named else REFERENCE_DIR / SIGNING_FILE


def load_config(path: Path | None = None) -> tuple[SigningFile, Path]:
    """The configuration and the folder its relative paths are read from.

    Without a file (the default one may be absent) nothing is signed and nothing trusted; a file
    named by $PARBOOK_SIGNING or ``path`` must exist (ConfigError naming it).
    """
    if path is None and not os.environ.get(SIGNING_ENV):
        if not (REFERENCE_DIR / SIGNING_FILE).is_file():
            return SigningFile(), REFERENCE_DIR
    path = Path(path) if path is not None else config_path()
    raw = read_yaml(path)
    entries = [raw.get("default"), *(raw.get("units") or {}).values()] if isinstance(raw, dict) else []
    if any(isinstance(e, dict) and {"password", "passphrase", "mat_khau"} & set(e) for e in entries):
        # refused before validation, whose message would quote the value
        raise SigningError(f"{path.name}: không ghi mật khẩu vào tệp cấu hình; đặt nó trong biến môi "
                           "trường và ghi tên biến ở password_env (never write the password in the "
                           "configuration: put it in an environment variable named by password_env)")
    return validate(raw, SigningFile, path.name), path.parent.absolute()


def _resolve(base: Path, name: str) -> Path:
    path = Path(name).expanduser()
    return path if path.is_absolute() else base / path


def unit_settings(unit_code: str, path: Path | None = None) -> tuple[SigningSettings, Path]:
    """The unit's settings (the defaults overridden by its own entry) and the config folder."""
    config, base = load_config(path)
    own = config.units.get(unit_code)
    merged = {**config.default.model_dump(), **(own.model_dump(exclude_unset=True) if own else {})}
    return SigningSettings(**merged), base


def password_variables() -> set[str]:
    """Names of the environment variables that hold certificate passwords (kept out of the kernel)."""
    try:
        config, _ = load_config()
    except ParbookError:
        return {DEFAULT_PASSWORD_ENV}
    return {DEFAULT_PASSWORD_ENV, config.default.password_env,
            *(s.password_env for s in config.units.values())}


def configured_trust(path: Path | None = None) -> list[Path]:
    """The trust-root files of the configuration (absolute)."""
    config, base = load_config(path)
    return [_resolve(base, name) for name in config.trust]


# ------------------------------------------------------------------------------------------------
# helpers


def _quiet() -> None:
    """pyHanko logs a full traceback at WARNING for every untrusted certificate."""
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _call(fn: Callable[[], T]) -> T:
    """Run ``fn`` (which may call asyncio.run) — in a helper thread if this thread already runs
    an event loop (parbook used from a notebook)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 — re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="parbook-signing")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def common_name(cert: Any) -> str:
    """The subject CN of an asn1crypto certificate (the whole subject if it has no CN)."""
    subject = cert.subject
    return str(subject.native.get("common_name") or subject.human_friendly)


def cert_sha256(cert: Any) -> str:
    return hashlib.sha256(cert.dump()).hexdigest()


def load_certificates(path: Path) -> list[Any]:
    """Every certificate of a PEM (bundle) or DER file, as asn1crypto certificates."""
    from asn1crypto import pem, x509

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SigningError(f"Không tìm thấy tệp chứng thư gốc tin cậy {path} (trust root file not "
                           "found)") from None
    try:
        if pem.detect(data):
            return [x509.Certificate.load(der) for kind, _, der in pem.unarmor(data, multiple=True)
                    if kind == "CERTIFICATE"]
        cert = x509.Certificate.load(data)
        cert.native  # noqa: B018 — parse now, so a broken file fails here
        return [cert]
    except (ValueError, TypeError) as exc:
        raise SigningError(f"Tệp {path} không phải chứng thư số PEM/DER (not a certificate): "
                           f"{exc}") from None


# ------------------------------------------------------------------------------------------------
# signing


@dataclass
class ReportSigner:
    """The unit's key and certificate, loaded once per report."""

    signer: Any                  # pyhanko.sign.signers.SimpleSigner
    certificate_path: Path
    reason: str | None = None
    location: str | None = None

    @property
    def subject(self) -> str:
        return common_name(self.signer.signing_cert)

    @property
    def fingerprint(self) -> str:
        return cert_sha256(self.signer.signing_cert)

    def describe(self) -> dict[str, Any]:
        """What the manifest records about the signatures (no path, no password)."""
        cert = self.signer.signing_cert
        return {"signer": self.subject, "certificate_sha256": self.fingerprint,
                "certificate_serial": format(cert.serial_number, "x"),
                "certificate_issuer": cert.issuer.human_friendly,
                "pdf": f"{PDF_SIGNED}: {PDF_FORMAT}", "manifest": f"{MANIFEST_SIG}: {MANIFEST_FORMAT}"}

    def sign_pdf(self, path: Path) -> None:
        """Sign the PDF in place (PAdES B-B, invisible, incremental update: PDF/A kept)."""
        from pyhanko.pdf_utils import generic
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.pdf_utils.metadata.model import VENDOR
        from pyhanko.sign import fields, signers

        meta = signers.PdfSignatureMetadata(
            field_name=PDF_FIELD, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
            reason=self.reason, location=self.location)
        tmp = path.with_name(f".{path.name}.signing")

        def sign() -> None:
            with open(path, "rb") as inf, open(tmp, "wb") as outf:
                writer = IncrementalPdfFileWriter(inf)
                if "/Info" in writer.trailer:
                    # PDF/A: the Info dictionary must equal the XMP metadata; pyHanko sets XMP
                    # pdf:Producer to its VENDOR but only appends to Info /Producer.
                    info = writer.trailer.raw_get("/Info")
                    info.get_object()["/Producer"] = generic.TextStringObject(VENDOR)
                    writer.mark_update(info)
                signers.sign_pdf(writer, meta, signer=self.signer, output=outf)

        try:
            _call(sign)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    def sign_detached(self, path: Path, sig_path: Path | None = None) -> Path:
        """A detached CAdES-BES signature of the file's bytes, written next to it (``.sig``)."""
        data = path.read_bytes()
        content = _call(lambda: asyncio.run(self.signer.async_sign_general_data(
            data, "sha256", detached=True, use_cades=True)))
        out = sig_path or path.with_name(path.name + ".sig")
        out.write_bytes(content.dump())
        return out


def _check_validity(cert: Any, path: Path) -> None:
    validity = cert["tbs_certificate"]["validity"]
    start, end = validity["not_before"].native, validity["not_after"].native
    now = datetime.now(UTC)
    if now > end:
        raise SigningError(f"Chứng thư số {path} đã hết hạn ngày {end:%d/%m/%Y} (the certificate "
                           "expired): gia hạn hoặc thay chứng thư trước khi ký")
    if now < start:
        raise SigningError(f"Chứng thư số {path} chưa có hiệu lực đến ngày {start:%d/%m/%Y} (the "
                           "certificate is not valid yet)")


def load_signer(settings: SigningSettings, base: Path = REFERENCE_DIR,
                environ: dict[str, str] | None = None) -> ReportSigner:
    """The signer of the settings' certificate; SigningError saying what to fix."""
    environ = os.environ if environ is None else environ
    if not settings.certificate:
        raise SigningError("Chưa cấu hình chứng thư số (no certificate configured)")
    path = _resolve(base, settings.certificate)
    if not _ENV_NAME.match(settings.password_env):
        # never echo the value: someone may have written the password itself here
        raise SigningError(f"password_env trong cấu hình ký số của {path.name} phải là TÊN một biến "
                           "môi trường, không phải mật khẩu (must be the NAME of an environment "
                           "variable holding the password, not the password)")
    if not path.is_file():
        raise SigningError(f"Không tìm thấy tệp chứng thư số {path} (certificate file not found)")
    password = environ.get(settings.password_env)
    if password is None:
        raise SigningError(f"Chưa đặt biến môi trường {settings.password_env} chứa mật khẩu của "
                           f"chứng thư số {path} (the certificate password variable is not set)")
    data = path.read_bytes()
    from pyhanko.sign import signers

    try:
        signer = signers.SimpleSigner.load_pkcs12_data(data, other_certs=[],
                                                       passphrase=password.encode() or None)
    except ValueError:
        raise SigningError(_unreadable(data, path, settings.password_env)) from None
    if signer.signing_cert is None or signer.signing_key is None:
        raise SigningError(f"Tệp {path} không chứa khóa bí mật và chứng thư (no private key and "
                           "certificate in the PKCS#12 file)")
    _check_validity(signer.signing_cert, path)
    return ReportSigner(signer, path, settings.reason, settings.location)


def _unreadable(data: bytes, path: Path, env: str) -> str:
    from asn1crypto import pkcs12

    try:
        pkcs12.Pfx.load(data).native  # noqa: B018 — parses: the file is PKCS#12
    except (ValueError, TypeError):
        return f"Tệp {path} không phải chứng thư số PKCS#12 (.p12/.pfx) (not a PKCS#12 file)"
    return (f"Sai mật khẩu chứng thư số {path} (wrong password): kiểm tra biến môi trường {env} "
            "(check the environment variable)")


def unit_signer(unit_code: str, path: Path | None = None) -> ReportSigner | None:
    """The unit's signer when its configuration names a certificate, else None."""
    settings, base = unit_settings(unit_code, path)
    if not settings.certificate:
        return None
    return load_signer(settings, base)


# ------------------------------------------------------------------------------------------------
# verification


@dataclass
class SignatureCheck:
    """One signature: intact (digest and signature value), trusted (chain to a root), who."""

    file: str
    ok: bool
    trusted: bool = False
    signer: str = ""
    fingerprint: str = ""
    problem: str = ""            # why not ok (Vietnamese, English in brackets)
    trust_problem: str = ""      # why not trusted (AdES sub-indication)
    signed_at: datetime | None = None


def _validation_context(roots: Sequence[Any]) -> Any:
    from pyhanko_certvalidator import ValidationContext

    # explicit roots (an empty list trusts nothing: never the OS store); offline
    return ValidationContext(trust_roots=list(roots), allow_fetching=False)


def _key_usage() -> Any:
    from pyhanko.sign.validation.settings import KeyUsageConstraints

    return KeyUsageConstraints(key_usage=set(KEY_USAGES), match_all_key_usages=False)


def _trust_problem(status: Any) -> str:
    indic = getattr(status, "trust_problem_indic", None)
    return indic.name if indic is not None else ""


def trust_roots(paths: Iterable[Path]) -> list[Any]:
    return [cert for path in paths for cert in load_certificates(Path(path))]


def has_pdf_signature(path: Path) -> bool:
    """Whether the PDF may carry a signature (a signature dictionary has a /ByteRange)."""
    return path.is_file() and b"/ByteRange" in path.read_bytes()


def verify_pdf(path: Path, roots: Sequence[Any]) -> list[SignatureCheck]:
    """Every signature of the PDF: intact, valid and covering the whole file (nothing appended)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature

    _quiet()
    name = path.name

    def run() -> list[SignatureCheck]:
        out = []
        with open(path, "rb") as fh:
            try:
                sigs = PdfFileReader(fh).embedded_signatures
            except Exception as exc:  # noqa: BLE001 — a PDF that cannot be read is a broken one
                return [SignatureCheck(name, False, problem=f"không đọc được PDF (unreadable PDF): "
                                                            f"{type(exc).__name__}: {exc}")]
            for sig in sigs:
                try:
                    st = validate_pdf_signature(sig, signer_validation_context=_validation_context(roots),
                                                key_usage_settings=_key_usage())
                except Exception as exc:  # noqa: BLE001 — any malformed signature is a broken one
                    out.append(SignatureCheck(name, False, problem=f"chữ ký hỏng (malformed signature): "
                                                                   f"{type(exc).__name__}: {exc}"))
                    continue
                whole = st.coverage == st.coverage.ENTIRE_FILE
                problem = ("" if st.intact and st.valid and whole else
                           "nội dung đã bị sửa sau khi ký (content changed after signing)"
                           if not st.intact else
                           "giá trị chữ ký không hợp lệ (invalid signature value)" if not st.valid else
                           "có dữ liệu thêm vào sau chữ ký (data appended after the signature: it does "
                           "not cover the whole file)")
                out.append(SignatureCheck(name, not problem, bool(st.trusted), common_name(st.signing_cert),
                                          cert_sha256(st.signing_cert), problem, _trust_problem(st),
                                          st.signer_reported_dt))
        return out

    return _call(run)


def verify_detached(path: Path, sig_path: Path, roots: Sequence[Any]) -> SignatureCheck:
    """The detached CMS signature ``sig_path`` of the file ``path``."""
    from asn1crypto import cms
    from pyhanko.sign.validation import async_validate_detached_cms

    _quiet()
    name = sig_path.name
    try:
        info = cms.ContentInfo.load(sig_path.read_bytes())
        signed_data = info["content"]
        if info["content_type"].native != "signed_data":
            raise ValueError(info["content_type"].native)
        signed_data.native  # noqa: B018 — parse now
    except (ValueError, TypeError, KeyError) as exc:
        return SignatureCheck(name, False, problem=f"tệp chữ ký hỏng (not a CMS signature): {exc}")
    data = path.read_bytes() if path.is_file() else b""
    try:
        st = _call(lambda: asyncio.run(async_validate_detached_cms(
            data, signed_data, signer_validation_context=_validation_context(roots),
            key_usage_settings=_key_usage())))
    except Exception as exc:  # noqa: BLE001 — a malformed signature is a broken one
        return SignatureCheck(name, False, problem=f"chữ ký hỏng (malformed signature): "
                                                   f"{type(exc).__name__}: {exc}")
    problem = ("" if st.intact and st.valid else
               f"{path.name} đã bị sửa sau khi ký (changed after signing)" if not st.intact else
               "giá trị chữ ký không hợp lệ (invalid signature value)")
    return SignatureCheck(name, not problem, bool(st.trusted), common_name(st.signing_cert),
                          cert_sha256(st.signing_cert), problem, _trust_problem(st),
                          getattr(st, "signer_reported_dt", None))


@dataclass
class SignatureReport:
    """The signatures of an outputs folder."""

    pdf: list[SignatureCheck] = field(default_factory=list)
    manifest: SignatureCheck | None = None
    problems: list[str] = field(default_factory=list)
    roots: int = 0               # number of trust-root certificates used

    @property
    def signed(self) -> bool:
        return bool(self.pdf) or self.manifest is not None or bool(self.problems)

    @property
    def checks(self) -> list[SignatureCheck]:
        return [*self.pdf, *([self.manifest] if self.manifest else [])]

    @property
    def ok(self) -> bool:
        return not self.problems and all(c.ok for c in self.checks)

    @property
    def trusted(self) -> bool:
        return self.signed and self.ok and all(c.trusted for c in self.checks)


def verify_folder(folder: Path, manifest: dict[str, Any], trust: Sequence[Path] = ()) -> SignatureReport:
    """Check the signatures of an outputs folder: report.pdf's, manifest.json.sig, and that they
    agree with each other and with what the manifest records."""
    recorded = manifest.get("signature") or None
    sig_path = folder / MANIFEST_SIG
    pdf_path = folder / PDF_SIGNED
    wanted = recorded is not None or sig_path.is_file() or has_pdf_signature(pdf_path)
    report = SignatureReport()
    if not wanted:
        return report
    roots = trust_roots([*configured_trust(), *trust])
    report.roots = len(roots)
    if sig_path.is_file():
        report.manifest = verify_detached(folder / MANIFEST, sig_path, roots)
    if has_pdf_signature(pdf_path):
        report.pdf = verify_pdf(pdf_path, roots)
    if report.manifest is None:
        report.problems.append(
            f"thiếu {MANIFEST_SIG}: {MANIFEST} không được ký nên các mã băm trong đó có thể bị sửa "
            f"(missing manifest signature: the manifest's hashes are not protected)")
    if recorded is not None and not report.pdf and pdf_path.is_file():
        report.problems.append(f"{MANIFEST} ghi là đã ký nhưng {PDF_SIGNED} không có chữ ký (the "
                               "manifest says the PDF was signed; it has no signature)")
    fingerprints = {c.fingerprint for c in report.checks if c.fingerprint}
    if recorded is not None and recorded.get("certificate_sha256"):
        fingerprints.add(recorded["certificate_sha256"])
    if len(fingerprints) > 1:
        report.problems.append("các chữ ký không cùng một chứng thư số (the signatures use different "
                               "certificates)")
    return report
