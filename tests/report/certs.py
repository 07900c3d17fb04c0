"""Throw-away certificates for the signing tests (cryptography; nothing leaves the test's folder)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

PASSWORD = "mật-khẩu thử 2024"


@dataclass
class ThrowawayCert:
    p12: Path            # PKCS#12: key, certificate (and the CA certificate, if any)
    cert_pem: Path       # the signer's certificate
    root_pem: Path       # what to trust: the CA's certificate, or the self-signed certificate
    common_name: str
    password: str


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "UBND xã thử nghiệm"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _usage(signer: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=signer, content_commitment=signer, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=not signer,
                         crl_sign=not signer, encipher_only=False, decipher_only=False)


def make_cert(folder: Path, cn: str = "UBND xã Thử Nghiệm", password: str = PASSWORD,
              with_ca: bool = False, days: tuple[int, int] = (-1, 365)) -> ThrowawayCert:
    """A self-signed signer certificate (or one issued by a throw-away CA) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    issuer_key, issuer_name, cas = key, _name(cn), []
    if with_ca:
        issuer_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        issuer_name = _name("CA thử nghiệm tỉnh")
        ca = (x509.CertificateBuilder().subject_name(issuer_name).issuer_name(issuer_name)
              .public_key(issuer_key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - dt.timedelta(days=2)).not_valid_after(now + dt.timedelta(days=3650))
              .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
              .add_extension(_usage(False), critical=True)
              .sign(issuer_key, hashes.SHA256()))
        cas = [ca]
    cert = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(issuer_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now + dt.timedelta(days=days[0]))
            .not_valid_after(now + dt.timedelta(days=days[1]))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(True), critical=True)
            .sign(issuer_key, hashes.SHA256()))
    p12 = folder / "signer.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(
        name=cn.encode(), key=key, cert=cert, cas=cas or None,
        encryption_algorithm=serialization.BestAvailableEncryption(password.encode())))
    pem = folder / "signer.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    root = pem
    if cas:
        root = folder / "ca.pem"
        root.write_bytes(cas[0].public_bytes(serialization.Encoding.PEM))
    return ThrowawayCert(p12, pem, root, cn, password)
