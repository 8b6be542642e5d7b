"""Reading: the list with its filters and scopes, the detail with audited personal data, the
timeline, and the citizen's lookup."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from tests.dossiers.conftest import Headers, act, create, set_clock
from tests.factories import World

from onestop.auth.models import AuditEntry

URL = "/api/v1/dossiers"


async def seed(client: httpx.AsyncClient, auth: Headers) -> dict[str, str]:
    """Five dossiers: centre counter (justice, construction), commune, online, liên thông."""
    codes: dict[str, str] = {}
    codes["centre"] = (await create(client, auth("clerk"), applicant={"name": "Nguyễn Văn An"}))[
        "code"
    ]
    codes["construction"] = (
        await create(
            client, auth("clerk"), procedure="1.005129", applicant={"name": "Trần Thị Bình"}
        )
    )["code"]
    codes["commune"] = (await create(client, auth("clerk_a"), applicant={"name": "Lê Văn Cường"}))[
        "code"
    ]
    codes["online"] = (
        await create(
            client,
            auth("portal"),
            receiving_unit="000.00.01.H99",
            applicant={"name": "Phạm Đức Dũng"},
        )
    )["code"]
    linked = (await create(client, auth("clerk"), applicant={"name": "Hoàng Thị Én"}))["code"]
    await act(client, auth("clerk"), linked, "transfer")
    await act(client, auth("officer"), linked, "transfer", {"to_unit": "000.00.11.H99"})
    codes["linked"] = linked
    return codes


async def listed(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[str]:
    resp = await client.get(URL, params=params, headers=headers)
    assert resp.status_code == 200, resp.text
    return [d["code"] for d in resp.json()["items"]]


async def test_scopes(client: httpx.AsyncClient, world: World, auth: Headers) -> None:
    c = await seed(client, auth)
    everything = {c["centre"], c["construction"], c["commune"], c["online"], c["linked"]}
    assert set(await listed(client, auth("manager"))) == everything
    assert set(await listed(client, auth("admin"))) == everything
    assert set(await listed(client, auth("portal"))) == everything
    assert set(await listed(client, auth("clerk"))) == {
        c["centre"],
        c["construction"],
        c["online"],
        c["linked"],
    }
    assert set(await listed(client, auth("clerk_a"))) == {c["commune"]}
    # officers: competent unit (justice) …
    assert set(await listed(client, auth("officer"))) == {c["centre"], c["online"], c["linked"]}
    # … or a unit that held a step (construction, through liên thông)
    assert set(await listed(client, auth("officer_b"))) == {c["construction"], c["linked"]}


async def test_filters(client: httpx.AsyncClient, world: World, auth: Headers) -> None:
    c = await seed(client, auth)
    m = auth("manager")
    assert await listed(client, m, status=1) == [c["online"]]
    assert set(await listed(client, m, status=[2, 4])) == {
        c["centre"],
        c["construction"],
        c["commune"],
        c["linked"],
    }
    assert await listed(client, m, procedure="1.005129") == [c["construction"]]
    assert await listed(client, m, channel="online") == [c["online"]]
    assert await listed(client, m, unit="000.01.20.H99") == [c["commune"]]
    assert set(await listed(client, m, unit="000.00.10.H99", unit_role="competent")) == {
        c["centre"],
        c["online"],
        c["linked"],
    }
    assert await listed(client, m, unit="000.00.11.H99", unit_role="current") == [c["linked"]]
    assert await listed(client, m, q="nguyen van") == [c["centre"]]  # diacritics folded
    assert await listed(client, m, q="Vũ") == []
    assert await listed(client, m, q=c["commune"]) == [c["commune"]]
    assert await listed(client, m, q="000.01.20") == [c["commune"]]
    assert set(await listed(client, m, received_from="2026-03-10", received_to="2026-03-10")) == {
        c["centre"],
        c["construction"],
        c["commune"],
        c["linked"],
    }
    assert await listed(client, m, received_from="2026-03-11") == []
    assert set(await listed(client, m, due_before="2026-03-12T00:00:00+07:00")) == {
        c["centre"],
        c["commune"],
        c["linked"],
    }
    assert await listed(client, m, overdue="true") == []
    set_clock("2026-03-11 10:00")  # 1-working-day dossiers are now late
    assert set(await listed(client, m, overdue="true")) == {c["centre"], c["commune"], c["linked"]}
    page = (await client.get(URL, params={"overdue": "true"}, headers=m)).json()
    assert all(d["overdue"] for d in page["items"])
    assert set(await listed(client, m, overdue="false")) == {c["construction"], c["online"]}


async def test_cursor_pagination(client: httpx.AsyncClient, world: World, auth: Headers) -> None:
    c = await seed(client, auth)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get(URL, params=params, headers=auth("manager"))).json()
        seen += [d["code"] for d in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5 and set(seen) == set(c.values())
    assert seen[0] == c["linked"]  # newest first


@pytest.mark.parametrize(
    "params",
    [
        {"status": 11},
        {"cursor": "!!!"},
        {"received_from": "2026-03-12", "received_to": "2026-03-10"},
        {"unit": "000.99.99.H99"},
        {"procedure": "9.9"},
        {"due_before": "2026-03-12T00:00:00"},
        {"unit_role": "boss"},
        {"limit": 501},
        {"channel": "fax"},
    ],
)
async def test_bad_filters(
    client: httpx.AsyncClient, world: World, auth: Headers, params: dict[str, Any]
) -> None:
    resp = await client.get(URL, params=params, headers=auth("manager"))
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")


async def audit_rows(app: Any) -> list[AuditEntry]:
    async with app.state.sessionmaker() as s:
        return list(
            (
                await s.execute(select(AuditEntry).where(AuditEntry.action == "view-personal-data"))
            ).scalars()
        )


async def test_personal_data_only_with_the_right_and_audited(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    code = (await create(client, auth("clerk")))["code"]
    d = (await client.get(f"{URL}/{code}", headers=auth("clerk"))).json()
    assert d["applicant"]["id_number"] == "001203004567"
    assert d["applicant"]["address"].startswith("Số 12")
    rows = await audit_rows(app)
    assert [(r.actor, r.object_id) for r in rows] == [("user:clerk", code)]
    # a manager sees the dossier but no personal data, and the name masked
    d = (await client.get(f"{URL}/{code}", headers=auth("manager"))).json()
    assert d["applicant"] is None
    assert d["applicant_name"] == "Nguyễn V*** A*"
    assert len(await audit_rows(app)) == 1
    listing = (await client.get(URL, headers=auth("manager"))).json()["items"]
    assert listing[0]["applicant_name"] == "Nguyễn V*** A*"
    assert "001203004567" not in str(listing)


async def test_outside_scope(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    code = (await create(client, auth("clerk")))["code"]
    for path in (f"{URL}/{code}", f"{URL}/{code}/events"):
        resp = await client.get(path, headers=auth("clerk_a"))
        assert resp.status_code == 404  # as an unknown code: tests/dossiers/test_scope_leaks.py
        assert resp.json()["type"] == "/problems/unknown-dossier"
    assert await audit_rows(app) == []
    assert (await client.get(f"{URL}/nope", headers=auth("clerk"))).status_code == 404
    assert (await client.get(f"{URL}/{code}")).status_code == 401


async def test_public_lookup(client: httpx.AsyncClient, world: World, auth: Headers) -> None:
    data = await create(client, auth("clerk"))
    code, secret = data["code"], data["lookup_secret"]
    resp = await client.get(f"/api/v1/public/dossiers/{code}", params={"secret": secret})
    assert resp.status_code == 200
    body = resp.json()
    assert body["applicant_name"] == "Nguyễn V*** A*"
    assert (body["status"], body["status_label"]) == (2, "Được tiếp nhận")
    assert body["appointment_at"] == "2026-03-11T09:00:00+07:00"
    assert body["collect_at"]["code"] == "000.00.01.H99"
    assert "0912345678" not in resp.text and "001203004567" not in resp.text
    # lower-case secret works too (typed by a citizen)
    assert (
        await client.get(f"/api/v1/public/dossiers/{code}", params={"secret": secret.lower()})
    ).status_code == 200

    def shape(r: httpx.Response) -> tuple[int, Any, Any, Any]:
        j = r.json()
        return r.status_code, j["type"], j["title"], j["detail"]

    wrong = await client.get(f"/api/v1/public/dossiers/{code}", params={"secret": "AAAAAAAAAA"})
    unknown = await client.get("/api/v1/public/dossiers/XYZ-1", params={"secret": secret})
    assert shape(wrong) == shape(unknown)
    assert wrong.status_code == 404
    assert (
        await client.get(f"/api/v1/public/dossiers/{code}")
    ).status_code == 422  # secret required
