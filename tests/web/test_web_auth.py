"""Logging in to the web client: the session cookie, redirects to the login form, the
same-origin rule for POSTs, security headers, and the pages staying out of the OpenAPI schema."""

from __future__ import annotations

import httpx
import pytest
from tests.factories import PASSWORD, World
from tests.web.conftest import HX, ORIGIN, visible_text, web_login

STAFF_PAGES = ["/web/counter", "/web/dossiers", "/web/worklists", "/web/dossiers/X-1"]


async def test_login_sets_an_httponly_strict_cookie_and_lands_by_role(
    client: httpx.AsyncClient, world: World
) -> None:
    resp = await client.post(
        "/web/login", data={"username": "clerk", "password": PASSWORD}, headers=ORIGIN
    )
    assert resp.status_code == 303
    assert resp.headers["location"] == "/web/counter"
    cookie = resp.headers["set-cookie"]
    assert cookie.startswith("onestop_session=")
    lowered = cookie.lower()
    assert "httponly" in lowered
    assert "samesite=strict" in lowered
    assert "path=/" in lowered
    assert "secure" not in lowered  # plain http here; https below
    page = await client.get("/web/counter")
    assert page.status_code == 200
    assert "Tiếp nhận hồ sơ" in page.text
    assert "Nguyễn Thị Tiếp Nhận" in page.text


@pytest.mark.parametrize(
    ("username", "landing"),
    [
        ("officer", "/web/viec-cua-toi"),
        ("leader", "/web/tong-quan"),
        ("manager", "/web/tong-quan"),
    ],
)
async def test_each_role_lands_on_its_own_page(
    client: httpx.AsyncClient, world: World, username: str, landing: str
) -> None:
    resp = await client.post(
        "/web/login", data={"username": username, "password": PASSWORD}, headers=ORIGIN
    )
    assert resp.headers["location"] == landing
    home = await client.get("/web")
    assert home.headers["location"] == landing


async def test_the_cookie_is_secure_over_https(app: object, world: World) -> None:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="https://onestop.test") as c:
        resp = await c.post(
            "/web/login",
            data={"username": "clerk", "password": PASSWORD},
            headers={"Origin": "https://onestop.test"},
        )
    assert resp.status_code == 303
    assert "secure" in resp.headers["set-cookie"].lower()


async def test_wrong_password_says_so_in_vietnamese_and_sets_no_cookie(
    client: httpx.AsyncClient, world: World
) -> None:
    resp = await client.post(
        "/web/login", data={"username": "clerk", "password": "wrong-password"}, headers=ORIGIN
    )
    assert resp.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in resp.text
    assert "set-cookie" not in resp.headers
    assert (await client.get("/web/counter")).status_code == 303


async def test_empty_login_form_is_refused_without_a_lookup(
    client: httpx.AsyncClient, world: World
) -> None:
    resp = await client.post("/web/login", data={"username": " "}, headers=ORIGIN)
    assert resp.status_code == 422
    assert "Hãy nhập tên đăng nhập và mật khẩu" in resp.text


@pytest.mark.parametrize("path", STAFF_PAGES)
async def test_pages_redirect_to_the_login_form(
    client: httpx.AsyncClient, world: World, path: str
) -> None:
    resp = await client.get(path)
    assert resp.status_code == 303
    assert resp.headers["location"].startswith("/web/login?next=%2Fweb%2F")


async def test_htmx_requests_without_login_get_a_whole_page_redirect(
    client: httpx.AsyncClient, world: World
) -> None:
    resp = await client.get(
        "/web/counter/procedures?q=abc",
        headers={**HX, "HX-Current-URL": "http://onestop.test/web/counter"},
    )
    assert resp.status_code == 204
    assert resp.headers["hx-redirect"] == "/web/login?next=%2Fweb%2Fcounter"


async def test_login_returns_to_the_page_asked_for_but_never_elsewhere(
    client: httpx.AsyncClient, world: World
) -> None:
    form = await client.get("/web/login?next=/web/dossiers?q=An")
    assert 'name="next" value="/web/dossiers?q=An"' in form.text
    resp = await client.post(
        "/web/login",
        data={"username": "clerk", "password": PASSWORD, "next": "/web/dossiers?q=An"},
        headers=ORIGIN,
    )
    assert resp.headers["location"] == "/web/dossiers?q=An"
    await client.post("/web/logout", headers=ORIGIN)
    for target in ("https://evil.example/", "//evil.example/web/", "/api/v1/units"):
        resp = await client.post(
            "/web/login",
            data={"username": "clerk", "password": PASSWORD, "next": target},
            headers=ORIGIN,
        )
        assert resp.headers["location"] == "/web/counter", target
        await client.post("/web/logout", headers=ORIGIN)


async def test_a_stale_cookie_is_cleared_and_the_login_says_the_session_expired(
    client: httpx.AsyncClient, world: World
) -> None:
    client.cookies.set("onestop_session", "not-a-token", domain="onestop.test")
    resp = await client.get("/web/dossiers")
    assert resp.status_code == 303
    assert "expired=1" in resp.headers["location"]
    assert 'onestop_session=""' in resp.headers["set-cookie"]
    login = await client.get(resp.headers["location"])
    assert "Phiên làm việc đã hết hạn" in login.text


async def test_an_api_client_token_does_not_open_pages(
    client: httpx.AsyncClient, world: World, auth: object
) -> None:
    token = auth("portal")["Authorization"].removeprefix("Bearer ")  # type: ignore[operator]
    client.cookies.set("onestop_session", token, domain="onestop.test")
    assert (await client.get("/web/dossiers")).status_code == 303


async def test_logout_clears_the_cookie(client: httpx.AsyncClient, world: World) -> None:
    await web_login(client, "clerk")
    resp = await client.post("/web/logout", headers=ORIGIN)
    assert resp.status_code == 303
    assert resp.headers["location"] == "/web/login"
    assert (await client.get("/web/counter")).status_code == 303


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "https://evil.example", **HX},
    ],
)
async def test_posts_from_elsewhere_are_refused(
    client: httpx.AsyncClient, world: World, headers: dict[str, str]
) -> None:
    resp = await client.post(
        "/web/login", data={"username": "clerk", "password": PASSWORD}, headers=headers
    )
    assert resp.status_code == 403
    assert "set-cookie" not in resp.headers
    assert "bị từ chối" in visible_text(resp.text)


async def test_a_same_site_referer_passes_when_the_origin_is_withheld(
    client: httpx.AsyncClient, world: World
) -> None:
    resp = await client.post(
        "/web/login",
        data={"username": "clerk", "password": PASSWORD},
        headers={"Origin": "null", "Referer": "http://onestop.test/web/login"},
    )
    assert resp.status_code == 303
    await client.post("/web/logout", headers=ORIGIN)
    resp = await client.post(
        "/web/login",
        data={"username": "clerk", "password": PASSWORD},
        headers={"Referer": "http://onestop.test.evil.example/web/login"},
    )
    assert resp.status_code == 403


async def test_htmx_header_alone_passes_the_same_origin_rule(
    client: httpx.AsyncClient, world: World
) -> None:
    resp = await client.post(
        "/web/login", data={"username": "clerk", "password": PASSWORD}, headers=HX
    )
    assert resp.status_code == 303


async def test_pages_send_security_headers(client: httpx.AsyncClient, world: World) -> None:
    resp = await client.get("/web/login")
    assert resp.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in resp.headers["content-security-policy"]
    assert resp.headers["x-frame-options"] == "DENY"
    assert resp.headers["referrer-policy"] == "same-origin"
    assert resp.headers["cache-control"] == "no-store"
    assert '<html lang="vi">' in resp.text


async def test_static_files_are_served_and_nothing_comes_from_elsewhere(
    client: httpx.AsyncClient, world: World
) -> None:
    page = (await client.get("/web/login")).text
    assert "/web/static/htmx.min.js?v=" in page
    assert "/web/static/app.css?v=" in page
    assert "http://" not in page.replace("http://onestop.test", "")
    assert "https://" not in page
    for name in ("htmx.min.js", "app.css", "app.js"):
        resp = await client.get(f"/web/static/{name}")
        assert resp.status_code == 200, name
    assert "htmx" in (await client.get("/web/static/htmx.min.js")).text


@pytest.mark.no_database
async def test_pages_are_not_in_the_openapi_schema(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    paths = list(spec["paths"])
    assert paths
    assert not [p for p in paths if p.startswith(("/web", "/tra-cuu")) or p == "/"]


@pytest.mark.no_database
async def test_root_leads_to_the_web_client(client: httpx.AsyncClient) -> None:
    resp = await client.get("/")
    assert resp.status_code == 303
    assert resp.headers["location"] == "/web"


async def test_an_unexpected_error_is_a_page_with_the_request_id(
    client: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr("onestop.dossiers.listing.list_dossiers", broken)
    await web_login(client, "clerk")
    resp = await client.get("/web/dossiers")
    assert resp.status_code == 500
    assert resp.headers["content-type"].startswith("text/html")
    assert f"mã yêu cầu {resp.headers['x-request-id']}" in visible_text(resp.text)
    assert "boom" not in resp.text
