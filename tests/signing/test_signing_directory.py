"""Finding a unit's signer in the key folder, and the rules a certificate must meet to sign."""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

import pytest
from tests.signing.ca import Issued, install
from tests.signing.conftest import CENTRE, CENTRE_NAME

from onestop.core.errors import RuleViolation
from onestop.signing.directory import SignerDirectory
from onestop.signing.pkcs12 import UnreadableKeyFile
from onestop.signing.service import belongs_to, check_certificate

AT = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)


def test_a_unit_without_a_file_has_no_signer(tmp_path: Path) -> None:
    directory = SignerDirectory(tmp_path)
    assert directory.signer_for(CENTRE) is None
    assert directory.signer_for("../" + CENTRE) is None  # never a path outside the folder


def test_a_renewed_file_is_picked_up(
    tmp_path: Path, centre_cert: Issued, other_unit_cert: Issued
) -> None:
    directory = SignerDirectory(tmp_path)
    install(tmp_path, CENTRE, centre_cert)
    first = directory.signer_for(CENTRE)
    assert first is not None and first.certificate == centre_cert.cert
    assert directory.signer_for(CENTRE) is first  # kept while the file is unchanged
    install(tmp_path, CENTRE, other_unit_cert)
    renewed = directory.signer_for(CENTRE)
    assert renewed is not None and renewed.certificate == other_unit_cert.cert


def test_passwords_may_live_in_a_folder_of_their_own(tmp_path: Path, centre_cert: Issued) -> None:
    keys, secrets = tmp_path / "keys", tmp_path / "secrets"
    install(keys, CENTRE, centre_cert)
    secrets.mkdir()
    (keys / f"{CENTRE}.pass").rename(secrets / f"{CENTRE}.pass")
    with pytest.raises(UnreadableKeyFile):  # no password beside the key: it cannot be opened
        SignerDirectory(keys).signer_for(CENTRE)
    assert SignerDirectory(keys, password_folder=secrets).signer_for(CENTRE) is not None


def test_the_certificate_must_name_the_unit(centre_cert: Issued, other_unit_cert: Issued) -> None:
    decomposed = unicodedata.normalize("NFD", CENTRE_NAME)  # same name, other Unicode form
    assert belongs_to(centre_cert.cert, "  " + decomposed.lower() + " ")
    assert not belongs_to(other_unit_cert.cert, CENTRE_NAME)
    with pytest.raises(RuleViolation) as refused:
        check_certificate(other_unit_cert.cert, unit_code=CENTRE, unit_name=CENTRE_NAME, at=AT)
    assert refused.value.code == "signing-certificate-not-for-unit"


def test_the_certificate_must_be_in_force(expired_cert: Issued, centre_cert: Issued) -> None:
    check_certificate(centre_cert.cert, unit_code=CENTRE, unit_name=CENTRE_NAME, at=AT)
    with pytest.raises(RuleViolation) as refused:
        check_certificate(expired_cert.cert, unit_code=CENTRE, unit_name=CENTRE_NAME, at=AT)
    assert refused.value.code == "signing-certificate-expired"
    before = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)  # the expired one was in force then
    check_certificate(expired_cert.cert, unit_code=CENTRE, unit_name=CENTRE_NAME, at=before)
