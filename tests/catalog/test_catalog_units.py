"""Units: the organisation tree, its filters and paging, and every rejected write."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from tests.catalog.helpers import Unchanged, assert_problem
from tests.factories import World

from onestop.auth.models import AuditEntry
from onestop.catalog.models import Unit

ROOT = "000.00.00.H99"
JUSTICE = "000.00.10.H99"
CONSTRUCTION = "000.00.11.H99"
COMMUNE_A = "000.01.20.H99"
ALL_CODES = [ROOT, "000.00.01.H99", JUSTICE, CONSTRUCTION, COMMUNE_A, "000.01.21.H99"]


async def _paths(app: Any) -> dict[str, str]:
    async with app.state.sessionmaker() as s:
        return {u.code: u.path for u in (await s.execute(select(Unit))).scalars()}


async def _audit(app: Any, action: str) -> list[AuditEntry]:
    async with app.state.sessionmaker() as s:
        rows = await s.execute(select(AuditEntry).where(AuditEntry.action == action))
        return list(rows.scalars())


async def _create(
    client: httpx.AsyncClient, headers: dict[str, str], **body: Any
) -> httpx.Response:
    payload = {"code": "000.01.30.H99", "name": "UBND xã Tân Phú", "level": "commune"}
    payload.update(body)
    return await client.post("/api/v1/units", json=payload, headers=headers)


# ------------------------------------------------------------------------------------------ reads


async def test_reads_need_a_token(client: httpx.AsyncClient, world: World) -> None:
    assert_problem(await client.get("/api/v1/units"), 401)
    assert_problem(await client.get(f"/api/v1/units/{ROOT}"), 401)


async def test_list_pages_through_every_unit_in_code_order(
    client: httpx.AsyncClient, clerk: dict[str, str]
) -> None:
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(5):
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        resp = await client.get("/api/v1/units", params=params, headers=clerk)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert len(body["items"]) <= 2
        seen += [u["code"] for u in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == ALL_CODES


async def test_list_filters(client: httpx.AsyncClient, clerk: dict[str, str]) -> None:
    async def codes(**params: Any) -> list[str]:
        resp = await client.get("/api/v1/units", params=params, headers=clerk)
        assert resp.status_code == 200, resp.text
        return [u["code"] for u in resp.json()["items"]]

    assert await codes(parent=ROOT) == ALL_CODES[1:]
    assert await codes(level="commune") == [COMMUNE_A, "000.01.21.H99"]
    assert await codes(level="department", parent=ROOT) == [JUSTICE, CONSTRUCTION]
    assert await codes(q="Sở") == [JUSTICE, CONSTRUCTION]
    assert await codes(q="01.2") == [COMMUNE_A, "000.01.21.H99"]
    assert await codes(province="h99") == ALL_CODES
    assert await codes(province="H01") == []
    assert await codes(q="%") == []  # wildcards are literal characters


async def test_list_rejects_bad_cursor_and_unknown_parent(
    client: httpx.AsyncClient, clerk: dict[str, str]
) -> None:
    resp = await client.get("/api/v1/units", params={"cursor": "!!not-a-cursor"}, headers=clerk)
    assert_problem(resp, 422)
    resp = await client.get("/api/v1/units", params={"parent": "000.00.99.H99"}, headers=clerk)
    assert "000.00.99.H99" in assert_problem(resp, 404, "unknown-unit")["detail"]
    resp = await client.get("/api/v1/units", params={"limit": 0}, headers=clerk)
    assert_problem(resp, 422)


async def test_tree_nests_children(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    assert (
        await _create(
            client,
            admin,
            code="000.10.01.H99",
            level="centre",
            parent_code=JUSTICE,
            name="Phòng Công chứng số 1",
        )
    ).status_code == 201
    resp = await client.get("/api/v1/units", params={"tree": "true"}, headers=admin)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["next_cursor"] is None
    [root] = body["items"]
    assert root["code"] == ROOT and root["parent_code"] is None
    assert [c["code"] for c in root["children"]] == ALL_CODES[1:]
    justice = next(c for c in root["children"] if c["code"] == JUSTICE)
    assert [c["code"] for c in justice["children"]] == ["000.10.01.H99"]
    assert justice["children"][0]["children"] == []

    resp = await client.get(
        "/api/v1/units", params={"tree": "true", "parent": JUSTICE}, headers=admin
    )
    assert [n["code"] for n in resp.json()["items"]] == ["000.10.01.H99"]
    resp = await client.get("/api/v1/units", params={"tree": "true", "q": "x"}, headers=admin)
    assert_problem(resp, 422, "invalid-filter")


async def test_unit_detail(client: httpx.AsyncClient, clerk: dict[str, str]) -> None:
    resp = await client.get(f"/api/v1/units/{JUSTICE}", headers=clerk)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["parent"] == {"code": ROOT, "name": "UBND tỉnh Thử Nghiệm", "level": "province"}
    assert body["children"] == []
    assert body["province"] == "H99"
    assert body["working_hours"] == {
        "spec": "07:00-11:30,13:30-17:00",
        "sessions": [
            {"start": "07:00", "end": "11:30"},
            {"start": "13:30", "end": "17:00"},
        ],
        "hours_per_day": 8,
    }
    root = (await client.get(f"/api/v1/units/{ROOT}", headers=clerk)).json()
    assert root["parent"] is None and [c["code"] for c in root["children"]] == ALL_CODES[1:]
    resp = await client.get("/api/v1/units/000.00.99.H99", headers=clerk)
    assert_problem(resp, 404, "unknown-unit")


# ---------------------------------------------------------------------------------------- create


async def test_create_unit_inherits_province_and_hours_and_is_audited(
    app: Any, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    resp = await _create(client, admin, parent_code=ROOT, has_counter=True, address="Ấp 3")
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["code"] == "000.01.30.H99" and body["parent_code"] == ROOT
    assert body["province"] == "H99" and body["hours"] == "07:00-11:30,13:30-17:00"
    assert body["has_counter"] is True and body["due_soon_days"] == 1
    paths = await _paths(app)
    assert paths["000.01.30.H99"].startswith(paths[ROOT]) and paths["000.01.30.H99"].endswith("/")
    [entry] = await _audit(app, "unit.create")
    assert entry.actor == "user:admin" and entry.object_id == "000.01.30.H99"
    listed = await client.get("/api/v1/units", params={"parent": ROOT}, headers=admin)
    assert "000.01.30.H99" in [u["code"] for u in listed.json()["items"]]


async def test_create_accepts_ministry_style_code_and_own_hours(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    resp = await _create(
        client,
        admin,
        code="G09.20",
        level="ministry",
        name="Bộ Tư pháp",
        province=None,
        hours="07:30-11:30, 13:30-17:30",
    )
    assert resp.status_code == 201, resp.text
    assert resp.json()["hours"] == "07:30-11:30,13:30-17:30"
    assert resp.json()["parent_code"] is None and resp.json()["province"] is None


async def test_create_rejects_bad_input_and_writes_nothing(
    app: Any, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    async with Unchanged(app):
        resp = await _create(
            client, admin, parent_code=ROOT, level="district", name="UBND huyện Cũ"
        )
        body = assert_problem(resp, 422, "district-level-abolished")
        assert "01/07/2025" in body["detail"] and "district" in body["detail"]

        assert_problem(await _create(client, admin, level="ward"), 422, "invalid-level")
        resp = await _create(client, admin, parent_code=ROOT, hours="07:00-11:00,13:00-16:00")
        body = assert_problem(resp, 422, "invalid-working-hours")
        assert "8 hours" in body["detail"]
        resp = await _create(client, admin, parent_code=ROOT, hours="7h-17h")
        assert_problem(resp, 422, "invalid-working-hours")
        for bad_code in ("000 01 30 H99", "", " ", ".H99", "x" * 41):
            assert_problem(await _create(client, admin, code=bad_code), 422, "invalid-input")
        assert_problem(await _create(client, admin, name="  "), 422)
        assert_problem(
            await _create(client, admin, parent_code="000.09.99.H99"), 404, "unknown-unit"
        )
        resp = await _create(client, admin, code=JUSTICE, parent_code=ROOT)
        assert JUSTICE in assert_problem(resp, 409, "duplicate-unit")["detail"]
        # wrong types, unexpected fields, missing fields, malformed JSON
        assert_problem(await _create(client, admin, name=123), 422, "invalid-input")
        assert_problem(await _create(client, admin, has_counter="maybe"), 422)
        assert_problem(await _create(client, admin, due_soon_days="soon"), 422)
        resp = await _create(client, admin, parent_code=ROOT, path="/1/")
        body = assert_problem(resp, 422, "invalid-input")
        assert body["errors"][0]["type"] == "extra_forbidden"
        resp = await client.post("/api/v1/units", json={"code": "000.01.30.H99"}, headers=admin)
        assert_problem(resp, 422)
        resp = await client.post(
            "/api/v1/units",
            content=b'{"code": "000.01.30.H99", "name": ',
            headers={**admin, "Content-Type": "application/json"},
        )
        assert_problem(resp, 400, "malformed-json")
        resp = await client.post("/api/v1/units", json=[1, 2], headers=admin)
        assert_problem(resp, 422)


async def test_create_needs_the_right_and_the_scope(
    app: Any,
    client: httpx.AsyncClient,
    clerk: dict[str, str],
    justice_admin: dict[str, str],
) -> None:
    async with Unchanged(app):
        resp = await _create(client, clerk, parent_code=ROOT)
        body = assert_problem(resp, 403, "missing-right")
        assert body["right"] == "catalog:write" and "catalog:write" in body["detail"]
        resp = await _create(client, justice_admin, parent_code=CONSTRUCTION)
        body = assert_problem(resp, 403, "outside-unit-scope")
        assert "justice_admin" in body["detail"]
        assert_problem(await _create(client, justice_admin), 403, "outside-unit-scope")
        assert_problem(await _create(client, {}, parent_code=ROOT), 401)
    resp = await _create(
        client,
        justice_admin,
        parent_code=JUSTICE,
        level="centre",
        code="000.10.02.H99",
        name="Trung tâm Trợ giúp pháp lý",
    )
    assert resp.status_code == 201, resp.text


# ----------------------------------------------------------------------------------------- patch


async def _subtree(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    """A (under Sở Tư pháp) → B → C."""
    for code, parent in (("A.1", JUSTICE), ("A.1.B", "A.1"), ("A.1.B.C", "A.1.B")):
        resp = await _create(
            client, admin, code=code, parent_code=parent, level="centre", name=f"Đơn vị {code}"
        )
        assert resp.status_code == 201, resp.text


async def test_patch_changes_fields_and_is_audited(
    app: Any, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    resp = await client.patch(
        f"/api/v1/units/{COMMUNE_A}",
        json={
            "name": "UBND xã An Bình Mới",
            "hours": "07:30-11:30,13:00-17:00",
            "due_soon_days": 2,
            "address": None,
        },
        headers=admin,
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["name"] == "UBND xã An Bình Mới" and body["hours"] == "07:30-11:30,13:00-17:00"
    assert body["due_soon_days"] == 2 and body["parent_code"] == ROOT
    [entry] = await _audit(app, "unit.update")
    assert entry.detail["name"] == ["UBND xã An Bình", "UBND xã An Bình Mới"]
    assert entry.detail["due_soon_days"][1] == "2"
    assert "address" not in entry.detail  # unchanged fields are not recorded


async def test_reparent_rewrites_the_subtree_paths(
    app: Any, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await _subtree(client, admin)
    before = await _paths(app)
    resp = await client.patch("/api/v1/units/A.1", json={"parent_code": COMMUNE_A}, headers=admin)
    assert resp.status_code == 200, resp.text
    assert resp.json()["parent"]["code"] == COMMUNE_A
    after = await _paths(app)
    a_id = before["A.1"].rstrip("/").rsplit("/", 1)[1]
    assert after["A.1"] == f"{after[COMMUNE_A]}{a_id}/"
    assert after["A.1.B"] == after["A.1"] + before["A.1.B"][len(before["A.1"]) :]
    assert after["A.1.B.C"] == after["A.1.B"] + before["A.1.B.C"][len(before["A.1.B"]) :]
    for code in ALL_CODES:  # nothing outside the subtree moved
        assert after[code] == before[code]
    [entry] = await _audit(app, "unit.update")
    assert entry.detail == {"parent_code": COMMUNE_A}
    # the moved subtree is found below its new parent
    tree = await client.get(
        "/api/v1/units", params={"tree": "true", "parent": COMMUNE_A}, headers=admin
    )
    [a] = tree.json()["items"]
    assert a["code"] == "A.1" and a["children"][0]["children"][0]["code"] == "A.1.B.C"
    # and can be made a root again
    resp = await client.patch("/api/v1/units/A.1.B", json={"parent_code": None}, headers=admin)
    assert resp.status_code == 200, resp.text
    paths = await _paths(app)
    b_id = before["A.1.B"].rstrip("/").rsplit("/", 1)[1]
    assert paths["A.1.B"] == f"/{b_id}/" and paths["A.1.B.C"].startswith(f"/{b_id}/")


async def test_reparent_refuses_a_cycle(
    app: Any, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await _subtree(client, admin)
    async with Unchanged(app):
        for new_parent in ("A.1.B.C", "A.1.B", "A.1"):
            resp = await client.patch(
                "/api/v1/units/A.1", json={"parent_code": new_parent}, headers=admin
            )
            body = assert_problem(resp, 422, "unit-cycle")
            assert "A.1" in body["detail"] and new_parent in body["detail"]
        # a cycle through the root too
        resp = await client.patch(
            f"/api/v1/units/{ROOT}", json={"parent_code": "A.1.B.C"}, headers=admin
        )
        assert_problem(resp, 422, "unit-cycle")


async def test_patch_rejects_bad_input_and_writes_nothing(
    app: Any, client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    url = f"/api/v1/units/{COMMUNE_A}"
    async with Unchanged(app):
        assert_problem(
            await client.patch(url, json={"level": "district"}, headers=admin),
            422,
            "district-level-abolished",
        )
        assert_problem(await client.patch(url, json={"name": None}, headers=admin), 422)
        assert_problem(await client.patch(url, json={"code": "X.1"}, headers=admin), 422)
        assert_problem(
            await client.patch(url, json={"hours": "07:00-17:00"}, headers=admin),
            422,
            "invalid-working-hours",
        )
        assert_problem(await client.patch(url, json={"is_active": "no"}, headers=admin), 422)
        resp = await client.patch(url, json={"parent_code": "000.09.99.H99"}, headers=admin)
        assert_problem(resp, 404, "unknown-unit")
        resp = await client.patch("/api/v1/units/000.09.99.H99", json={"name": "X"}, headers=admin)
        assert_problem(resp, 404, "unknown-unit")
        resp = await client.patch(
            url, content=b"{nope", headers={**admin, "Content-Type": "application/json"}
        )
        assert_problem(resp, 400, "malformed-json")
        # a rename followed by an invalid re-parent in the same request writes nothing at all
        resp = await client.patch(
            url, json={"name": "Đổi tên", "parent_code": COMMUNE_A}, headers=admin
        )
        assert_problem(resp, 422, "unit-cycle")


async def test_patch_outside_the_admins_subtree_is_forbidden(
    app: Any,
    client: httpx.AsyncClient,
    admin: dict[str, str],
    clerk: dict[str, str],
    justice_admin: dict[str, str],
) -> None:
    await _subtree(client, admin)
    async with Unchanged(app):
        resp = await client.patch(
            f"/api/v1/units/{CONSTRUCTION}", json={"name": "Sở XD"}, headers=justice_admin
        )
        body = assert_problem(resp, 403, "outside-unit-scope")
        assert CONSTRUCTION in body["detail"]
        # moving a unit of its own subtree out of it is forbidden too
        resp = await client.patch(
            "/api/v1/units/A.1.B", json={"parent_code": CONSTRUCTION}, headers=justice_admin
        )
        assert_problem(resp, 403, "outside-unit-scope")
        resp = await client.patch(
            "/api/v1/units/A.1", json={"parent_code": None}, headers=justice_admin
        )
        assert_problem(resp, 403, "outside-unit-scope")
        resp = await client.patch(f"/api/v1/units/{COMMUNE_A}", json={"name": "X"}, headers=clerk)
        assert assert_problem(resp, 403, "missing-right")["right"] == "catalog:write"
    resp = await client.patch(
        "/api/v1/units/A.1.B.C", json={"parent_code": "A.1"}, headers=justice_admin
    )
    assert resp.status_code == 200, resp.text
