"""Realistic mess: Opportunity re-delivery (full extract a week before as_of, then a delta with
newer versions and one stale row that must lose), the small "late" extract files holding the
planted quarantine rows at fixed positions, suspicious-but-legal rows (among them two deals
in CHF, a currency with no CurrencyType row), and the late Gong pages (a re-delivered call, a
call without metaData.started, an unknown opportunity, ids as JSON numbers, and a truncated
page).

The quarantine rows are the same at every scale and seed: they live in their own small files
whose row numbers never depend on the generated volume (see QUARANTINE).
"""

from __future__ import annotations

import copy
import datetime as dt
import random

import numpy as np
import polars as pl

from . import currency
from .accounts import Accounts
from .activities import LOG_COLUMNS, TASK_COLUMNS
from .common import DAY, G_CALL, Calendar, bool_text, date_text, gong_id, int_text, masked, sf_id, ts_text
from .crm import OPPORTUNITY_COLUMNS
from .deals import Deals
from .gong import GongWriter, page
from .org import Org
from .writers import Sink, dumps, frame

OPP_LATE = "crm/Opportunity__zz_late.csv"
TASK_LATE = "crm/Task__zz_late.csv"
ACTIVITY_LATE = "activity/activities_zz_late.csv"
CALLS_LATE = "gong/calls_9998.json"
CALLS_BROKEN = "gong/calls_9999.json"

# file, 1-based row (data row, header excluded; Gong: index in the payload array; 0: the
# whole file), the reason the loader is expected to give.
QUARANTINE = [
    {"file": OPP_LATE, "row": 1, "reason": "missing required value: OwnerId (owner_id) is empty"},
    {"file": OPP_LATE, "row": 2, "reason": "unparseable date in CloseDate (close_date): '31/02/2025'"},
    {"file": OPP_LATE, "row": 3, "reason": "negative Amount (amount): -12500"},
    {"file": TASK_LATE, "row": 1, "reason": "duplicate Id within the file with conflicting content"},
    {"file": TASK_LATE, "row": 2, "reason": "duplicate Id within the file with conflicting content"},
    {"file": CALLS_BROKEN, "row": 0, "reason": "page does not parse as JSON (truncated file)"},
    {"file": ACTIVITY_LATE, "row": 1, "reason": "unparseable timestamp in occurred_at: 'yesterday'"},
    {"file": CALLS_LATE, "row": 1, "reason": "missing required value: metaData.started (started)"},
]
# Suspicious but legal rows: they load and are counted in the data-quality report.
SUSPICIOUS = [
    {"file": OPP_LATE, "row": 4, "reason": "opportunity owner is not a known user"},
    {"file": OPP_LATE, "row": 5, "reason": "CloseDate before CreatedDate"},
    {"file": CALLS_LATE, "row": 4, "reason": "call linked to an unknown opportunity"},
    {"file": OPP_LATE, "row": 6, "reason": "CurrencyIsoCode CHF has no conversion rate (open deal)"},
    {"file": OPP_LATE, "row": 7, "reason": "CurrencyIsoCode CHF has no conversion rate (won deal)"},
]
UNKNOWN_OWNER = sf_id("005", 899_999_999)
UNKNOWN_OPPORTUNITY = sf_id("006", 899_999_999)
LATE_OPP_IDS = [sf_id("006", 900_000_001 + k) for k in range(7)]
LATE_TASK_IDS = [sf_id("00T", 900_000_001), sf_id("00T", 900_000_002)]
MISSING_STARTED_CALL = gong_id(G_CALL, 990_000_001)
UNKNOWN_OPP_CALL = gong_id(G_CALL, 990_000_002)


def _opp_frame(deals: Deals, acc: Accounts, org: Org, idx: np.ndarray, state: dict, bools: str, ts_style: str) -> pl.DataFrame:
    cols = {
        "Id": deals.id[idx], "AccountId": acc.id[deals.account[idx]], "OwnerId": org.s_id[deals.owner[idx]],
        "Name": deals.name[idx], "StageName": state["stage"], "Amount": deals.amount_text.gather(idx),
        "CurrencyIsoCode": np.array(currency.CODES)[deals.currency[idx]],
        "CloseDate": date_text(deals.close_day[idx]), "CreatedDate": ts_text(deals.created_ts[idx], "sf"),
        "IsClosed": bool_text(state["closed"], bools), "IsWon": bool_text(state["won"], bools),
        "ForecastCategoryName": state["forecast"], "Probability": int_text(state["prob"]),
        "Type": deals.dtype[idx], "LeadSource": deals.lead_source[idx],
        "NextStep": masked(deals.next_step[idx], deals.next_step[idx] != ""),
    }
    for field, values in deals.meddpicc.items():
        cols[field] = masked(values[idx], values[idx] != "")
    cols["IsDeleted"] = bool_text(deals.deleted[idx], bools)
    cols["LastModifiedDate"] = ts_text(state["modstamp"] - 2, ts_style)
    cols["SystemModstamp"] = ts_text(state["modstamp"], ts_style)
    names = list(OPPORTUNITY_COLUMNS)
    if deals.created_by is not None:  # the role fields (roles_crm.sdr_sourcing), after the existing columns
        cols["SDR__c"] = masked(deals.sdr_field[idx], deals.sdr_field[idx] != "")
        cols["CreatedById"] = deals.created_by[idx]
        names += ["SDR__c", "CreatedById"]
    return frame({k: cols[k] for k in names})


def _final_state(deals: Deals, idx: np.ndarray) -> dict:
    return {"stage": deals.stage_name[idx], "closed": deals.closed[idx], "won": deals.won[idx],
            "forecast": deals.forecast[idx], "prob": deals.probability[idx], "modstamp": deals.last_mod_ts[idx]}


def write_opportunities(deals: Deals, acc: Accounts, org: Org, cal: Calendar, sink: Sink) -> dict:
    """Opportunity.csv: the full extract taken at snapshot (a week before as_of) - deals changed
    since then appear in the version they had at the snapshot. Opportunity__<as_of>_delta.csv:
    the newer versions (greater SystemModstamp) plus, as its last row, one re-delivered row with
    an OLDER SystemModstamp than the full extract's version (it must lose)."""
    snap = cal.snapshot_ts
    in_base = deals.created_ts <= snap
    updated = in_base & (deals.last_mod_ts > snap)
    base_idx = np.flatnonzero(in_base)
    state = _final_state(deals, base_idx)
    # versions as of the snapshot for deals that changed since
    h = deals.hist
    order = np.lexsort((h["ts"], h["deal"]))
    keys = h["deal"][order] * (1 << 32) + h["ts"][order]
    upd_pos = np.flatnonzero(updated[base_idx])
    d_upd = base_idx[upd_pos]
    j = order[np.searchsorted(keys, d_upd * (1 << 32) + snap, side="right") - 1]
    close_row = np.isin(h["stage"][j], ["Closed Won", "Closed Lost"])
    state["stage"] = state["stage"].astype(object)
    state["forecast"] = state["forecast"].astype(object)
    state["stage"][upd_pos] = h["stage"][j]
    state["forecast"][upd_pos] = h["forecast"][j]
    state["prob"] = state["prob"].copy()
    state["prob"][upd_pos] = h["prob"][j]
    state["closed"] = state["closed"].copy()
    state["won"] = state["won"].copy()
    state["closed"][upd_pos] = close_row
    state["won"][upd_pos] = close_row & (h["stage"][j] == "Closed Won")
    state["modstamp"] = state["modstamp"].copy()
    state["modstamp"][upd_pos] = np.minimum(np.maximum(h["ts"][j], deals.created_ts[d_upd]) + 5, snap)
    sink.csv("crm/Opportunity.csv", "Opportunity", _opp_frame(deals, acc, org, base_idx, state, "lower", "sf"))

    delta_idx = np.flatnonzero(deals.last_mod_ts > snap)
    delta_idx = delta_idx[np.argsort(deals.last_mod_ts[delta_idx], kind="stable")]
    delta = _opp_frame(deals, acc, org, delta_idx, _final_state(deals, delta_idx), "upper", "z")
    # the stale re-delivery: an old closed-won deal, re-sent with an older version
    cand = np.flatnonzero(deals.won & ~deals.deleted & ~updated & in_base
                          & (deals.last_mod_ts < snap - 40 * DAY) & (deals.last_mod_ts - deals.created_ts > 30 * DAY))
    stale = int(cand[0])
    st_idx = np.array([stale])
    st_state = {"stage": np.array(["Negotiation"]), "closed": np.array([False]), "won": np.array([False]),
                "forecast": np.array(["Commit"]), "prob": np.array([80]),
                "modstamp": np.array([deals.last_mod_ts[stale] - 20 * DAY])}
    delta = pl.concat([delta, _opp_frame(deals, acc, org, st_idx, st_state, "upper", "z")])
    sink.csv(f"crm/Opportunity__{cal.as_of:%Y-%m-%d}_delta.csv", "Opportunity", delta)
    return {"updated_in_delta": [str(x) for x in deals.id[np.flatnonzero(updated)][:5]],
            "stale_redelivery": {"file": f"crm/Opportunity__{cal.as_of:%Y-%m-%d}_delta.csv", "row": delta.height,
                                 "id": str(deals.id[stale])}}


def write_late_opportunities(acc: Accounts, org: Org, cal: Calendar, sink: Sink) -> None:
    as_of = cal.as_of
    d = lambda k: (as_of + dt.timedelta(days=k)).isoformat()  # noqa: E731
    ts = lambda k: f"{as_of + dt.timedelta(days=k)}T17:05:00.000+0000"  # noqa: E731
    owner, account = str(org.s_id[0]), str(acc.id[0])
    # the CHF deals belong to the first seller dealing in EUR (a Swiss customer of a Berlin team)
    eu = int(np.flatnonzero(org.s_currency == currency.EUR)[0])
    eu_owner, eu_account = str(org.s_id[eu]), str(acc.id[acc.book_start[eu]])
    rows = [
        # 1: quarantine - empty OwnerId
        [LATE_OPP_IDS[0], account, None, "Late Deal - Missing Owner", "Discovery", "15000", d(30), ts(-10), "0", "0",
         "Pipeline", "10"],
        # 2: quarantine - unparseable CloseDate
        [LATE_OPP_IDS[1], account, owner, "Late Deal - Bad Date", "Qualification", "22000", "31/02/2025", ts(-12),
         "0", "0", "Pipeline", "20"],
        # 3: quarantine - negative Amount
        [LATE_OPP_IDS[2], account, owner, "Late Deal - Negative Amount", "Proposal", "-12500", d(20), ts(-15), "0",
         "0", "Best Case", "60"],
        # 4: suspicious, loads - owner is not a known user
        [LATE_OPP_IDS[3], account, UNKNOWN_OWNER, "Late Deal - Departed Owner", "Closed Lost", "18000", d(-20),
         ts(-60), "1", "0", "Omitted", "0"],
        # 5: suspicious, loads - CloseDate before CreatedDate
        [LATE_OPP_IDS[4], account, owner, "Late Deal - Backdated Close", "Closed Lost", "9000", d(-40), ts(-20), "1",
         "0", "Omitted", "0"],
        # 6, 7: suspicious, load - CurrencyIsoCode CHF has no CurrencyType row (no rate)
        [LATE_OPP_IDS[5], eu_account, eu_owner, "Late Deal - Swiss Pilot", "Proposal", "36500.00", d(25), ts(-30),
         "0", "0", "Best Case", "60"],
        [LATE_OPP_IDS[6], eu_account, eu_owner, "Late Deal - Swiss Expansion", "Closed Won", "18250.50", d(-6),
         ts(-45), "1", "1", "Closed", "100"],
    ]
    head = ["Id", "AccountId", "OwnerId", "Name", "StageName", "Amount", "CloseDate", "CreatedDate", "IsClosed",
            "IsWon", "ForecastCategoryName", "Probability"]
    cols = {h: [r[i] for r in rows] for i, h in enumerate(head)}
    cols["CurrencyIsoCode"] = ["USD"] * 5 + [currency.UNKNOWN_CURRENCY] * 2
    cols["Type"] = ["New Business"] * 5 + ["Expansion"] * 2
    cols["IsDeleted"] = ["0"] * 7
    cols["SystemModstamp"] = [ts(-1)] * 7
    sink.csv(OPP_LATE, "Opportunity", frame(cols))


def write_late_tasks(acc: Accounts, org: Org, cal: Calendar, sink: Sink) -> None:
    as_of = cal.as_of
    owner, account = str(org.s_id[0]), str(acc.id[0])
    base = {c: [None, None, None] for c in TASK_COLUMNS}
    base["Id"] = [LATE_TASK_IDS[0], LATE_TASK_IDS[0], LATE_TASK_IDS[1]]
    base["OwnerId"] = [owner] * 3
    base["AccountId"] = [account] * 3
    base["Subject"] = ["Call: follow up", "Email: Proposal", "Send contract"]
    base["ActivityDate"] = [(as_of - dt.timedelta(days=k)).isoformat() for k in (3, 2, 2)]
    base["Status"] = ["Completed"] * 3
    base["Priority"] = ["Normal"] * 3
    base["TaskSubtype"] = ["Call", "Email", "Task"]
    base["Type"] = ["Call", "Email", "To Do"]
    base["CallDurationInSeconds"] = ["240", None, None]
    base["CallType"] = ["Outbound", None, None]
    base["IsClosed"] = ["true"] * 3
    base["IsDeleted"] = ["false"] * 3
    stamp = [f"{as_of - dt.timedelta(days=k)}T16:00:00.000+0000" for k in (3, 2, 2)]
    base["CreatedDate"] = base["LastModifiedDate"] = base["SystemModstamp"] = stamp
    sink.csv(TASK_LATE, "Task", frame(base))


def write_late_activities(redeliver: list[dict], org: Org, acc: Accounts, cal: Calendar, sink: Sink) -> None:
    rows = [{"activity_id": "99000001", "source": "outreach", "rep_id": str(org.s_id[0]), "activity_type": "email",
             "occurred_at": "yesterday", "account_id": str(acc.id[0]), "contact_id": None, "opportunity_id": None,
             "duration_seconds": None, "direction": "outbound", "outcome": "sent"}]
    for r in redeliver:  # re-delivered keys: the later row replaces the earlier one
        r = dict(r)
        r["outcome"] = {"sent": "replied", "opened": "replied"}.get(r["outcome"], "updated")
        rows.append({c: r.get(c) for c in LOG_COLUMNS})
    sink.csv(ACTIVITY_LATE, "activities", frame({c: [r[c] for r in rows] for c in LOG_COLUMNS}))


def write_late_gong(gw: GongWriter, kept: dict, seed: int, sink: Sink) -> dict:
    a_i, b_i = sorted(kept)
    a, b = kept[a_i], kept[b_i]
    missing = copy.deepcopy(a)
    missing["metaData"]["id"] = str(MISSING_STARTED_CALL)
    missing["metaData"]["url"] = f"https://app.gong.io/call?id={MISSING_STARTED_CALL}"
    del missing["metaData"]["started"]
    updated = copy.deepcopy(a)  # later processing of the same call: updated title and trackers
    updated["metaData"]["title"] += " (reprocessed)"
    updated["metaData"]["id"] = int(updated["metaData"]["id"])  # ids as JSON numbers
    updated["metaData"]["primaryUserId"] = int(updated["metaData"]["primaryUserId"])
    for t in updated["content"]["trackers"]:
        if t["name"] == "Next Steps":
            t["count"] += 1
    identical = copy.deepcopy(b)
    unknown = copy.deepcopy(b)
    unknown["metaData"]["id"] = UNKNOWN_OPP_CALL
    unknown["metaData"]["url"] = f"https://app.gong.io/call?id={UNKNOWN_OPP_CALL}"
    for ctx in unknown["context"]:
        for obj in ctx["objects"]:
            if obj["objectType"] == "Opportunity":
                obj["objectId"] = UNKNOWN_OPPORTUNITY
    items = [missing, updated, identical, unknown]
    doc = page(random.Random(f"{seed}:calls-late"), "calls", items, len(items), 0, True)
    sink.json(CALLS_LATE, "gong_calls", doc, "calls")
    # a truncated page (fixed content: the same at every scale and seed)
    full = dumps({"requestId": "trunc00000000000000",
                  "records": {"totalRecords": 1, "currentPageSize": 1, "currentPageNumber": 0},
                  "calls": [{"metaData": {"id": "7999999999999999999", "title": "Truncated export",
                                          "started": "2026-01-05T10:00:00-08:00", "duration": 1800}}]})
    sink.text(CALLS_BROKEN, "gong_calls", full[:150], 0)
    return {"redelivered_updated": str(a["metaData"]["id"]), "redelivered_identical": str(b["metaData"]["id"])}
