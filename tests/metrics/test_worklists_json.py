"""The worklist pages are written without a model per item (``WorklistPage.as_json``):
their bytes must be those ``Worklist`` itself writes, for both lists, with and without personal
data, apologies on time and late, open steps with and without a handler, totals and cursors, and
instants that fall between whole hours."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
import tests.dossiers.conftest as dossier_fixtures
from tests.dossiers.conftest import Headers
from tests.factories import World
from tests.metrics.test_worklists import URL, apologize_d1, build

from onestop.auth.service_common import principal_for
from onestop.metrics.worklists import service as worklists_service
from onestop.metrics.worklists.query import Filters

world = dossier_fixtures.world
auth = dossier_fixtures.auth

AS_OF = [
    "2026-03-11T10:00:00+07:00",
    "2026-03-11T10:07:13.250000+07:00",  # fractions of hours and seconds
    "2026-03-12T09:30:00+07:00",  # after the apology's new appointment: late again
]


@pytest.mark.parametrize("who", ["leader", "manager"])  # with and without personal-data:view
async def test_page_bytes_equal_the_model(
    client: httpx.AsyncClient, world: World, auth: Headers, app: Any, who: str
) -> None:
    s = await build(client, auth)
    await apologize_d1(client, auth, s)
    compared = 0
    for kind, path in (("overdue", "overdue"), ("due_soon", "due-soon")):
        for as_of in AS_OF:
            for limit, total in ((50, False), (1, True)):
                params: dict[str, Any] = {"as_of": as_of, "limit": limit, "total": total}
                resp = await client.get(f"{URL}/{path}", params=params, headers=auth(who))
                assert resp.status_code == 200, resp.text
                async with app.state.sessionmaker() as session:
                    principal = await principal_for(session, "user", world.users[who].id)
                    page = await worklists_service.worklist(
                        session,
                        principal=principal,
                        kind=kind,  # type: ignore[arg-type]
                        filters=Filters(),
                        as_of=dt.datetime.fromisoformat(as_of),
                        limit=limit,
                        cursor=None,
                        total=total,
                    )
                model = page.as_model()
                assert resp.content == model.model_dump_json().encode(), (kind, as_of)
                assert resp.headers["content-type"] == "application/json"
                compared += len(model.items)
    assert compared >= 8  # the pages were not empty
    late = await client.get(f"{URL}/overdue", params={"as_of": AS_OF[2]}, headers=auth(who))
    item = next(i for i in late.json()["items"] if i["code"] == s["D1"])
    assert item["apology"]["status"] == "late" and item["late_again"] is True
