"""Where the workbench reports who was allowed or refused what. The decisions store provides
the durable sink (its AuditEntry table); the app only needs `record`, so the tests pass an
in-memory sink and `coaching serve` falls back to the log when no store is configured."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

log = logging.getLogger("coaching_pipeline.workbench.audit")


@runtime_checkable
class AuditSink(Protocol):
    def record(self, actor: str | None, action: str, target: str | None, allowed: bool,
               detail: str | None = None) -> None:
        """actor: the signed-in user id (or the claimed email, None when anonymous); action: what
        was asked (view_rep, post, proxy_identity, ...); target: the rep or object asked for."""


@dataclass(frozen=True)
class AuditRecord:
    actor: str | None
    action: str
    target: str | None
    allowed: bool
    detail: str | None
    at: dt.datetime


@dataclass
class MemoryAuditSink:
    """Keeps every record in a list (tests; a single process only)."""

    records: list[AuditRecord] = field(default_factory=list)

    def record(self, actor, action, target, allowed, detail=None) -> None:
        self.records.append(AuditRecord(actor, action, target, allowed, detail, dt.datetime.now(dt.UTC)))

    def denied(self) -> list[AuditRecord]:
        return [r for r in self.records if not r.allowed]


class LoggingAuditSink:
    """Writes each record to the log: the default until the decisions store is wired in."""

    def record(self, actor, action, target, allowed, detail=None) -> None:
        log.log(logging.INFO if allowed else logging.WARNING, "audit actor=%s action=%s target=%s allowed=%s %s",
                actor, action, target, allowed, detail or "")
