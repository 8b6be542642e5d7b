"""Fixtures for the forms tests: every sample form rendered once."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.forms.samples import SAMPLES

from onestop.forms import render_pdf


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every sample form rendered once to a PDF file."""
    folder = tmp_path_factory.mktemp("forms")
    paths: dict[str, Path] = {}
    for form, context in SAMPLES.items():
        path = folder / f"form{form}.pdf"
        path.write_bytes(render_pdf(form, context))
        paths[form] = path
    return paths
