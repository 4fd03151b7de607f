"""The SMTP server the product mails through (digests, run-failure alerts), from the
environment: COACHING_SMTP_URL and COACHING_MAIL_FROM. Both hold what a deployment keeps
out of files (a password, the sender's address), so they are not in settings.yaml.

    smtp://host[:port]                  plain SMTP (port 25), as a local relay is reached
    smtp+starttls://user:pw@host[:587]  upgraded with STARTTLS before authenticating
    smtps://user:pw@host[:465]          TLS from the first byte

The user and password are URL-decoded ("p%40ss" is "p@ss"). The password is never part of
a message, a log line or an exception this module raises: `SmtpServer` prints without it.
"""

from __future__ import annotations

import contextlib
import os
import smtplib
import ssl
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.utils import parseaddr
from urllib.parse import unquote, urlsplit

import click

SMTP_URL_VAR = "COACHING_SMTP_URL"
MAIL_FROM_VAR = "COACHING_MAIL_FROM"
_DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class MailSettingsError(click.ClickException, ValueError):
    """COACHING_SMTP_URL or COACHING_MAIL_FROM is unusable: one line saying which and why."""


@dataclass(frozen=True)
class SmtpServer:
    scheme: str
    host: str
    port: int
    mail_from: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def __str__(self) -> str:
        user = f"{self.username}@" if self.username else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}"


def smtp_server(env: Mapping[str, str] | None = None) -> SmtpServer | None:
    """The configured server, or None when COACHING_SMTP_URL is not set (mail is off)."""
    env = os.environ if env is None else env
    url = (env.get(SMTP_URL_VAR) or "").strip()
    if not url:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # a port that is not a number; the URL itself is not repeated
        raise MailSettingsError(f"{SMTP_URL_VAR} is not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise MailSettingsError(
            f"{SMTP_URL_VAR} must start with smtp://, smtp+starttls:// or smtps:// (it starts with {scheme or 'nothing'}://)"
        )
    if not parts.hostname:
        raise MailSettingsError(f"{SMTP_URL_VAR} names no host (expected {scheme}://host:port)")
    mail_from = (env.get(MAIL_FROM_VAR) or "").strip()
    if not mail_from:
        raise MailSettingsError(f"{MAIL_FROM_VAR} is not set: mail needs a sender address when {SMTP_URL_VAR} is set")
    if "@" not in parseaddr(mail_from)[1]:
        raise MailSettingsError(f"{MAIL_FROM_VAR} is not an email address: {mail_from!r}")
    return SmtpServer(
        scheme=scheme, host=parts.hostname, port=port or _DEFAULT_PORTS[scheme], mail_from=mail_from,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def sender_address(server: SmtpServer) -> Address:
    name, address = parseaddr(server.mail_from)
    username, _, domain = address.partition("@")
    return Address(display_name=name, username=username, domain=domain)


@contextlib.contextmanager
def connect(server: SmtpServer, timeout: float) -> Iterator[smtplib.SMTP]:
    """A logged-in SMTP session, closed on exit. Errors name the server without its password."""
    try:
        if server.scheme == "smtps":
            session: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port, timeout=timeout,
                                                     context=ssl.create_default_context())
        else:
            session = smtplib.SMTP(server.host, server.port, timeout=timeout)
            if server.scheme == "smtp+starttls":
                session.starttls(context=ssl.create_default_context())
        if server.username:
            session.login(server.username, server.password or "")
    except (OSError, smtplib.SMTPException) as exc:
        raise MailSettingsError(f"cannot reach the SMTP server {server}: {_reason(exc)}") from None
    try:
        yield session
    finally:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            session.quit()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {text}"
    return str(exc) or type(exc).__name__
