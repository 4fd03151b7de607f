"""A real SMTP server for tests (aiosmtpd, on 127.0.0.1 and a free port) that keeps every
message it receives, parsed, with its envelope."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import warnings
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes


@dataclass
class _Handler:
    messages: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # recipients answered with 550
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        with self.lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed, raw))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """`with SmtpSink() as smtp:` a server at smtp.url; smtp.messages lists what arrived.
    With `user`/`password`, AUTH LOGIN/PLAIN is required (over the plain connection, as a
    test allows) and a wrong password is refused with 535."""

    def __init__(self, user: str | None = None, password: str | None = None):
        self.handler = _Handler()
        self.port = _free_port()
        self.user, self.password = user, password
        kwargs = {}
        if user is not None:
            kwargs = dict(authenticator=self._authenticate, auth_required=True, auth_require_tls=False)
        with warnings.catch_warnings():  # AUTH without TLS: fine on 127.0.0.1 in a test
            warnings.simplefilter("ignore")
            self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **kwargs)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == self.user \
            and auth_data.password.decode() == self.password
        # handled=False: aiosmtpd then answers the failure itself (535), else the client waits
        return AuthResult(success=ok, handled=False)

    @property
    def url(self) -> str:
        creds = f"{self.user}:{self.password}@" if self.user is not None else ""
        return f"smtp://{creds}127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.messages)

    def refuse(self, address: str) -> None:
        self.handler.refuse.add(address)

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
