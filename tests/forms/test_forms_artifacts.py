"""First page of every form as a PNG under test-artifacts/forms/ (gitignored) for a person to
look at, and a check that no ink falls outside the A4 margins (top/right/bottom/left 20/15/20/30 mm;
the landscape register 20/15/15/15)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from tests.forms.samples import poppler

from onestop.forms import FORMS

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "forms"
DPI = 80
MM = DPI / 25.4
# (top, right, bottom, left) in mm
MARGINS = {"07": (20, 15, 15, 15)}
DEFAULT_MARGINS = (20, 15, 20, 30)


def _ink_box(path: Path) -> tuple[int, int, int, int]:
    image = Image.open(path).convert("L").point(lambda v: 255 if v < 128 else 0)
    box = image.getbbox()
    assert box is not None, "blank page"
    return box


@pytest.mark.parametrize("form", list(FORMS))
def test_first_page_png_artifact_and_margins(rendered: dict[str, Path], form: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = ARTIFACTS / f"form{form}"
    poppler(
        "pdftoppm",
        "-r",
        str(DPI),
        "-png",
        "-f",
        "1",
        "-l",
        "1",
        "-singlefile",
        str(rendered[form]),
        str(stem),
    )
    png = stem.with_suffix(".png")
    assert png.stat().st_size > 5_000
    width, height = Image.open(png).size
    assert (width > height) == (form == "07")
    top, right, bottom, left = MARGINS.get(form, DEFAULT_MARGINS)
    x0, y0, x1, y1 = _ink_box(png)
    slack = 2  # pixels of anti-aliasing
    assert x0 >= left * MM - slack
    assert y0 >= top * MM - slack
    assert x1 <= width - right * MM + slack
    assert y1 <= height - bottom * MM + slack
