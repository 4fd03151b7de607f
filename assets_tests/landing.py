"""Writing small hand-made landing zones for tests: Salesforce objects as CSV in either
column naming, Gong pages as JSON, the activity log and customer-success exports as CSV."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from coaching_pipeline.ingest.objects import to_snake

# A tiny org: one AE (U1) and their manager (U2), one account, contact and open deal.
U1, U2 = "005000000000000AAA", "005000000000000BBB"

CRM_ROWS = {
    "User": [
        {"Id": U1, "Name": "Ada Rep", "Email": "ada@vendor.example", "IsActive": "true",
         "ManagerId": U2, "UserRoleId": "00E000000000001AAA", "Sales_Role__c": "AE"},
        {"Id": U2, "Name": "Max Manager", "Email": "max@vendor.example", "IsActive": "TRUE",
         "ManagerId": "", "UserRoleId": "00E000000000002AAA", "Sales_Role__c": ""},
    ],
    "UserRole": [
        {"Id": "00E000000000001AAA", "Name": "Account Executive", "ParentRoleId": "00E000000000002AAA"},
        {"Id": "00E000000000002AAA", "Name": "Sales Manager", "ParentRoleId": ""},
    ],
    "Account": [{"Id": "001000000000000AAA", "Name": "Acme", "OwnerId": U1, "AnnualRevenue": "5000000",
                 "NumberOfEmployees": "120", "Industry": "Software"}],
    "Contact": [{"Id": "003000000000000AAA", "AccountId": "001000000000000AAA", "FirstName": "Cy",
                 "LastName": "Buyer", "Email": "cy@acme.example"}],
    "Opportunity": [
        {"Id": "006000000000000AAA", "AccountId": "001000000000000AAA", "OwnerId": U1, "Name": "Acme - Platform",
         "StageName": "Negotiation", "Amount": "50000", "CloseDate": "2025-06-30",
         "CreatedDate": "2025-01-15T09:30:00.000+0000", "IsClosed": "false", "IsWon": "false",
         "Probability": "60", "SystemModstamp": "2025-02-01T00:00:00.000+0000", "Champion__c": "Cy Buyer",
         "IsDeleted": "false"},
    ],
    "OpportunityHistory": [{"Id": "008000000000000AAA", "OpportunityId": "006000000000000AAA",
                            "StageName": "Discovery", "CreatedDate": "2025-01-15T09:30:00Z", "Amount": "50000"}],
    "OpportunityContactRole": [{"Id": "00K000000000000AAA", "OpportunityId": "006000000000000AAA",
                                "ContactId": "003000000000000AAA", "Role": "Champion", "IsPrimary": "1"}],
    "OpportunityFieldHistory": [{"Id": "017000000000000AAA", "OpportunityId": "006000000000000AAA",
                                 "Field": "CloseDate", "CreatedDate": "2025-02-01T00:00:00Z",
                                 "OldValue": "2025-05-31", "NewValue": "2025-06-30"}],
    "Task": [{"Id": "00T000000000000AAA", "OwnerId": U1, "ActivityDate": "2025-01-20",
              "CreatedDate": "2025-01-20T15:00:00-08:00", "TaskSubtype": "Call",
              "WhatId": "006000000000000AAA", "WhoId": "003000000000000AAA", "CallDurationInSeconds": "300"}],
    "Event": [{"Id": "00U000000000000AAA", "OwnerId": U1, "StartDateTime": "2025-01-22T17:00:00Z",
               "EndDateTime": "2025-01-22T18:00:00Z", "DurationInMinutes": "60", "Type": "Demo",
               "Subject": "Platform demo", "WhatId": "006000000000000AAA", "AccountId": "001000000000000AAA"}],
    "ForecastingQuota": [{"QuotaOwnerId": U1, "StartDate": "2025-01-01", "QuotaAmount": "200000",
                          "PeriodId": "026000000000000AAA"}],
    "Period": [{"Id": "026000000000000AAA", "StartDate": "2025-01-01", "EndDate": "2025-03-31", "Type": "Quarter"}],
}


def write_crm_rows(landing: Path, naming: str = "api") -> None:
    for obj, rows in CRM_ROWS.items():
        write_crm(landing, obj, rows, naming=naming)


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


def write_cs(landing: Path, name: str, rows: list[dict]) -> Path:
    """A customer-success export, e.g. name='health_2025-06.csv' or 'onboarding.csv'."""
    return write_csv(landing / "cs" / name, rows)


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


def write_small_landing(landing: Path) -> Path:
    """CRM_ROWS plus one page of each Gong endpoint and a short activity log."""
    write_crm_rows(landing)
    write_gong_page(landing, "users_0001.json", "users", [
        {"id": "234599484848423001", "emailAddress": "ADA@vendor.example", "firstName": "Ada",
         "lastName": "Rep", "managerId": "234599484848423002", "active": True},
        {"id": "234599484848423002", "emailAddress": "max@vendor.example", "firstName": "Max",
         "lastName": "Manager", "active": True},
    ])
    call = gong_call(
        "7000000000000000001", "2025-01-22T17:00:00Z", "234599484848423001",
        opportunity_id="006000000000000AAA", account_id="001000000000000AAA",
        parties=[party("ada@vendor.example", affiliation="Internal", user_id="234599484848423001"),
                 party("cy@acme.example", contact_id="003000000000000AAA")],
        talk_ratio=0.45, questions=12, monologue=95, patience=0.8, customer_story=70,
        trackers={"Next Steps": 2, "Pricing": 0},
    )
    write_gong_page(landing, "calls_0001.json", "calls", [call])
    write_gong_page(landing, "transcripts_0001.json", "callTranscripts", [
        {"callId": "7000000000000000001", "transcript": [
            {"speakerId": "s-cy@acme.example", "topic": None,
             "sentences": [{"start": 1000, "end": 4200, "text": "Our process is manual."}]}]}
    ])
    write_gong_page(landing, "scorecards_0001.json", "scorecards", [
        {"scorecardId": "6843152929075440037", "scorecardName": "AE Call", "enabled": True,
         "updated": "2025-01-01T00:00:00Z",
         "questions": [{"questionId": "35657219295037524478", "questionText": "Discovery: pain uncovered?",
                        "isOverall": False, "minRange": 1, "maxRange": 5}]}
    ])
    write_gong_page(landing, "answered_scorecards_0001.json", "answeredScorecards", [
        {"answeredScorecardId": "563515258458745", "scorecardId": "6843152929075440037",
         "callId": "7000000000000000001", "callStartTime": "2025-01-22T17:00:00Z",
         "reviewedUserId": "234599484848423001", "reviewerUserId": "234599484848423002",
         "reviewTime": "2025-01-23T09:00:00Z",
         "answers": [{"questionId": "35657219295037524478", "isOverall": False, "score": 4,
                      "notApplicable": False}]}
    ])
    write_activities(landing, [
        {"activity_id": "a1", "source": "outreach", "rep_id": U1, "activity_type": "Email",
         "occurred_at": "2025-01-21T10:00:00Z", "opportunity_id": "006000000000000AAA"},
        {"activity_id": "a2", "source": "outreach", "rep_id": U1, "activity_type": "voicemail",
         "occurred_at": "2025-01-22T11:00:00Z"},
    ])
    return landing
