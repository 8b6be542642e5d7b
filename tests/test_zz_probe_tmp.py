from __future__ import annotations
import base64, json
from typing import Any
import httpx
import tests.dossiers.conftest as dc
from tests.dossiers.conftest import create

world = dc.world
auth = dc.auth


def cur(v: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(v).encode()).decode().rstrip("=")


LOW = "0001-01-01T00:00:00+14:00"
HIGH = "9999-12-31T23:59:59-14:00"


async def test_probe(client: httpx.AsyncClient, world: Any, auth: Any) -> None:
    h = auth("admin")
    d = await create(client, auth("clerk"))
    code = d["code"]
    out = []

    async def hit(method: str, url: str, **kw: Any) -> None:
        kw.setdefault("headers", h)
        r = await client.request(method, url, **kw)
        out.append(
            (r.status_code, method, url[:90], str(kw.get("json", kw.get("params", "")))[:80])
        )

    await hit("GET", "/api/v1/dossiers/%00x")
    await hit("GET", "/api/v1/units/%00x")
    await hit("GET", "/api/v1/procedures/%00x")
    await hit("GET", "/api/v1/public/dossiers/a%00b", params={"secret": "x"})
    await hit("GET", f"/api/v1/public/dossiers/{code}", params={"secret": "x\x00"})
    await hit("GET", "/api/v1/dossiers", params={"q": "a\x00"})
    await hit("GET", "/api/v1/units", params={"q": "a\x00"})
    await hit("GET", "/api/v1/reports/overdue", params={"unit": "a\x00"})
    body = dc.intake_body()
    body["applicant"]["name"] = "An\x00"
    await hit("POST", "/api/v1/dossiers", json=body, headers=auth("clerk"))
    body = dc.intake_body(note="x\x00")
    await hit("POST", "/api/v1/dossiers", json=body, headers=auth("clerk"))
    body = dc.intake_body()
    body["applicant"]["address"] = "An\x00"
    await hit("POST", "/api/v1/dossiers", json=body, headers=auth("clerk"))
    for t in (LOW, HIGH):
        await hit(
            "POST",
            "/api/v1/dossiers",
            json=dc.intake_body(submitted_at=t, channel="online"),
            headers=auth("portal"),
        )
        await hit("GET", "/api/v1/dossiers", params={"due_before": t})
        await hit(
            "GET", "/api/v1/calendar/due", params={"start": t, "amount": 1, "unit": "working_days"}
        )
        await hit("GET", "/api/v1/reports/overdue", params={"as_of": t})
        await hit("GET", "/api/v1/reports/due-soon", params={"as_of": t})
        await hit("GET", "/api/v1/reports/overdue", params={"as_of": t, "format": "csv"})
        await hit("GET", "/api/v1/reports/step-warnings", params={"as_of": t})
        await hit("GET", "/api/v1/audit", params={"from": t})
        await hit(
            "POST",
            f"/api/v1/dossiers/{code}/apologize",
            json={"reason": "x", "new_appointment_at": t},
            headers=auth("admin"),
        )
    for dd in ("0001-01-01", "9999-12-31"):
        await hit("GET", "/api/v1/dossiers", params={"received_from": dd})
        await hit("GET", "/api/v1/dossiers", params={"received_to": dd})
        await hit("GET", "/api/v1/reports/on-time", params={"from": dd, "to": dd})
        await hit("GET", "/api/v1/calendar/days", params={"year": dd[:4]})
    for v in (
        [2**63],
        [True],
        ["x\x00"],
        [LOW, 1],
        ["2026-03-10T00:00:00+07:00", 2**63],
        [HIGH, True],
    ):
        c = cur(v)
        for url in (
            "/api/v1/dossiers",
            "/api/v1/units",
            "/api/v1/procedures",
            "/api/v1/reports/overdue",
            "/api/v1/reports/due-soon",
            "/api/v1/reports/step-warnings",
            "/api/v1/audit",
            "/api/v1/users",
            "/api/v1/api-clients",
            "/api/v1/tasks",
            "/api/v1/reports/periods",
            "/api/v1/reports/satisfaction/followups",
        ):
            await hit("GET", url, params={"cursor": c})
    for s, m, u, p in out:
        print(s, m, u, p)
    assert not [o for o in out if o[0] >= 500]
