"""Webhooks of API clients, delivered to a receiver served over real HTTP: Standard Webhooks
signatures checked with the ``standardwebhooks`` library, the same ``webhook-id`` on a
re-delivery, the client's unit scope, refused URLs, listing, rotating and deleting."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, get_args

import httpx
import pytest
from sqlalchemy import func, select, text
from standardwebhooks import Webhook, WebhookVerificationError
from tests.integration.helpers import LocalServer, QuietHandler, Scene, advance, free_port

from onestop.auth.models import ApiClient
from onestop.auth.tokens import issue_token
from onestop.core import clock, crypto
from onestop.core.errors import InvalidInput
from onestop.core.settings import Settings
from onestop.integration import delivery
from onestop.integration.models import OutboxMessage
from onestop.integration.webhooks import events, service as webhook_service
from onestop.integration.webhooks.destination import WebhookSender
from onestop.integration.webhooks.schemas import EventType
from onestop.integration.webhooks.service import check_url
from onestop.integration.worker import IntegrationPass

ALL_TYPES = list(events.EVENT_TYPES)
COMMUNE_A = "000.01.20.H99"


@dataclass
class Receiver(LocalServer):
    """Records every request (headers and raw body); answers ``fail`` (a status) while
    ``failures`` is above 0, after recording the request (the answer was lost)."""

    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    failures: int = 0
    fail: int = 500
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> None:
        receiver = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.received.append((dict(self.headers.items()), raw))
                    status = 200
                    if receiver.failures > 0:
                        receiver.failures -= 1
                        status = receiver.fail
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.serve(Handler)

    def verified(self, secret: str) -> list[tuple[str, dict[str, Any]]]:
        """``(webhook-id, payload)`` of every request, each checked against ``secret``."""
        with self.lock:
            return [
                (headers["webhook-id"], Webhook(secret).verify(raw, headers))
                for headers, raw in self.received
            ]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(free_port())
    r.start()
    yield r
    r.stop()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The receiver is on loopback (allowed here); the service's own host is refused."""
    return settings.model_copy(
        update={
            "webhook_allow_private_hosts": True,
            "public_base_url": "https://onestop.example.vn",
        }
    )


@pytest.fixture
async def integration(app: Any, settings: Settings) -> Any:
    """The integration pass with no DVCQG destination: only the webhooks."""
    job = IntegrationPass(
        app.state.sessionmaker, [], delivery.Policy.of(settings), webhooks=WebhookSender(timeout=5)
    )
    yield job
    await job.aclose()


async def commune_client(scene: Scene, settings: Settings) -> dict[str, str]:
    """A second API client, granted commune A only."""
    async with scene.session() as s:
        c = ApiClient(
            client_id="commune-portal",
            name="Cổng xã An Bình",
            secret_hash="unused",
            scopes=["dossier:view"],
            unit_codes=[COMMUNE_A],
            created_at=clock.now(),
        )
        s.add(c)
        await s.commit()
        token = issue_token(f"client:{c.id}", secret=settings.secret_key, minutes=600)
    return {"Authorization": f"Bearer {token}"}


async def subscribe(
    client: httpx.AsyncClient, headers: dict[str, str], url: str, **over: Any
) -> dict[str, Any]:
    resp = await client.post(
        "/api/v1/webhooks", json={"url": url, "event_types": ALL_TYPES, **over}, headers=headers
    )
    assert resp.status_code == 201, resp.text
    data: dict[str, Any] = resp.json()
    return data


def test_the_api_event_types_are_the_declared_ones() -> None:
    assert set(get_args(EventType)) == set(events.EVENT_TYPES)


async def test_messages_are_signed_and_a_redelivery_keeps_its_id(
    scene: Scene, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    before = await scene.receive()  # before the webhook: not sent
    # Settled first: a webhook starts at the end of the settled feed, which a write transaction
    # anywhere on the cluster (another database's tests too) can still hold before that event.
    await scene.settled()
    hook = await subscribe(scene.client, scene.auth("portal"), receiver.url)
    secret = hook["secret"]
    assert secret.startswith("whsec_")
    code = await scene.receive()
    await scene.act("clerk", code, "transfer")
    await scene.run()
    got = receiver.verified(secret)
    assert [(p["type"], p["data"]["dossier"], p["data"]["to_status"]) for _, p in got] == [
        ("dossier.received", code, 2),
        ("dossier.status_changed", code, 4),
    ]
    assert before not in {p["data"]["dossier"] for _, p in got}
    assert len({webhook_id for webhook_id, _ in got}) == 2
    # Another secret does not verify.
    headers, raw = receiver.received[0]
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 44).verify(raw, headers)

    # The receiver takes the finish but its answer is lost: the message goes again, same id.
    receiver.failures = 1
    await scene.act("officer", code, "finish", {"result_number": "1/CT"})
    await scene.run()
    advance(5)
    await scene.run()
    finished = receiver.verified(secret)[2:]
    assert [p["type"] for _, p in finished] == ["dossier.finished", "dossier.finished"]
    assert finished[0] == finished[1]  # same webhook-id, same body
    # The secret is stored encrypted and never logged.
    async with scene.session() as s:
        stored = (await s.execute(text("SELECT secret FROM webhook_subscription"))).scalar_one()
    assert secret not in stored and stored.startswith("v1:")
    assert secret not in caplog.text


async def test_a_rating_reaches_its_subscribers_after_the_finish(
    scene: Scene, receiver: Receiver
) -> None:
    hook = await subscribe(
        scene.client,
        scene.auth("portal"),
        receiver.url,
        event_types=["dossier.finished", "rating.received"],
    )
    code = await scene.receive()
    await scene.act("clerk", code, "transfer")
    await scene.act("officer", code, "finish", {"result_number": "2/CT"})
    resp = await scene.client.post(
        f"/api/v1/dossiers/{code}/rating",
        json={"level": "khong_hai_long", "comment": "Chị Lan ở quầy số 2 chưa hướng dẫn kỹ"},
        headers=scene.auth("clerk"),
    )
    assert resp.status_code == 201, resp.text
    await scene.run()
    got = [p for _, p in receiver.verified(hook["secret"])]
    assert [(p["type"], p["data"]["event"]) for p in got] == [
        ("dossier.finished", "finish"),
        ("rating.received", "rated"),
    ]
    rating = got[1]["data"]
    assert (rating["rating"], rating["from_status"], rating["to_status"]) == (
        "khong_hai_long",
        9,
        9,
    )
    assert "Lan" not in json.dumps(got, ensure_ascii=False)  # the comment stays home
    # The dossier's history shows it.
    events = (
        await scene.client.get(f"/api/v1/dossiers/{code}/events", headers=scene.auth("clerk"))
    ).json()
    assert events["items"][-1]["type"] == "rated"


async def test_only_events_the_subscription_asked_for(scene: Scene, receiver: Receiver) -> None:
    hook = await subscribe(
        scene.client,
        scene.auth("portal"),
        receiver.url,
        event_types=["dossier.finished", "dossier.returned"],
    )
    code = await scene.receive()
    await scene.act("clerk", code, "transfer")
    await scene.act("officer", code, "finish", {"result_number": "2/CT"})
    await scene.run()
    got = receiver.verified(hook["secret"])
    assert [(p["type"], p["data"]["from_status"], p["data"]["to_status"]) for _, p in got] == [
        ("dossier.finished", 4, 9)
    ]


async def test_dossiers_outside_the_clients_scope_are_not_sent(
    scene: Scene, settings: Settings, receiver: Receiver
) -> None:
    commune = await commune_client(scene, settings)
    hook = await subscribe(scene.client, commune, receiver.url)
    # A unit outside the client's grant cannot narrow it: 403.
    resp = await scene.client.post(
        "/api/v1/webhooks",
        json={"url": receiver.url, "event_types": ALL_TYPES, "units": ["000.00.10.H99"]},
        headers=commune,
    )
    assert resp.status_code == 403, resp.text
    assert resp.json()["type"].endswith("/outside-unit-scope")
    outside = await scene.receive()  # centre, for Sở Tư pháp
    inside = await scene.receive("clerk_a")  # commune A
    await scene.run()
    got = receiver.verified(hook["secret"])
    assert {p["data"]["dossier"] for _, p in got} == {inside}
    async with scene.session() as s:
        queued = (await s.execute(select(func.count()).select_from(OutboxMessage))).scalar_one()
    assert queued == 1 and outside != inside


async def test_bad_urls_and_callers_are_refused(scene: Scene, settings: Settings) -> None:
    portal = scene.auth("portal")
    for url in (
        "ftp://example.vn/hook",
        "not a url",
        "https://onestop.example.vn/hook",  # the service itself
        "https://user:pw@example.vn/hook",
        "http:///no-host",
    ):
        resp = await scene.client.post(
            "/api/v1/webhooks", json={"url": url, "event_types": ALL_TYPES}, headers=portal
        )
        assert resp.status_code == 422, url
        assert resp.json()["type"].endswith("/invalid-webhook-url"), url
    resp = await scene.client.post(
        "/api/v1/webhooks",
        json={"url": "https://example.vn/h", "event_types": ["dossier.deleted"]},
        headers=portal,
    )
    assert resp.status_code == 422
    resp = await scene.client.post(
        "/api/v1/webhooks",
        json={"url": "https://example.vn/h", "event_types": ALL_TYPES},
        headers=scene.auth("admin"),
    )
    assert resp.status_code == 403
    assert resp.json()["type"].endswith("/api-client-only")
    async with scene.session() as s:
        assert (await s.execute(text("SELECT count(*) FROM webhook_subscription"))).scalar() == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9000/h",
        "http://localhost/h",
        "http://10.1.2.3/h",
        "http://[::1]/h",
        "http://169.254.169.254/latest",
    ],
)
def test_private_hosts_are_refused_unless_allowed(url: str) -> None:
    strict = Settings(public_base_url="https://onestop.example.vn")
    with pytest.raises(InvalidInput):
        check_url(url, strict)
    loose = strict.model_copy(update={"webhook_allow_private_hosts": True})
    assert check_url(url, loose) == url
    assert check_url("https://hooks.example.vn/x?a=1", strict) == "https://hooks.example.vn/x?a=1"


async def test_list_rotate_and_delete(scene: Scene, settings: Settings, receiver: Receiver) -> None:
    portal = scene.auth("portal")
    hook = await subscribe(scene.client, portal, receiver.url, event_types=["dossier.received"])
    listed = (await scene.client.get("/api/v1/webhooks", headers=portal)).json()
    assert [(w["id"], w["url"]) for w in listed] == [(hook["id"], receiver.url)]
    assert "secret" not in listed[0]
    commune = await commune_client(scene, settings)
    assert (await scene.client.get("/api/v1/webhooks", headers=commune)).json() == []
    rotate = f"/api/v1/webhooks/{hook['id']}/rotate-secret"
    assert (await scene.client.post(rotate, headers=commune)).status_code == 404
    resp = await scene.client.post(rotate, headers=portal)
    assert resp.status_code == 200, resp.text
    new_secret = resp.json()["secret"]
    assert new_secret != hook["secret"]
    await scene.receive()
    await scene.run()
    assert len(receiver.verified(new_secret)) == 1
    with pytest.raises(WebhookVerificationError):
        receiver.verified(hook["secret"])
    # Deleting drops the webhook and its messages; another client's delete is a 404.
    receiver.failures, receiver.fail = 100, 503
    await scene.receive()
    await scene.run()
    url = f"/api/v1/webhooks/{hook['id']}"
    assert (await scene.client.delete(url, headers=commune)).status_code == 404
    assert (await scene.client.delete(url, headers=portal)).status_code == 204
    assert (await scene.client.delete(url, headers=portal)).status_code == 404
    assert (await scene.client.get("/api/v1/webhooks", headers=portal)).json() == []
    async with scene.session() as s:
        left = (await s.execute(select(func.count()).select_from(OutboxMessage))).scalar_one()
    assert left == 0
    assert json.loads(receiver.received[-1][1])["type"] == "dossier.received"


async def test_rotate_key_reencrypts_the_signing_secrets(
    scene: Scene, receiver: Receiver, settings: Settings
) -> None:
    old, new = crypto.new_key(), crypto.new_key()
    try:
        crypto.configure(settings.model_copy(update={"data_keys": f"k1:{old}"}))
        hook = await subscribe(scene.client, scene.auth("portal"), receiver.url)
        crypto.configure(settings.model_copy(update={"data_keys": f"k2:{new},k1:{old}"}))
        async with scene.session() as s:
            assert await webhook_service.reencrypt_secrets(s) == 1
            assert await webhook_service.reencrypt_secrets(s) == 0  # nothing left to do
            stored = (await s.execute(text("SELECT secret FROM webhook_subscription"))).scalar()
        assert str(stored).startswith("v1:k2:")
        crypto.configure(settings.model_copy(update={"data_keys": f"k2:{new}"}))  # k1 is gone
        code = await scene.receive()
        await scene.run()
        assert [p["data"]["dossier"] for _, p in receiver.verified(hook["secret"])] == [code]
    finally:
        crypto.configure(settings)
