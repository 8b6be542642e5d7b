"""Fixtures of the signing tests: a test CA (root → the centre's certificate, an expired one, one
of another unit), the key folder and trust folder the app is configured with, and the dossier
tests' province and tokens."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
import tests.dossiers.conftest as dossier_fixtures
from tests.signing.ca import Issued, TestCA, install, trust

from onestop.core.settings import Settings

world = dossier_fixtures.world  # the fixtures of the dossier tests
auth = dossier_fixtures.auth

CENTRE = "000.00.01.H99"  # receives at the counter: Form 01 is its
CENTRE_NAME = "Trung tâm Phục vụ hành chính công tỉnh"
CONSTRUCTION_NAME = "Sở Xây dựng"


@pytest.fixture(scope="session")
def ca() -> TestCA:
    return TestCA()


@pytest.fixture(scope="session")
def centre_cert(ca: TestCA) -> Issued:
    return ca.issue(CENTRE_NAME.upper(), CENTRE_NAME)  # CN in capitals, as CAs print it


@pytest.fixture(scope="session")
def expired_cert(ca: TestCA) -> Issued:
    return ca.issue(
        CENTRE_NAME,
        CENTRE_NAME,
        valid_from=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        valid_until=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    )


@pytest.fixture(scope="session")
def other_unit_cert(ca: TestCA) -> Issued:
    return ca.issue(CONSTRUCTION_NAME, CONSTRUCTION_NAME)


@pytest.fixture
def key_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "keys"
    folder.mkdir()
    return folder


@pytest.fixture
def trust_folder(tmp_path: Path, ca: TestCA) -> Path:
    folder = tmp_path / "trust"
    trust(folder, ca)
    return folder


@pytest.fixture
def settings(settings: Settings, key_folder: Path, trust_folder: Path) -> Settings:
    """The app signs with the keys of ``key_folder`` and trusts the test CA."""
    return settings.model_copy(
        update={"signing_dir": str(key_folder), "signing_trust_dir": str(trust_folder)}
    )


@pytest.fixture
def centre_signs(key_folder: Path, centre_cert: Issued) -> Issued:
    install(key_folder, CENTRE, centre_cert)
    return centre_cert


def pdf_text(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "signed.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())
