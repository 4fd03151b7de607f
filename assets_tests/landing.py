"""Writing small hand-made landing zones for tests: Salesforce objects as CSV in either
column naming, Gong pages as JSON, the activity log as CSV."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from coaching_pipeline.ingest.objects import to_snake


def write_csv(path: Path, rows: list[dict], columns: list[str] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = columns or list(dict.fromkeys(k for row in rows for k in row))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in columns})
    return path


def write_crm(landing: Path, obj: str, rows: list[dict], naming: str = "api", suffix: str = "") -> Path:
    """`rows` use Salesforce API names; naming='snake' writes the EL tools' headers."""
    if naming == "snake":
        rows = [{to_snake(k): v for k, v in row.items()} for row in rows]
    name = f"{obj}__{suffix}.csv" if suffix else f"{obj}.csv"
    return write_csv(landing / "crm" / name, rows)


def write_gong_page(landing: Path, name: str, payload_key: str, records: list, cursor: str | None = None,
                    page_number: int = 0) -> Path:
    path = landing / "gong" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    page = {
        "requestId": f"req-{name}",
        "records": {
            "totalRecords": len(records),
            "currentPageSize": len(records),
            "currentPageNumber": page_number,
            **({"cursor": cursor} if cursor else {}),
        },
        payload_key: records,
    }
    path.write_text(json.dumps(page), encoding="utf-8")
    return path


def write_activities(landing: Path, rows: list[dict], name: str = "activities_1.csv") -> Path:
    return write_csv(landing / "activity" / name, rows)


def gong_call(call_id, started, primary_user_id, *, scope="External", opportunity_id=None,
              account_id=None, parties=(), talk_ratio=None, questions=None, trackers=None,
              duration=1800, monologue=None, patience=None, customer_story=None):
    """A call in the shape of POST /v2/calls/extensive with context Extended."""
    objects = []
    if account_id:
        objects.append({"objectType": "Account", "objectId": account_id, "fields": [{"name": "Name", "value": "Acct"}]})
    if opportunity_id:
        objects.append({"objectType": "Opportunity", "objectId": opportunity_id, "fields": []})
    stats = []
    for name, value in (("Talk Ratio", talk_ratio), ("Longest Monologue", monologue),
                        ("Longest Customer Story", customer_story), ("Patience", patience)):
        if value is not None:
            stats.append({"name": name, "value": value})
    return {
        "metaData": {
            "id": call_id, "url": f"https://app.gong.io/call?id={call_id}", "title": f"Call {call_id}",
            "scheduled": started, "started": started, "duration": duration,
            "primaryUserId": primary_user_id, "direction": "Conference", "system": "Zoom",
            "scope": scope, "media": "Video", "language": "eng", "workspaceId": "623457276584334",
        },
        "context": [{"system": "Salesforce", "objects": objects}] if objects else [],
        "parties": list(parties),
        "content": {"trackers": [{"name": n, "count": c} for n, c in (trackers or {}).items()]},
        "interaction": {
            "interactionStats": stats,
            **({"questions": {"companyCount": questions, "nonCompanyCount": 2}} if questions is not None else {}),
        },
    }


def party(email, *, affiliation="External", user_id=None, speaker_id=None, name=None, contact_id=None):
    p = {"id": f"p-{email}", "emailAddress": email, "name": name or email.split("@")[0],
         "affiliation": affiliation, "speakerId": speaker_id or f"s-{email}"}
    if user_id:
        p["userId"] = user_id
    if contact_id:
        p["context"] = [{"system": "Salesforce", "objects": [{"objectType": "Contact", "objectId": contact_id}]}]
    return p
