"""The applicant's particulars at intake through the API (the portal's door): CCCD 12 digits or
the old CMND's 9, a Vietnamese phone (kept as typed), an e-mail's syntax, a submission instant
not in the future — each refusal a 422 problem naming the field in ``errors[].loc``, nothing
written; the fast route answers the same."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.dossiers.conftest import Headers, intake_body, table_counts
from tests.factories import World

URL = "/api/v1/dossiers"
APPLICANT = intake_body()["applicant"]


@pytest.mark.parametrize(
    ("field", "value", "kind"),
    [
        ("id_number", "12ab", "id_number_format"),
        ("id_number", "00120300456", "id_number_format"),
        ("phone", "abc-xyz", "phone_format"),
        ("phone", "0123 456 789", "phone_format"),
        ("email", "hang@@mail", "email_format"),
        ("email", "hang@mail", "email_format"),
    ],
)
async def test_bad_particulars_are_a_422_naming_the_field(
    client: httpx.AsyncClient,
    world: World,
    auth: Headers,
    app: Any,
    field: str,
    value: str,
    kind: str,
) -> None:
    before = await table_counts(app)
    resp = await client.post(
        URL, json=intake_body(applicant={**APPLICANT, field: value}), headers=auth("clerk")
    )
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    errors = resp.json()["errors"]
    assert any(e["loc"][-2:] == ["applicant", field] and e["type"] == kind for e in errors), errors
    assert await table_counts(app) == before


async def test_every_bad_particular_at_once(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    bad = {**APPLICANT, "id_number": "12ab", "phone": "abc-xyz", "email": "hang@@mail"}
    resp = await client.post(URL, json=intake_body(applicant=bad), headers=auth("clerk"))
    assert resp.status_code == 422
    fields = {tuple(e["loc"][-2:]) for e in resp.json()["errors"]}
    assert {("applicant", "id_number"), ("applicant", "phone"), ("applicant", "email")} <= fields
    detail = " ".join(e["msg"] for e in resp.json()["errors"])
    assert "CCCD" in detail and "CMND" in detail  # the 9-digit CMND is named as accepted


async def test_particulars_as_written_are_kept(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    applicant = {
        **APPLICANT,
        "id_number": "001 203 004 567",
        "phone": "+84 912 345 678",
        "email": "nguyen.an@mail.gov.vn",
    }
    resp = await client.post(URL, json=intake_body(applicant=applicant), headers=auth("clerk"))
    assert resp.status_code == 201, resp.text
    shown = resp.json()["applicant"]
    assert shown["id_number"] == "001203004567"  # the digits of the CCCD
    assert shown["phone"] == "+84 912 345 678"  # kept as typed (docs/rules.md §15)
    cmnd = await client.post(
        URL,
        json=intake_body(applicant={**APPLICANT, "id_number": "123456789"}),
        headers=auth("clerk"),
    )
    assert cmnd.status_code == 201, cmnd.text


async def test_an_organisation_number_is_not_a_cccd(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    org = {"name": "Công ty TNHH Một Cửa", "kind": "organisation", "id_number": "0101234567-001"}
    resp = await client.post(URL, json=intake_body(applicant=org), headers=auth("clerk"))
    assert resp.status_code == 201, resp.text


async def test_a_submission_in_the_future_is_refused(
    client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    body = intake_body(channel="postal", submitted_at="2030-01-01T08:00:00+07:00")
    resp = await client.post(URL, json=body, headers=auth("clerk"))
    assert resp.status_code == 422, resp.text
    assert any(
        e["loc"] == ["body", "submitted_at"] and e["type"] == "future_instant"
        for e in resp.json()["errors"]
    )


def test_phone_forms() -> None:
    from onestop.dossiers.schemas import phone_e164, phone_national

    assert phone_national("+84 912.345.678") == "0912345678"
    assert phone_national("84912345678") == "0912345678"
    assert phone_national("0238 3844 555") == "02383844555"
    assert phone_e164("0912 345 678") == "+84912345678"
