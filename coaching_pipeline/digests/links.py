"""Links from a digest to the matching workbench page (workbench contract: "Digests link to
the matching workbench page when COACHING_APP_URL is set").

Without the variable a digest has no link at all, so a month rendered before the workbench
existed, or where it is not deployed, is byte-identical to what it was. The base URL is
checked when the month renders: a typo fails the digest run with the variable's name instead
of mailing hundreds of broken links.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from markupsafe import Markup

from ..config import settings

APP_URL_ENV = "COACHING_APP_URL"
# The characters a base URL may hold. With nothing else in it, and every path segment
# taken from data quoted whole, a link is printed unescaped (Markup) in HTML attributes and
# in Markdown autolinks alike: it can carry neither markup nor Markdown.
_SAFE_BASE = re.compile(r"[A-Za-z0-9._~:/%-]+")


class BadAppUrl(ValueError):
    pass


@dataclass(frozen=True)
class WorkbenchLinks:
    base: str  # scheme://host[:port][/prefix], no trailing slash

    def rep(self, rep_id: str) -> Markup:
        """The rep's dashboard. The id is quoted whole, dots included: it comes from the CRM,
        and a browser would resolve an id of ".." to the page above."""
        return Markup(f"{self.base}/reps/{_segment(rep_id)}")

    @property
    def inbox(self) -> Markup:
        return Markup(f"{self.base}/inbox")

    @property
    def escalations(self) -> Markup:
        return Markup(f"{self.base}/escalations")

    def digests(self, month_key: str) -> Markup:
        return Markup(f"{self.base}/digests?month={_segment(month_key)}")


def _segment(value) -> str:
    return quote(str(value), safe="").replace(".", "%2E")


def workbench_links(env: Mapping[str, str] | None = None) -> WorkbenchLinks | None:
    """The links of this render, or None when neither COACHING_APP_URL nor the setting
    workbench.app_url gives the address (the variable wins, as for `coaching serve`)."""
    env = os.environ if env is None else env
    raw = (env.get(APP_URL_ENV) or settings().workbench.app_url or "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment
            or not _SAFE_BASE.fullmatch(raw)):
        raise BadAppUrl(
            f"{APP_URL_ENV}={raw!r} is not the workbench's address: give it as https://host[:port][/path], "
            "without a query or fragment (or unset it to render digests without links)"
        )
    return WorkbenchLinks(base=raw.rstrip("/"))
