"""A throwaway certification authority for the signing tests, bench and browser test: a root CA
and the certificates it issues to units (PKCS#12 files, as a unit would be given)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PASSWORD = "mat-khau-thu-nghiem"
#: Long enough to cover the tests' frozen clock (2026-03-10) and the machine's own date.
VALID_FROM = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
VALID_UNTIL = dt.datetime(2031, 1, 1, tzinfo=dt.UTC)


def _name(common_name: str, organisation: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if organisation:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attrs)


def _usage(*, signer: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signer,
        content_commitment=signer,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not signer,
        crl_sign=not signer,
        encipher_only=False,
        decipher_only=False,
    )


@dataclass
class Issued:
    cert: x509.Certificate
    key: rsa.RSAPrivateKey
    chain: list[x509.Certificate]

    def p12(self, password: str = PASSWORD) -> bytes:
        return pkcs12.serialize_key_and_certificates(
            b"unit",
            self.key,
            self.cert,
            self.chain,
            serialization.BestAvailableEncryption(password.encode()),
        )


class TestCA:
    __test__ = False  # not a test class

    def __init__(self, name: str = "CA Thử nghiệm onestop") -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        subject = _name(name, "onestop thử nghiệm")
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(VALID_FROM - dt.timedelta(days=3650))
            .not_valid_after(VALID_UNTIL + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_usage(signer=False), critical=True)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False
            )
            .sign(self.key, hashes.SHA256())
        )

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def issue(
        self,
        common_name: str,
        organisation: str | None = None,
        *,
        valid_from: dt.datetime = VALID_FROM,
        valid_until: dt.datetime = VALID_UNTIL,
        time_stamping: bool = False,
    ) -> Issued:
        """A unit's signing certificate (or, ``time_stamping``, a time-stamping authority's)."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name, organisation))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(valid_from)
            .not_valid_after(valid_until)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(signer=True), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
        )
        if time_stamping:
            usage = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING])
            builder = builder.add_extension(usage, critical=True)
        cert = builder.sign(self.key, hashes.SHA256())
        return Issued(cert, key, [self.cert])


def install(folder: Path, unit_code: str, issued: Issued, password: str = PASSWORD) -> None:
    """``<unit code>.p12`` and ``<unit code>.pass`` in ``folder``, as an operator would."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{unit_code}.p12").write_bytes(issued.p12(password))
    (folder / f"{unit_code}.pass").write_text(password + "\n")


def trust(folder: Path, ca: TestCA) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ca-thu-nghiem.pem").write_bytes(ca.pem())
