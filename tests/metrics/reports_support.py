"""Shared helpers of the report tests: drive dossiers through the API to a chosen end,
follow drill-down links, count rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from sqlalchemy import func, select
from tests.dossiers.conftest import Headers, act, create, set_clock

URL = "/api/v1/reports"
JUSTICE = "000.00.10.H99"
CONSTRUCTION = "000.00.11.H99"
COMMUNE_A = "000.01.20.H99"
ROOT = "000.00.00.H99"


@dataclass
class Made:
    code: str
    secret: str
    data: dict[str, Any]


async def receive(client: httpx.AsyncClient, auth: Headers, when: str, **over: Any) -> Made:
    """Counter intake at ``when`` (local time) by the centre's clerk (procedure 2.000908 →
    Sở Tư pháp, 1 working day, unless ``procedure`` says otherwise)."""
    set_clock(when)
    clerk = over.pop("clerk", "clerk")
    data = await create(client, auth(clerk), **over)
    return Made(data["code"], data["lookup_secret"], data)


async def to_processing(client: httpx.AsyncClient, auth: Headers, m: Made) -> None:
    if m.data["status"] == 1:  # online or postal: accepted first
        await act(client, auth("clerk"), m.code, "accept")
        m.data["status"] = 2
    unit = m.data["competent_unit"]["code"]
    body = {} if m.data["procedure"]["code"] == "2.000908" else {"to_unit": unit}
    await act(client, auth("clerk"), m.code, "transfer", body)


def officer_of(m: Made) -> str:
    return {JUSTICE: "officer", CONSTRUCTION: "officer_b"}[m.data["competent_unit"]["code"]]


async def finish(client: httpx.AsyncClient, auth: Headers, m: Made, when: str) -> dict[str, Any]:
    """Finish at ``when``; past the due instant, the justice leader apologises first."""
    moment = set_clock(when)
    resp = await client.post(
        f"/api/v1/dossiers/{m.code}/finish", json={}, headers=auth(officer_of(m))
    )
    if resp.status_code == 409 and resp.json()["type"] == "/problems/apology-required":
        await apologize(client, auth, m, moment)
        resp = await client.post(
            f"/api/v1/dossiers/{m.code}/finish", json={}, headers=auth(officer_of(m))
        )
    assert resp.status_code == 200, resp.text
    data: dict[str, Any] = resp.json()
    return data


async def apologize(client: httpx.AsyncClient, auth: Headers, m: Made, moment: dt.datetime) -> None:
    day = moment.date() + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    new = dt.datetime.combine(day, dt.time(9), tzinfo=moment.tzinfo)
    body = {"reason": "Cần xác minh thêm", "new_appointment_at": new.isoformat()}
    await act(client, auth("leader"), m.code, "apologize", body)


async def supplement(
    client: httpx.AsyncClient,
    auth: Headers,
    m: Made,
    asked: str,
    back: str | None,
    override: bool = False,
) -> None:
    set_clock(asked)
    body: dict[str, Any] = {"items": ["Bản sao giấy khai sinh"], "reason": "Thiếu giấy tờ"}
    who = officer_of(m)
    if override:
        body["override_reason"] = "Cần bổ sung thêm văn bản xác minh"
        who = "leader"
    await act(client, auth(who), m.code, "request-supplement", body)
    if back is not None:
        set_clock(back)
        await act(client, auth("clerk"), m.code, "supplement-received", {})


async def processed(
    client: httpx.AsyncClient, auth: Headers, received: str, finished: str | None, **over: Any
) -> Made:
    m = await receive(client, auth, received, **over)
    await to_processing(client, auth, m)
    if finished is not None:
        await finish(client, auth, m, finished)
    return m


def query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


async def follow(client: httpx.AsyncClient, headers: dict[str, str], url: str) -> list[str]:
    """Every dossier code of a drill-down link, across pages (small pages to test the cursor)."""
    codes: list[str] = []
    sep = "&" if "?" in url else "?"
    nxt: str | None = f"{url}{sep}limit=2"
    while nxt is not None:
        resp = await client.get(nxt, headers=headers)
        assert resp.status_code == 200, resp.text
        page = resp.json()
        codes += [item.get("code") or item.get("dossier_code") for item in page["items"]]
        nxt = f"{url}{sep}limit=2&cursor={page['next_cursor']}" if page["next_cursor"] else None
    assert len(codes) == len(set(codes))
    return codes


async def rows_of(app: Any, model: Any) -> int:
    async with app.state.sessionmaker() as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())
