"""Notifications to applicants over a real SMTP server (aiosmtpd) and a real HTTP SMS gateway:
what each moment says (receipt, supplement request, apology, result), only to the contacts the
applicant gave, retried while the mail server is down, and never a contact in a log line, a
stored error or the API's answer."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from tests.dossiers.conftest import intake_body, set_clock
from tests.integration.helpers import (
    LocalServer,
    QuietHandler,
    Scene,
    advance,
    free_port,
    integration_settings,
)

from onestop.core.settings import Settings
from onestop.integration.notify import content

EMAIL, PHONE, E164 = "an@example.vn", "0912345678", "+84912345678"
PERSONAL = ("Nguyễn Văn An", "001203004567", "Trần Phú", EMAIL, PHONE, "912345678")


@dataclass
class Mailbox:
    """A real SMTP server on a free port, not listening until ``start()``."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    controller: Controller | None = None
    #: A reply that refuses every message's content (echoing the recipient, as servers do).
    refusal: str | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refusal is not None:
            return self.refusal.format(to=envelope.rcpt_tos[0])
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        return "250 OK"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def about(self, code: str) -> list[EmailMessage]:
        return [m for m in self.messages if code in str(m["Subject"])]


@dataclass
class SmsGateway(LocalServer):
    """An HTTP SMS gateway that takes every message sent with its bearer token."""

    received: list[dict[str, Any]] = field(default_factory=list)

    def start(self) -> None:
        gateway = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Authorization") != "Bearer sms-token":
                    self.send_response(401)
                else:
                    gateway.received.append(json.loads(raw))
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.serve(Handler)

    def about(self, code: str) -> list[str]:
        return [str(m["text"]) for m in self.received if code in str(m["text"])]


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox(free_port())
    yield box
    box.stop()


@pytest.fixture
def gateway() -> Iterator[SmsGateway]:
    g = SmsGateway(free_port())
    g.start()
    yield g
    g.stop()


@pytest.fixture
def settings(database_url: str, mailbox: Mailbox, gateway: SmsGateway) -> Settings:
    return integration_settings(
        database_url,
        public_base_url="https://dichvucong.example.vn",
        smtp_host="127.0.0.1",
        smtp_port=mailbox.port,
        smtp_from="mot-cua@example.vn",
        smtp_timeout_seconds=5,
        sms_url=f"http://127.0.0.1:{gateway.port}/sms",
        sms_token="sms-token",
        sms_timeout_seconds=5,
    )


def body_of(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def local(iso: str) -> str:
    return content.when(dt.datetime.fromisoformat(iso))


async def notifications(scene: Scene, code: str) -> list[Any]:
    """What the dossier's page lists of the messages sent to its applicant."""
    resp = await scene.client.get(
        f"/api/v1/dossiers/{code}/notifications", headers=scene.auth("clerk")
    )
    assert resp.status_code == 200, resp.text
    items: list[Any] = resp.json()
    return items


async def test_receipt_by_email_and_sms_with_the_code_the_appointment_and_the_lookup_link(
    scene: Scene, mailbox: Mailbox, gateway: SmsGateway
) -> None:
    mailbox.start()
    headers = {**scene.auth("clerk"), "Idempotency-Key": "counter-form-1"}
    resp = await scene.client.post("/api/v1/dossiers", json=intake_body(), headers=headers)
    assert resp.status_code == 201, resp.text
    receipt = resp.json()
    code, appointment = receipt["code"], local(receipt["due_at"])
    await scene.run()

    (msg,) = mailbox.about(code)
    assert msg["To"] == EMAIL and msg["From"] == "mot-cua@example.vn"
    assert msg["Subject"] == f"Hồ sơ {code} đã được tiếp nhận"
    text = body_of(msg)
    assert "Kính gửi Ông/Bà" in text and f"Mã hồ sơ: {code}" in text
    assert f"Hẹn trả kết quả: {appointment}" in text
    secret = receipt["lookup_secret"]
    link = f"https://dichvucong.example.vn/tra-cuu?code={code}&secret={secret}"
    assert link in text
    for value in PERSONAL:
        assert value not in text
    (sms,) = [m for m in gateway.received if code in m["text"]]
    assert sms["to"] == E164
    assert sms["text"].startswith(f"Hồ sơ {code} đã được tiếp nhận. Hẹn trả kết quả {appointment}.")
    assert link in sms["text"]

    # Without an Idempotency-Key the secret cannot be produced again: the link names the dossier.
    other = await scene.receive()
    await scene.run()
    text = body_of(mailbox.about(other)[0])
    assert f"tra-cuu?code={other}\n" in text and "mã tra cứu in trên Giấy tiếp nhận" in text

    listed = await notifications(scene, code)
    assert [(n["channel"], n["kind"], n["state"], n["to"]) for n in listed] == [
        ("email", "receipt", "delivered", "a***@example.vn"),
        ("sms", "receipt", "delivered", "******5678"),
    ]
    assert all(n["delivered_at"] for n in listed)
    assert EMAIL not in json.dumps(listed) and PHONE not in json.dumps(listed)


async def test_nothing_goes_to_a_contact_the_applicant_did_not_give(
    scene: Scene, mailbox: Mailbox, gateway: SmsGateway
) -> None:
    mailbox.start()
    applicant = {"name": "Lê Thị Bình", "id_number": "001203004568", "phone": PHONE}
    phone_only = await scene.receive(applicant=applicant)
    applicant = {"name": "Lê Văn Cường", "id_number": "001203004569"}
    neither = await scene.receive(applicant=applicant)
    await scene.run()
    assert mailbox.messages == []
    assert len(gateway.about(phone_only)) == 1 and gateway.about(neither) == []
    assert [n["channel"] for n in await notifications(scene, phone_only)] == ["sms"]
    assert await notifications(scene, neither) == []


async def test_supplement_apology_and_result_messages(
    scene: Scene, mailbox: Mailbox, gateway: SmsGateway
) -> None:
    mailbox.start()
    asked = await scene.receive()
    await scene.act("clerk", asked, "transfer")
    items = ["Bản sao giấy khai sinh", "Tờ khai có xác nhận của UBND xã"]
    request = {"items": items, "reason": "Hồ sơ thiếu giấy tờ", "deadline_days": 5}
    await scene.act("officer", asked, "request-supplement", request)

    late = await scene.receive()
    await scene.act("clerk", late, "transfer")
    await scene.run()
    set_clock("2026-03-11 10:00")  # past due
    apology = {"reason": "Cần xác minh thêm", "new_appointment_at": "2026-03-12T10:00:00+07:00"}
    await scene.act("leader", late, "apologize", apology)
    set_clock("2026-03-12 09:00")
    await scene.act("officer", late, "finish", {"result_number": "12/CT"})
    await scene.act("clerk", late, "return", {"method": "counter", "received_by": "An"})
    await scene.run()

    (_, supplement) = mailbox.about(asked)
    assert supplement["Subject"] == f"Hồ sơ {asked} cần bổ sung, hoàn thiện"
    text = body_of(supplement)
    assert f"- {items[0]}\n- {items[1]}\n" in text and "Lý do: Hồ sơ thiếu giấy tờ" in text
    assert "Thời hạn bổ sung: đến ngày 15/03/2026." in text
    assert gateway.about(asked)[1].startswith(
        f"Hồ sơ {asked} cần bổ sung 2 giấy tờ, hạn đến ngày 15/03/2026."
    )

    subjects = [str(m["Subject"]) for m in mailbox.about(late)]
    assert subjects == [
        f"Hồ sơ {late} đã được tiếp nhận",
        f"Hẹn lại ngày trả kết quả hồ sơ {late}",
        f"Hồ sơ {late} đã có kết quả giải quyết",
    ]  # the return after finish is the hand-over itself: no fourth message
    _, sorry, result = mailbox.about(late)
    assert "Hẹn lại trả kết quả: 10:00 ngày 12/03/2026." in body_of(sorry)
    assert "xin lỗi" in body_of(sorry)
    assert "đã có kết quả giải quyết" in body_of(result) and "Mời Ông/Bà đến nhận" in body_of(
        result
    )
    texts = gateway.about(late)
    assert "Hẹn lại trả kết quả 10:00 ngày 12/03/2026." in texts[1]
    assert texts[2].startswith(f"Hồ sơ {late} đã có kết quả giải quyết.")
    kinds = [(n["channel"], n["kind"]) for n in await notifications(scene, late)]
    assert kinds == [(c, k) for k in ("receipt", "apology", "result") for c in ("email", "sms")]


async def test_mail_server_down_is_retried_then_delivered_and_no_contact_is_logged(
    scene: Scene, mailbox: Mailbox, gateway: SmsGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="onestop")
    code = await scene.receive()
    await scene.run()  # connection refused; the retries come due within 5 minutes
    for _ in range(2):
        advance(5)
        await scene.run()
    (mail, sms) = await notifications(scene, code)
    assert (mail["state"], mail["attempts"], sms["state"]) == ("failing", 3, "delivered")
    assert mail["last_error"] == "cannot reach the SMTP server (ConnectionRefusedError)"
    sync = (
        await scene.client.get(f"/api/v1/dossiers/{code}/sync", headers=scene.auth("admin"))
    ).json()
    assert {s["destination"]: s["state"] for s in sync} == {"email": "failing", "sms": "synced"}

    mailbox.start()
    for _ in range(3):
        advance(15)
        await scene.run()
    assert len(mailbox.about(code)) == 1
    (mail, _) = await notifications(scene, code)
    assert (mail["state"], mail["last_error"]) == ("delivered", None)
    ours = "\n".join(
        r.getMessage() + (r.exc_text or "") for r in caplog.records if r.name != "mail.log"
    )
    assert "delivery to email failed" in ours
    for value in (EMAIL, PHONE, E164, "912345678", "Nguyễn Văn An"):
        assert value not in ours


async def test_a_refusal_is_kept_without_the_address_it_echoes(
    scene: Scene, mailbox: Mailbox
) -> None:
    mailbox.refusal = "554 5.7.1 Message to {to} rejected as spam"
    mailbox.start()
    code = await scene.receive()
    await scene.run()
    (mail, _) = await notifications(scene, code)
    assert mail["state"] == "failing"
    assert mail["last_error"] == "SMTP 554: 5.7.1 Message to *** rejected as spam"


def test_sms_text_can_go_without_diacritics() -> None:
    notice = content.Notice(
        kind=content.RECEIPT,
        code="000.00.10.H99-260310-0001",
        procedure="Đăng ký khai sinh",
        event_type="receive",
        event_at=dt.datetime(2026, 3, 10, 2, tzinfo=dt.UTC),
        payload={"due_at": "2026-03-17T17:00:00+07:00"},
        unit=content.UnitContact("Trung tâm Phục vụ hành chính công tỉnh", None, None),
        return_method="counter",
        lookup_url="https://dvc.example.vn/tra-cuu?code=000.00.10.H99-260310-0001",
        lookup_with_secret=False,
    )
    text = content.sms_text(notice, ascii_only=True)
    assert text.isascii()
    assert text.startswith(
        "Ho so 000.00.10.H99-260310-0001 da duoc tiep nhan. Hen tra ket qua 17:00 ngay 17/03/2026."
    )
    assert content.sms_text(notice, ascii_only=False).startswith("Hồ sơ 000.00.10.H99-")
