"""An administrator below the root sees the audit entries and the API clients of their unit's
subtree only, with the same keyset paging as the whole log."""

from __future__ import annotations

from typing import Any

import httpx
from tests.factories import World, add_user, login

AUDIT = "/api/v1/audit"
CLIENTS = "/api/v1/api-clients"
COMMUNE_A = "000.01.20.H99"
JUSTICE = "000.00.10.H99"
#: Accounts and objects of commune A's subtree in the scenario below.
OURS_USERS = {"clerk_a", "commune_admin"}
OURS_CLIENTS = {"kiosk-xa-a"}


def _client_body(client_id: str, units: list[str]) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "name": f"Ứng dụng {client_id}",
        "scopes": ["dossier:submit", "dossier:view"],
        "unit_codes": units,
    }


async def _all_pages(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], limit: int
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        resp = await client.get(url, params=params, headers=headers)
        assert resp.status_code == 200, resp.text
        items += resp.json()["items"]
        cursor = resp.json()["next_cursor"]
        if cursor is None:
            return items


async def _scenario(client: httpx.AsyncClient, app: Any, world: World) -> dict[str, Any]:
    """Entries of commune A and of other units, and its own dossier's code."""
    async with app.state.sessionmaker() as s:
        await add_user(s, "commune_admin", "admin", world.units[COMMUNE_A])
        await s.commit()
    admin = await login(client, "admin")
    for name, units in (("kiosk-xa-a", [COMMUNE_A]), ("so-tu-phap", [JUSTICE])):
        resp = await client.post(CLIENTS, json=_client_body(name, units), headers=admin)
        assert resp.status_code == 201, resp.text
    for username in ("clerk_a", "clerk", "officer"):
        resp = await client.patch(
            f"/api/v1/users/{username}", json={"title": "Tổ trưởng"}, headers=admin
        )
        assert resp.status_code == 200, resp.text
    # a dossier received in commune A, and one at the provincial centre, each read by its clerk
    codes = {}
    for username in ("clerk_a", "clerk"):
        headers = await login(client, username)
        body = {
            "procedure": "2.000908",
            "applicant": {"name": "Nguyễn Văn An", "id_number": "001203004567"},
            "documents": [{"code": "TP1", "quantity": 1}],
        }
        resp = await client.post("/api/v1/dossiers", json=body, headers=headers)
        assert resp.status_code == 201, resp.text
        codes[username] = resp.json()["code"]
        assert (await client.get(f"/api/v1/dossiers/{codes[username]}", headers=headers)).is_success
    day = {"day": "2026-11-24", "kind": "holiday", "source": "Thông báo thử nghiệm"}
    assert (await client.post("/api/v1/calendar/days", json=day, headers=admin)).status_code == 201
    return {"admin": admin, "commune": await login(client, "commune_admin"), "codes": codes}


def _ours(entry: dict[str, Any], dossier: str) -> bool:
    kind, _, name = entry["actor"].partition(":")
    if (kind == "user" and name in OURS_USERS) or (kind == "client" and name in OURS_CLIENTS):
        return True
    return (entry["object_type"], entry["object_id"]) in {
        *(("user", u) for u in OURS_USERS),
        *(("api_client", c) for c in OURS_CLIENTS),
        ("dossier", dossier),
        ("unit", COMMUNE_A),
    }


async def test_a_commune_administrator_sees_its_own_audit_entries(
    client: httpx.AsyncClient, app: Any, world: World
) -> None:
    s = await _scenario(client, app, world)
    everything = await _all_pages(client, AUDIT, s["admin"], 500)
    ours = [e for e in everything if _ours(e, s["codes"]["clerk_a"])]
    assert len(ours) < len(everything)
    seen = await _all_pages(client, AUDIT, s["commune"], 500)
    assert [e["id"] for e in seen] == [e["id"] for e in ours]
    assert {(e["action"], e["object_id"]) for e in seen} >= {
        ("user.update", "clerk_a"),
        ("api_client.create", "kiosk-xa-a"),
        ("view-personal-data", s["codes"]["clerk_a"]),
        ("login.success", "commune_admin"),
    }
    assert s["codes"]["clerk"] not in str(seen) and "so-tu-phap" not in str(seen)
    # keyset paging is unchanged: one entry a page gives the same list
    assert [e["id"] for e in await _all_pages(client, AUDIT, s["commune"], 1)] == [
        e["id"] for e in seen
    ]
    # and the filters still apply inside the scope
    resp = await client.get(AUDIT, params={"object_id": "clerk"}, headers=s["commune"])
    assert resp.json()["items"] == []
    resp = await client.get(AUDIT, params={"object_id": "clerk_a"}, headers=s["commune"])
    assert [e["action"] for e in resp.json()["items"]] == ["login.success", "user.update"]


async def test_a_commune_administrator_sees_its_own_api_clients(
    client: httpx.AsyncClient, app: Any, world: World
) -> None:
    s = await _scenario(client, app, world)
    for extra in ("kiosk-xa-a-2", "kiosk-xa-a-3"):
        resp = await client.post(CLIENTS, json=_client_body(extra, [COMMUNE_A]), headers=s["admin"])
        assert resp.status_code == 201, resp.text
    mixed = _client_body("ca-hai", [COMMUNE_A, JUSTICE])  # granted beyond the commune too
    assert (await client.post(CLIENTS, json=mixed, headers=s["admin"])).status_code == 201
    everything = await _all_pages(client, CLIENTS, s["admin"], 500)
    assert [c["client_id"] for c in everything] == [
        "portal",
        "kiosk-xa-a",
        "so-tu-phap",
        "kiosk-xa-a-2",
        "kiosk-xa-a-3",
        "ca-hai",
    ]
    for limit in (500, 2, 1):
        seen = await _all_pages(client, CLIENTS, s["commune"], limit)
        assert [c["client_id"] for c in seen] == ["kiosk-xa-a", "kiosk-xa-a-2", "kiosk-xa-a-3"]
