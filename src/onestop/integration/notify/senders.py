"""The two ways a notification leaves: an e-mail over SMTP, an SMS through an HTTP gateway.

Each raises ``DeliveryFailed`` when the message was not taken, with a reason made of what went
wrong (the exception type, the SMTP reply code, the HTTP status) and the server's words with
anything shaped like an address or a phone number masked — never the recipient: reasons are kept
as the message's last error and logged.

SMTP uses the standard library's ``smtplib`` in a thread (one connection per message: a few
messages a minute per office). The SMS gateway takes ``POST {"to": "+84…", "text": "…"}`` with an
optional bearer token; any 2xx is success.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime

import httpx

from onestop.core import clock
from onestop.core.logs import mask_personal_data
from onestop.integration.destinations import DeliveryFailed

#: Longest piece of a server's reply kept in a reason.
REPLY_CHARS = 200


def scrub(text: str, values: Sequence[str]) -> str:
    """``text`` without the given values and anything shaped like personal data."""
    for value in sorted(values, key=len, reverse=True):
        if value:
            text = text.replace(value, "***")
    return mask_personal_data(text)[:REPLY_CHARS]


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    user: str
    password: str
    starttls: bool
    sender: str
    timeout: float


class SmtpSender:
    def __init__(self, server: Smtp) -> None:
        self.server = server

    def message(self, to: str, subject: str, text: str, message_key: str) -> EmailMessage:
        """``message_key`` makes the Message-ID, the same on a retry (receivers may drop the copy
        of a message delivered twice)."""
        msg = EmailMessage()
        msg["From"] = self.server.sender
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = format_datetime(clock.now())
        domain = self.server.sender.rpartition("@")[2].strip("> ") or "onestop.local"
        msg["Message-ID"] = f"<onestop.{message_key}@{domain}>"
        msg.set_content(text, charset="utf-8")
        return msg

    async def send(self, to: str, subject: str, text: str, message_key: str) -> None:
        msg = self.message(to, subject, text, message_key)
        try:
            await asyncio.to_thread(self._send, msg)
        except smtplib.SMTPRecipientsRefused:
            raise DeliveryFailed("the SMTP server refused the recipient") from None
        except smtplib.SMTPResponseException as exc:
            raw = exc.smtp_error
            reply = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw or "")
            reason = f"SMTP {exc.smtp_code}: {scrub(reply, [to])}".rstrip(": ")
            raise DeliveryFailed(reason) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"cannot reach the SMTP server ({type(exc).__name__})") from None

    def _send(self, msg: EmailMessage) -> None:
        s = self.server
        with smtplib.SMTP(s.host, s.port, timeout=s.timeout) as smtp:
            if s.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.user:
                smtp.login(s.user, s.password)
            smtp.send_message(msg)


class SmsSender:
    def __init__(
        self,
        url: str,
        *,
        token: str,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.AsyncClient(timeout=timeout, headers=headers, transport=transport)

    async def send(self, to: str, text: str) -> None:
        try:
            response = await self._http.post(self.url, json={"to": to, "text": text})
        except httpx.TimeoutException:
            raise DeliveryFailed("timeout waiting for the SMS gateway") from None
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"cannot reach the SMS gateway ({type(exc).__name__})") from None
        if not response.is_success:
            reply = scrub(response.text, [to, to.removeprefix("+84")])
            raise DeliveryFailed(f"SMS gateway answered HTTP {response.status_code}: {reply}")

    async def aclose(self) -> None:
        await self._http.aclose()
