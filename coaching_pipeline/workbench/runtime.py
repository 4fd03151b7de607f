"""How one workbench process runs: where the published file is, how people sign in, the
session secret. Built once at start from flags, COACHING_* variables and the settings'
`workbench:` section; refusals (dev sign-in on a public address, proxy mode without a
secret) happen here, before anything listens."""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..config import settings as product_settings
from ..paths import published_path, resolve_output, resolve_warehouse

log = logging.getLogger("coaching_pipeline.workbench")

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
AUTH_MODES = ("dev", "proxy")


class WorkbenchConfigError(ValueError):
    """A setting the app refuses to start with; the message says what to change."""


@dataclass(frozen=True)
class WorkbenchSettings:
    published: Path
    auth: str  # dev | proxy
    secret_key: str
    host: str = "127.0.0.1"
    port: int = 8000
    proxy_header: str = "X-Forwarded-Email"
    trusted_proxies: tuple[str, ...] = ("127.0.0.1",)
    admins: tuple[str, ...] = ()
    app_url: str | None = None
    https_only: bool = False  # Secure cookies: on behind an https proxy
    digests: Path | None = None  # the rendered digests (<output>/digests), for the archive page

    def __post_init__(self):
        if self.auth not in AUTH_MODES:
            raise WorkbenchConfigError(f"COACHING_AUTH must be one of {AUTH_MODES}, got {self.auth!r}")
        if self.auth == "dev" and self.host not in LOOPBACK:
            raise WorkbenchConfigError(
                f"dev sign-in (COACHING_AUTH=dev) lets anyone choose who they are: it only runs on 127.0.0.1, "
                f"not on {self.host}. Put an authenticating proxy in front and set COACHING_AUTH=proxy, "
                "COACHING_TRUSTED_PROXIES and COACHING_SECRET_KEY")
        if not self.secret_key:
            raise WorkbenchConfigError("COACHING_SECRET_KEY is empty")
        try:
            self.networks()
        except ValueError as exc:
            raise WorkbenchConfigError(f"COACHING_TRUSTED_PROXIES: {exc}") from None

    def networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [ipaddress.ip_network(p.strip(), strict=False) for p in self.trusted_proxies if p.strip()]

    def trusts(self, address: str | None) -> bool:
        """Whether a client address is one of the authenticating proxies (the peer address of the
        TCP connection: uvicorn runs without proxy_headers so no header can change it)."""
        if not address:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.networks())

    @classmethod
    def from_env(cls, host: str = "127.0.0.1", port: int = 8000, warehouse: str | None = None,
                 env: Mapping[str, str] | None = None) -> WorkbenchSettings:
        env = os.environ if env is None else env
        cfg = product_settings().workbench
        auth = (env.get("COACHING_AUTH") or "").strip().lower()
        if not auth:
            if host not in LOOPBACK:
                raise WorkbenchConfigError(
                    f"serving on {host} needs COACHING_AUTH=proxy (dev sign-in only runs on 127.0.0.1)")
            auth = "dev"
        key = env.get("COACHING_SECRET_KEY") or ""
        if not key:
            if auth == "proxy":
                raise WorkbenchConfigError("COACHING_AUTH=proxy needs COACHING_SECRET_KEY (signs the session cookies)")
            key = secrets.token_urlsafe(32)
            log.warning("COACHING_SECRET_KEY is not set: using a random session key for this process "
                        "(sessions end when it stops)")
        proxies = env.get("COACHING_TRUSTED_PROXIES")
        trusted = tuple(p.strip() for p in proxies.split(",") if p.strip()) if proxies else tuple(cfg.trusted_proxies)
        return cls(
            published=published_path(resolve_warehouse(warehouse, env)), digests=resolve_output(None, env) / "digests",
            auth=auth, secret_key=key, host=host,
            port=port, proxy_header=cfg.proxy_header, trusted_proxies=trusted, admins=tuple(cfg.admins),
            app_url=env.get("COACHING_APP_URL") or cfg.app_url,
            https_only=auth == "proxy" and (env.get("COACHING_APP_URL") or cfg.app_url or "").startswith("https"),
        )
