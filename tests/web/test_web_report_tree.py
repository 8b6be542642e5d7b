"""The report pages' unit tree (on-time, satisfaction): the report unit's children first, each
row rolled up over its subtree; a unit row expands to its child units (an htmx branch, or the
page again without scripts) with the same figures as the JSON report."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from tests.dossiers.conftest import Headers, act, set_clock
from tests.factories import World, add_procedure, add_unit, add_user
from tests.metrics.reports_support import ROOT, processed, receive
from tests.web.conftest import HX, web_login
from tests.web.test_web_reports import listed

DISTRICT = "000.02.00.H99"
COMMUNE = "000.02.30.H99"
PERIOD = {"ky": "custom", "tu": "2026-03-01", "den": "2026-03-31"}


async def deeper_tree(app: Any, world: World) -> None:
    """A district under the province, a commune under it with its own clerk, officer and
    procedure."""
    async with app.state.sessionmaker() as s:
        district = await add_unit(
            s, DISTRICT, "UBND huyện Sông Xanh", "district", world.units[ROOT]
        )
        commune = await add_unit(
            s, COMMUNE, "UBND xã Bến Đò", "commune", district, has_counter=True
        )
        world.users["clerk_c"] = await add_user(s, "clerk_c", "clerk", commune)
        world.users["officer_c"] = await add_user(s, "officer_c", "officer", commune)
        await add_procedure(
            s,
            "9.000003",
            "Chứng thực chữ ký",
            [commune],
            limit=("1", "working_days"),
            steps=[("Tiếp nhận", "reception", "2"), ("Thẩm định", "competent", "6")],
        )
        await s.commit()


def rows(page: str) -> list[str]:
    return re.findall(r'<tr data-key="([^"]+)"', page)


def figures(page: str, key: str) -> list[int]:
    row = re.search(rf'<tr data-key="{re.escape(key)}".*?</tr>', page, re.S)
    assert row, key
    return [
        int(row.group(0).split(f'data-testid="{b}"')[1].split(">")[1].split("<")[0])
        for b in ("early", "on_time", "late", "finished")
    ]


async def test_unit_rows_expand_to_their_children(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    await deeper_tree(app, world)
    await processed(client, auth, "2026-03-10 09:00", "2026-03-10 15:00")  # Sở Tư pháp
    m = await receive(client, auth, "2026-03-11 09:00", clerk="clerk_c", procedure="9.000003")
    await act(client, auth("clerk_c"), m.code, "transfer")
    set_clock("2026-03-11 15:00")
    await act(client, auth("officer_c"), m.code, "finish")
    set_clock("2026-03-20 10:00")
    await web_login(client, "manager")

    page = await client.get("/web/bao-cao/dung-han", params=PERIOD)
    assert page.status_code == 200
    shown = rows(page.text)
    assert DISTRICT in shown and "000.00.10.H99" in shown and COMMUNE not in shown
    api = await client.get(
        "/api/v1/reports/on-time",
        params={"unit": ROOT, "from": "2026-03-01", "to": "2026-03-31", "group_by": "unit"},
        headers=auth("manager"),
    )
    by_key = {r["key"]: r for r in api.json()["rows"]}
    expected = [by_key[DISTRICT][b] for b in ("early", "on_time", "late", "finished")]
    assert figures(page.text, DISTRICT) == expected and expected[3] == 1  # rolled up
    toggle = re.search(
        r'<a class="tree-toggle" data-testid="tree-toggle" href="([^"]+)" hx-get="([^"]+)"'
        r'[^>]*aria-expanded="false"[^>]*>\s*<span aria-hidden="true">▸</span> UBND huyện',
        page.text,
    )
    assert toggle, page.text
    no_script, branch_url = (t.replace("&amp;", "&") for t in toggle.groups())
    justice = re.search(r'<tr data-key="000.00.10.H99".*?</tr>', page.text, re.S)
    assert justice and 'class="tree-leaf"' in justice.group(0)  # no child units: no toggle

    branch = await client.get(branch_url, headers=HX)
    assert branch.status_code == 200
    assert branch.text.strip().startswith('<tbody class="tree-branch"')
    assert rows(branch.text) == [DISTRICT, COMMUNE]
    assert figures(branch.text, COMMUNE) == [
        by_key[COMMUNE][b] for b in ("early", "on_time", "late", "finished")
    ]
    assert 'aria-expanded="true"' in branch.text
    collapse = re.search(r'hx-get="([^"]+)"', branch.text)
    assert collapse
    again = await client.get(collapse.group(1).replace("&amp;", "&"), headers=HX)
    assert rows(again.text) == [DISTRICT]

    # without scripts: the link reloads the page with the district open
    assert dict(parse_qsl(urlsplit(no_script).query))["mo"] == DISTRICT
    full = await client.get(no_script)
    shown = rows(full.text)
    assert shown.index(COMMUNE) == shown.index(DISTRICT) + 1


async def test_a_branch_outside_the_scope_is_refused(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    await deeper_tree(app, world)
    await web_login(client, "leader")  # Sở Tư pháp only
    resp = await client.get(
        "/web/bao-cao/dung-han/nhanh", params={**PERIOD, "unit": DISTRICT}, headers=HX
    )
    assert resp.status_code == 403
    resp = await client.get(
        "/web/bao-cao/dung-han/nhanh", params={**PERIOD, "unit": "000.00.10.H99", "so": "0"}
    )
    assert resp.status_code == 422


async def test_many_child_units_come_by_level_group_first(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    async with app.state.sessionmaker() as s:
        for i in range(30):
            await add_unit(
                s, f"000.03.{i:02d}.H99", f"UBND xã Thử {i}", "commune", world.units[ROOT]
            )
        await s.commit()
    await processed(client, auth, "2026-03-10 09:00", "2026-03-10 15:00")  # Sở Tư pháp
    set_clock("2026-03-20 10:00")
    await web_login(client, "manager")
    page = await client.get("/web/bao-cao/dung-han", params=PERIOD)
    assert page.status_code == 200
    assert rows(page.text) == ["cap:province", "cap:commune"]  # the groups, in Biểu 06's order
    groups = dict(
        re.findall(
            r'<tr data-key="(cap:[a-z]+)".*?<th[^>]*>.*?</span> ([^<]+)</a>', page.text, re.S
        )
    )
    assert groups == {"cap:province": "Cấp tỉnh (sở, ban, ngành)", "cap:commune": "Cấp xã"}
    province = re.search(r'<tr data-key="cap:province".*?</tr>', page.text, re.S)
    assert province
    # A group's count is a link to its dossiers: the list is as long as the count.
    for key, b in (("cap:province", "finished"), ("cap:commune", "finished")):
        row = re.search(rf'<tr data-key="{key}".*?</tr>', page.text, re.S)
        assert row
        found = re.search(rf'data-testid="group-{b}" href="([^"]+)">(\d+)<', row.group(0))
        assert found, row.group(0)
        assert len(await listed(client, found.group(1).replace("&amp;", "&"))) == int(
            found.group(2)
        )
    assert re.search(r'data-testid="group-finished" href="[^"]+">1<', province.group(0))
    toggle = re.search(r'data-key="cap:commune".*?hx-get="([^"]+)"', page.text, re.S)
    assert toggle
    branch = await client.get(toggle.group(1).replace("&amp;", "&"), headers=HX)
    assert branch.status_code == 200
    shown = rows(branch.text)
    assert shown[0] == "cap:commune" and len(shown) == 1 + 32  # the group, its 32 communes
    assert "000.01.20.H99" in shown and "000.00.10.H99" not in shown
    resp = await client.get(
        "/web/bao-cao/dung-han/nhanh", params={**PERIOD, "unit": ROOT, "cap": "nope"}, headers=HX
    )
    assert resp.status_code == 404


async def test_the_satisfaction_page_has_the_same_tree(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any
) -> None:
    from tests.web.test_web_national_reports import rate

    async with app.state.sessionmaker() as s:
        for i in range(30):
            await add_unit(
                s, f"000.03.{i:02d}.H99", f"UBND xã Thử {i}", "commune", world.units[ROOT]
            )
        await s.commit()
    await rate(client, auth, "khong_hai_long", "Phải chờ lâu")  # Sở Tư pháp's dossier
    set_clock("2026-03-20 10:00")
    await web_login(client, "manager")
    page = await client.get("/web/bao-cao/hai-long", params=PERIOD)
    assert page.status_code == 200
    assert rows(page.text) == ["cap:province", "cap:commune"]
    province = re.search(r'<tr data-key="cap:province".*?</tr>', page.text, re.S)
    assert province and '<span data-testid="group-khong_hai_long">1</span>' in province.group(0)
    toggle = re.search(r'data-key="cap:province".*?hx-get="([^"]+)"', page.text, re.S)
    assert toggle and toggle.group(1).startswith("/web/bao-cao/hai-long/nhanh?")
    branch = await client.get(toggle.group(1).replace("&amp;", "&"), headers=HX)
    assert branch.status_code == 200
    justice = re.search(r'<tr data-key="000.00.10.H99".*?</tr>', branch.text, re.S)
    assert justice, rows(branch.text)
    unhappy = re.search(r'data-testid="khong_hai_long" href="([^"]+)">1<', justice.group(0))
    assert unhappy  # a unit's count links to its ratings
    ratings = await client.get(unhappy.group(1).replace("&amp;", "&"))
    assert ratings.status_code == 200 and "(ẩn)" in ratings.text
    resp = await client.get(
        "/web/bao-cao/hai-long/nhanh", params={**PERIOD, "unit": ROOT, "cap": "nope"}, headers=HX
    )
    assert resp.status_code == 404
