"""The national portal's HTTP client against real local servers: what a call that fails says
(never reached the portal, or judged by it), redirects not followed, the proxy the environment
names, and a client id Basic authentication cannot carry."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from tests.integration.conftest import Portal
from tests.integration.helpers import LocalServer, QuietHandler, free_port

from onestop.integration.destinations import DeliveryFailed
from onestop.integration.dvcqg import client as portal_client
from onestop.integration.dvcqg.client import Credentials, PortalClient, PortalUnavailable

BODY = {"service": "DongBoHoSoMC", "isUpdating": "False", "data": [{"MaHoSo": "H99.01-1"}]}
PROXY_VARIABLES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy")


@dataclass
class Proxy(LocalServer):
    """A forward proxy that answers every call itself with the portal's success, and keeps the
    address each call asked for."""

    asked: list[str] = field(default_factory=list)

    def start(self) -> None:
        proxy = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                proxy.asked.append(self.path)
                raw = json.dumps({"error_code": "0"}).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.serve(Handler)


@dataclass
class Redirecting(LocalServer):
    """Answers every call with a redirect to another address."""

    def start(self) -> None:
        class Handler(QuietHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(302)
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.serve(Handler)


@pytest.fixture(autouse=True)
def no_proxy_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts from an environment without proxies (the proxy is read once per
    address and process)."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    portal_client._env_proxy.cache_clear()
    yield
    portal_client._env_proxy.cache_clear()


def credentials(portal: Portal, client_id: str = "onestop") -> Credentials:
    return Credentials(portal.token_url, client_id, "portal-secret")


async def failure_of(client: PortalClient) -> DeliveryFailed:
    try:
        with pytest.raises(DeliveryFailed) as raised:
            await client.post(BODY)
    finally:
        await client.aclose()
    return raised.value


async def test_a_portal_that_is_down_was_never_reached(portal: Portal) -> None:
    failure = await failure_of(PortalClient(portal.url, timeout=2))
    assert isinstance(failure, PortalUnavailable)
    assert failure.reason == "cannot reach the portal (ConnectionRefusedError)"


async def test_a_token_endpoint_that_is_down_was_never_reached(portal: Portal) -> None:
    failure = await failure_of(PortalClient(portal.url, timeout=2, credentials=credentials(portal)))
    assert isinstance(failure, PortalUnavailable)
    assert failure.reason == "cannot get a token (ConnectionRefusedError)"
    assert portal.calls == 0


async def test_a_portal_that_does_not_answer_in_time_is_a_timeout(portal: Portal) -> None:
    portal.slow_seconds = 1.5
    portal.failing["H99.01-1"] = "slow"
    portal.start()
    client = PortalClient(portal.url, timeout=0.3, credentials=credentials(portal))
    failure = await failure_of(client)
    assert not isinstance(failure, PortalUnavailable)  # it reached the portal: judged alone
    assert failure.reason == "timeout waiting for the portal"
    assert portal.calls == 1


async def test_the_portal_answer_is_taken_with_its_token(portal: Portal) -> None:
    portal.start()
    client = PortalClient(portal.url, timeout=2, credentials=credentials(portal))
    try:
        await client.post(BODY)
        await client.post(BODY)
    finally:
        await client.aclose()
    assert [body["data"][0]["MaHoSo"] for body in portal.requests] == ["H99.01-1"] * 2
    assert portal.token_requests == 1


async def test_a_redirect_is_not_followed() -> None:
    server = Redirecting(free_port())
    server.start()
    try:
        failure = await failure_of(PortalClient(f"http://127.0.0.1:{server.port}/dvcqg", timeout=2))
    finally:
        server.stop()
    assert failure.reason == "HTTP 302"


async def test_calls_go_through_the_proxy_the_environment_names(
    portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = Proxy(free_port())
    proxy.start()
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
    client = PortalClient(portal.url, timeout=2)  # the portal itself is down
    try:
        await client.post(BODY)
    finally:
        await client.aclose()
        proxy.stop()
    assert proxy.asked == [portal.url]


async def test_an_address_the_environment_exempts_is_called_directly(
    portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")  # nobody listens
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    portal.start()
    client = PortalClient(portal.url, timeout=2, credentials=credentials(portal))
    try:
        await client.post(BODY)
    finally:
        await client.aclose()
    assert len(portal.requests) == 1


async def test_a_client_id_with_a_colon_cannot_get_a_token(portal: Portal) -> None:
    portal.start()
    client = PortalClient(portal.url, timeout=2, credentials=credentials(portal, "onestop:1"))
    failure = await failure_of(client)
    assert isinstance(failure, PortalUnavailable)
    assert failure.reason == "the client id holds a colon"
    assert portal.token_requests == 0


def test_the_verdict_is_the_status_the_error_code_and_the_portal_message() -> None:
    refused = portal_client.Answer(
        200, json.dumps({"error_code": "1", "message": "Sai mã"}).encode()
    )
    with pytest.raises(DeliveryFailed) as raised:
        portal_client.verdict(refused)
    assert raised.value.reason == "HTTP 200: error_code 1: Sai mã"
    with pytest.raises(DeliveryFailed) as raised:
        portal_client.verdict(portal_client.Answer(502, b"<html>Bad gateway</html>"))
    assert raised.value.reason == "HTTP 502"
    portal_client.verdict(portal_client.Answer(200, b'{"error_code": "0"}'))  # taken: no raise
