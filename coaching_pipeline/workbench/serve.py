"""`coaching serve`: the settings from flags and environment, the audit sink, uvicorn.

uvicorn runs with proxy_headers off: the client address the app checks against
COACHING_TRUSTED_PROXIES must be the TCP peer, never a value an X-Forwarded-For header set.
"""

from __future__ import annotations

import logging

from .app import create_app
from .audit import AuditSink, LoggingAuditSink
from .runtime import WorkbenchConfigError, WorkbenchSettings

__all__ = ["WorkbenchConfigError", "serve", "default_audit_sink"]
log = logging.getLogger("coaching_pipeline.workbench")


def default_audit_sink() -> AuditSink:
    """The decisions store (its AuditEntry table; Store.record is the AuditSink protocol),
    opened and migrated here at start; the log only while no store package is installed."""
    try:
        from .store import open_store
    except ImportError:
        log.warning("no decisions store: audit records go to the log only")
        return LoggingAuditSink()
    return open_store()


def serve(host: str = "127.0.0.1", port: int = 8000, warehouse: str | None = None) -> None:
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = WorkbenchSettings.from_env(host=host, port=port, warehouse=warehouse)
    sink = default_audit_sink()
    store = sink if hasattr(sink, "sessions") else None  # the decisions store, when installed
    app = create_app(settings, sink, store=store)
    log.info("workbench on http://%s:%s (auth %s), reading %s", host, port, settings.auth, settings.published)
    uvicorn.run(app, host=host, port=port, proxy_headers=False, server_header=False, log_level="info")
