"""The reads of the admin data-quality and run-status page (/admin, /api/admin), as plain
functions: the published file's marts.publication and ops schema (assets/publish.py) and the
decisions store; never the warehouse (the nightly run holds it) nor the Dagster instance.

What the page calls "the latest load" has to be worked out: the ingestion ledger records when
each file was loaded, not by which run. Files of one run are loaded seconds or minutes apart
(one after the other, per object), runs hours apart, so the latest load is the newest files
back to the first gap longer than LOAD_GAP. Two runs started within that gap show as one
load, which is what an admin asking "what came in last time" wants anyway.

A source is stale when the newest file it delivered that loaded is older than STALE_AFTER: the
extracts are nightly, and three days lets a weekend without exports or one late pull pass
without an alarm, while a connector that stopped is flagged on the third morning.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping

from sqlalchemy import func, select

from ..coaching.components import BY_NAME, SKILL_LABELS
from .published import has_table, rows
from .store.models import AuditEntry, Decision, EscalationRequest

LOAD_GAP = dt.timedelta(minutes=30)
STALE_AFTER = dt.timedelta(days=3)
REFUSALS_WINDOW = dt.timedelta(days=7)
LATEST_REFUSALS = 20
FILES_SHOWN = 200  # of the latest load, on the page (the API has them all)
DAGSTER_URL_VAR = "COACHING_DAGSTER_URL"  # as alerts.py: one setting for every link to runs


# -- the published file ----------------------------------------------------------------------


def publication(cur) -> dict | None:
    """The last publication: when, as of, which run, and each table's rows; None when the file
    has no marts.publication (written by every publication since it was introduced)."""
    if not has_table(cur, "marts", "publication"):
        return None
    tables = rows(cur, "select table_schema, table_name, row_count, published_at, as_of, dagster_run_id "
                       "from marts.publication order by table_schema, table_name")
    if not tables:
        return None
    head = max(tables, key=lambda t: t["published_at"])
    return {"published_at": head["published_at"], "as_of": head["as_of"], "run_id": head["dagster_run_id"],
            "tables": [{"schema": t["table_schema"], "table": t["table_name"], "rows": t["row_count"]}
                       for t in tables]}


def loaded_files(cur) -> list[dict] | None:
    """ops.loaded_files, oldest load first; None when the publication carries no ops schema."""
    if not has_table(cur, "ops", "loaded_files"):
        return None
    return rows(cur, "select source, object, file, status, loaded_at, file_modified_at, rows_read, rows_loaded, "
                     "rows_quarantined, error, attempts from ops.loaded_files order by loaded_at, file")


def quarantine(cur) -> list[dict] | None:
    if not has_table(cur, "ops", "quarantine_summary"):
        return None
    return rows(cur, "select source, object, file, reason, rows, first_rows, example_reason, last_quarantined_at "
                     "from ops.quarantine_summary order by file, rows desc, reason")


def process_gaps(cur) -> list[dict]:
    """The latest week's process gaps (coaching.process_gaps: a skill most of a role cohort
    lacks, reported once instead of an event per seller), by role and skill."""
    if not has_table(cur, "coaching", "process_gaps"):
        return []
    gaps = rows(cur, """select role, skill, assessment_date, scored_sellers, sellers_with_gap, median_score,
                               common_weakest_component
                        from coaching.process_gaps
                        where assessment_date = (select max(assessment_date) from coaching.process_gaps)
                        order by role, skill""")
    for gap in gaps:  # in the words of the coaching texts, as the SLM notice says it
        known = BY_NAME.get(gap["common_weakest_component"] or "")
        gap["component_label"] = known.label if known else gap["common_weakest_component"]
        gap["skill_label"] = SKILL_LABELS.get(gap["skill"], gap["skill"])
    return gaps


def latest_load(files: list[dict], gap: dt.timedelta = LOAD_GAP) -> list[dict]:
    """The files of the newest load: back from the newest loaded_at to the first gap > `gap`.
    `files` in loaded_at order (as loaded_files returns them)."""
    batch: list[dict] = []
    for f in reversed(files):
        if batch and batch[-1]["loaded_at"] - f["loaded_at"] > gap:
            break
        batch.append(f)
    return batch[::-1]


def load_summary(batch: list[dict]) -> dict:
    """The latest load in figures, per source and in all."""
    per_source: dict[str, dict] = {}
    for f in batch:
        s = per_source.setdefault(f["source"], {"source": f["source"], "files": 0, "rejected": 0, "rows_read": 0,
                                                "rows_loaded": 0, "rows_quarantined": 0})
        s["files"] += 1
        s["rejected"] += f["status"] == "failed"
        for key in ("rows_read", "rows_loaded", "rows_quarantined"):
            s[key] += f[key] or 0
    return {"files": len(batch), "rejected": sum(s["rejected"] for s in per_source.values()),
            "from": batch[0]["loaded_at"] if batch else None, "to": batch[-1]["loaded_at"] if batch else None,
            "per_source": sorted(per_source.values(), key=lambda s: s["source"])}


def rejected(files: list[dict]) -> list[dict]:
    """Files whose newest attempt was rejected: still missing from the warehouse until fixed."""
    return sorted((f for f in files if f["status"] == "failed"), key=lambda f: (f["loaded_at"], f["file"]),
                  reverse=True)


def stale_sources(files: list[dict], now: dt.datetime, after: dt.timedelta = STALE_AFTER) -> list[dict]:
    """Per landing-zone folder, its newest file that loaded and whether that is older than
    `after`. A folder that only ever delivered rejected files has no newest file: stale."""
    newest: dict[str, dict | None] = {}
    for f in files:
        newest.setdefault(f["source"], None)
        best = newest[f["source"]]
        if f["status"] == "loaded" and (best is None or f["loaded_at"] > best["loaded_at"]):
            newest[f["source"]] = f
    out = []
    for source, f in sorted(newest.items()):
        age = now - f["loaded_at"] if f else None
        out.append({"source": source, "file": f["file"] if f else None, "loaded_at": f["loaded_at"] if f else None,
                    "file_modified_at": f["file_modified_at"] if f else None,
                    "age_days": round(age.total_seconds() / 86400, 1) if age is not None else None,
                    "stale": age is None or age > after})
    return out


def dagster_url(env: Mapping[str, str] | None = None) -> str | None:
    """The Dagster UI as ops reach it (COACHING_DAGSTER_URL, else settings alerts.dagster_url)."""
    env = os.environ if env is None else env
    url = (env.get(DAGSTER_URL_VAR) or "").strip()
    if not url:
        from ..config import settings

        url = (settings().alerts.dagster_url or "").strip()
    return url.rstrip("/") or None


def run_link(run_id: str | None, url: str | None) -> str | None:
    return f"{url}/runs/{run_id}" if run_id and url else None


# -- the decisions store ---------------------------------------------------------------------


def store_state(store, now: dt.datetime) -> dict:
    """What waits in the decisions store for the next run, and who was refused lately."""
    if store is None or not hasattr(store, "sessions"):
        return {"configured": False}
    since = now - REFUSALS_WINDOW
    in_force = (Decision.applied_at.is_(None), Decision.undone_at.is_(None), Decision.superseded_by.is_(None))
    with store.sessions() as session:
        pending, oldest = session.execute(select(func.count(Decision.id), func.min(Decision.decided_at))
                                          .where(*in_force)).one()
        requests_pending = session.scalar(select(func.count(EscalationRequest.id))
                                          .where(EscalationRequest.applied_at.is_(None)))
        applied = [session.scalar(select(func.max(Decision.applied_at))),
                   session.scalar(select(func.max(EscalationRequest.applied_at)))]
        open_requests, oldest_open = session.execute(
            select(func.count(EscalationRequest.id), func.min(EscalationRequest.requested_at))
            .where(EscalationRequest.resolved_at.is_(None))).one()
        refused = (AuditEntry.allowed.is_(False), AuditEntry.at >= since)
        refusals = session.scalar(select(func.count(AuditEntry.id)).where(*refused))
        latest = session.scalars(select(AuditEntry).where(*refused)
                                 .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(LATEST_REFUSALS)).all()
    return {
        "configured": True, "url": store.url,
        "decisions_pending": pending, "oldest_pending": oldest, "requests_pending": requests_pending,
        "last_applied": max((a for a in applied if a is not None), default=None),
        "escalations_open": open_requests, "oldest_open_escalation": oldest_open,
        "refusals": refusals, "refusals_since": since,
        "latest_refusals": [{"at": e.at, "actor": e.actor, "action": e.action, "target": e.target,
                             "detail": e.detail} for e in latest],
    }


# -- the page --------------------------------------------------------------------------------


def overview(cur, store, now: dt.datetime, url: str | None = None) -> dict:
    """Everything the page and /api/admin show. `now`: naive UTC, as the files store times."""
    pub = publication(cur)
    files = loaded_files(cur)
    batch = latest_load(files) if files else []
    return {
        "now": now,
        "publication": pub and {**pub, "run_link": run_link(pub["run_id"], url),
                                "age_hours": round((now - pub["published_at"]).total_seconds() / 3600, 1)},
        "has_ops": files is not None,
        "latest_load": {**load_summary(batch), "files_list": batch},
        "rejected": rejected(files or []),
        "quarantine": quarantine(cur) or [],
        "process_gaps": process_gaps(cur),
        "sources": stale_sources(files or [], now),
        "stale_after_days": STALE_AFTER.days,
        "store": store_state(store, now),
    }


def when_text(value: dt.datetime | None) -> str:
    return "never" if value is None else f"{value:%Y-%m-%d %H:%M} UTC"


def ago_text(value: dt.datetime | None, now: dt.datetime) -> str:
    """How long ago, in the largest whole unit that reads naturally."""
    if value is None:
        return ""
    seconds = (now - value).total_seconds()
    if seconds < 90:
        return "just now"
    if seconds < 5400:
        return f"{round(seconds / 60)} min ago"
    if seconds < 172800:
        return f"{round(seconds / 3600)} h ago"
    return f"{round(seconds / 86400)} days ago"
