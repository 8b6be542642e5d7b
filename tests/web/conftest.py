"""Fixtures of the web-client tests: the small province of tests/factories.py, bearer tokens for
setting data up through the API, and logging in to the pages with the session cookie."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx
import tests.dossiers.conftest as dossier_fixtures
from sqlalchemy import func, select
from tests.factories import PASSWORD

from onestop.dossiers.models import Dossier, DossierEvent

world = dossier_fixtures.world  # the fixtures of the dossier tests
auth = dossier_fixtures.auth

BASE = "http://onestop.test"  # the base URL of the `client` fixture
ORIGIN = {"Origin": BASE}
HX = {"HX-Request": "true"}


async def web_login(client: httpx.AsyncClient, username: str) -> None:
    resp = await client.post(
        "/web/login", data={"username": username, "password": PASSWORD}, headers=ORIGIN
    )
    assert resp.status_code == 303, resp.text


def visible_text(page: str) -> str:
    """The text a reader sees: tags dropped, entities decoded, white space collapsed."""
    no_tags = re.sub(r"<[^>]+>", " ", page)
    return " ".join(html.unescape(no_tags).split())


async def counts(app: Any) -> tuple[int, int]:
    """(dossiers, dossier events) in the database."""
    async with app.state.sessionmaker() as s:
        dossiers = (await s.execute(select(func.count()).select_from(Dossier))).scalar_one()
        events = (await s.execute(select(func.count()).select_from(DossierEvent))).scalar_one()
    return int(dossiers), int(events)


def intake_form(**over: Any) -> dict[str, Any]:
    """The counter form as a browser posts it (procedure 2.000908 of the test province)."""
    data: dict[str, Any] = {
        "form_token": "tok-1",
        "procedure": "2.000908",
        "competent_unit": "000.00.10.H99",
        "applicant_name": "Nguyễn Văn An",
        "applicant_id_number": "001203004567",
        "applicant_phone": "0912345678",
        "applicant_address": "Số 12 đường Trần Phú",
        "applicant_email": "",
        "documents": ["TP1"],
        "channel": "counter",
        "return_method": "counter",
        "step": "confirm",  # the explicit confirmation after the review
    }
    data.update(over)
    return data


def receipt_code(page: str) -> str:
    found = re.search(r'data-testid="dossier-code">([^<]+)<', page)
    assert found, page
    return found.group(1).strip()
