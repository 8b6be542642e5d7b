"""A unit's key and certificate in a PKCS#12 file (``.p12``/``.pfx``): the ``Signer`` built now.

The file is read and its key parsed once (``signing.directory`` keeps the signer until the file
changes); pyHanko's own ``SimpleSigner`` re-parses the key on every signature, which for an
RSA-2048 key cost ~40 ms of the ~100 ms a form's signature takes.
"""

from __future__ import annotations

from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.keys.internal import (
    translate_pyca_cryptography_cert_to_asn1,
    translate_pyca_cryptography_key_to_asn1,
)
from pyhanko.sign import signers
from pyhanko.sign.timestamps import TimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from onestop.signing import pades
from onestop.signing.signer import StampInfo


class UnreadableKeyFile(Exception):
    """The PKCS#12 file cannot be opened (damaged, wrong password, no key or no certificate)."""


class _ParsedKeySigner(signers.SimpleSigner):
    """``SimpleSigner`` holding the parsed key (RSA PKCS#1 v1.5 and ECDSA; others fall back)."""

    def __init__(self, key: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "rsassa_pkcs1v15" and isinstance(self._key, RSAPrivateKey):
            return self._key.sign(data, PKCS1v15(), hash_algorithm)
        if mechanism == "ecdsa" and isinstance(self._key, EllipticCurvePrivateKey):
            return self._key.sign(data, ECDSA(hash_algorithm))
        return bytes(super().sign_raw(data, digest_algorithm))


class Pkcs12Signer:
    """Signs with the key of a PKCS#12 archive (the first key and its certificate; the other
    certificates of the archive are the chain embedded in each signature)."""

    def __init__(
        self,
        data: bytes,
        password: bytes | None,
        *,
        font_path: str,
        tsa: TimeStamper | None = None,
    ) -> None:
        try:
            key, cert, others = pkcs12.load_key_and_certificates(data, password)
        except (ValueError, TypeError) as exc:
            raise UnreadableKeyFile(str(exc)) from exc
        if key is None or cert is None:
            raise UnreadableKeyFile("the archive holds no private key or no certificate")
        self._certificate = cert
        self._chain = [c.public_bytes(serialization.Encoding.DER) for c in (cert, *others)]
        store = SimpleCertificateStore()  # type: ignore[no-untyped-call]
        store.register_multiple(translate_pyca_cryptography_cert_to_asn1(c) for c in others)
        self._pyhanko = _ParsedKeySigner(
            key,
            signing_cert=translate_pyca_cryptography_cert_to_asn1(cert),
            signing_key=translate_pyca_cryptography_key_to_asn1(key),
            cert_registry=store,
        )
        self._font_path = font_path
        self._tsa = tsa

    @property
    def certificate(self) -> x509.Certificate:
        return self._certificate

    def sign(self, pdf: bytes, stamp: StampInfo) -> bytes:
        return pades.sign_pdf(
            pdf,
            stamp,
            signer=self._pyhanko,
            chain=self._chain,
            font_path=self._font_path,
            tsa=self._tsa,
        )
