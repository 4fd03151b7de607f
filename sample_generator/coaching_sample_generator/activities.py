"""Daily seller activity: Salesforce Tasks and Events and the sales-engagement activity log,
generated month by month (bounded memory at L) from one daily budget per seller.

Per seller and business day, the counted activities (call, email, meeting, demo) follow the
seller's latent skill: top performers ~15-19 a day, the rest ~6.5-9, with some low days
(< 5) on business days; weekends are nearly empty. Uncounted social/task/other rows come on
top. Each activity lands in one system: a Task (call/email/LinkedIn/to-do), an Event
(meeting/demo) or an activity-log row. Activities link to one of the seller's deals that is
being worked that day; their WhoId is one of the deal's contact-role contacts, so
stakeholder counts follow the contact roles. Events on a deal never precede its first
meeting, so days-to-first-meeting stays as planted in deals.py.

Days are the seller's local days: business days, weekends and working hours follow the
seller's IANA zone (common.Calendar.work_ts, daylight saving included), and every planted
timestamp keeps its local date equal to its UTC date. The outreach export writes local time
with the seller's offset of that day; the other tools write UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import polars as pl

from .accounts import Accounts, Contacts
from .common import (
    DAY,
    Calendar,
    bool_text,
    cat,
    date_text,
    int_text,
    masked,
    rng_for,
    sf_ids_pl,
    to_series,
    ts_text,
    weekday,
)
from .deals import Deals
from .org import Org, ScaleSpec
from .writers import Sink, frame
from .writers import check_plain as _check_plain

# type codes
CALL, EMAIL, MEETING, DEMO, SOCIAL, TASK, OTHER = range(7)
TYPE_TEXT = [["call", "Call", "CALL"], ["email", "Email", "EMAIL"], ["meeting", "Meeting"], ["demo", "Demo"],
             ["social", "Social"], ["task", "Task"], ["other", "voicemail", "sms", "Other"]]
OUTCOMES = [["connected", "no_answer", "left_voicemail", "busy"], ["sent", "opened", "replied", "bounced"],
            ["held", "held", "held", "no_show", "rescheduled"], ["held", "held", "no_show"],
            ["sent", "accepted"], ["completed"], ["logged"]]
TASK_SUBJECTS = {
    "Call": ["Call", "Call: follow up", "Cold call", "Call: check-in", "Call: pricing questions"],
    "Email": ["Email: Following up", "Email: Proposal", "Email: Intro", "Email: Re: pricing", "Email: Recap and next steps"],
    "ListEmail": ["Mass Email: webinar invite", "Mass Email: product update"],
    "LinkedIn": ["LinkedIn InMail", "LinkedIn: connection request"],
    "Task": ["Update MEDDPICC", "Send contract", "Prepare QBR deck", "Follow up on security questionnaire",
             "Log call notes"],
}
MEETING_SUBJECTS = ["Discovery call", "Follow-up meeting", "Business review", "Intro meeting",
                    "Stakeholder alignment", "Pricing discussion", "Technical deep dive"]
DEMO_SUBJECTS = ["Product demo", "Platform demo", "Custom demo for stakeholders"]

TASK_COLUMNS = ["Id", "OwnerId", "WhoId", "WhatId", "AccountId", "Subject", "ActivityDate", "Status", "Priority",
                "TaskSubtype", "Type", "CallDurationInSeconds", "CallType", "IsClosed", "IsDeleted",
                "CreatedDate", "LastModifiedDate", "SystemModstamp"]
EVENT_COLUMNS = ["Id", "OwnerId", "WhoId", "WhatId", "AccountId", "Subject", "Type", "StartDateTime",
                 "EndDateTime", "DurationInMinutes", "ActivityDate", "Location", "ShowAs", "IsDeleted",
                 "CreatedDate", "SystemModstamp"]
LOG_COLUMNS = ["activity_id", "source", "rep_id", "activity_type", "occurred_at", "account_id", "contact_id",
               "opportunity_id", "duration_seconds", "direction", "outcome"]
SOURCE_BASE = {"outreach": 48_000_000, "salesloft": 7_100_000, "dialer": 0}


class DealPicker:
    """Finds, for (seller, day), one of the seller's recent deals that is being worked."""

    def __init__(self, org: Org, deals: Deals):
        self.deals = deals
        order = np.lexsort((deals.created_day, deals.owner))
        self.order = order
        self.keys = deals.owner[order] * (1 << 21) + deals.created_day[order]
        self.rep_start = np.searchsorted(self.keys, np.arange(org.n_sellers) * (1 << 21))

    def pick(self, rep, day, u, min_after_meeting: bool = False) -> np.ndarray:
        pos = np.searchsorted(self.keys, rep * (1 << 21) + day, side="right")
        cnt = pos - self.rep_start[rep]
        k = np.minimum(cnt, 6)
        j = np.where(cnt > 0, pos - 1 - (u * k).astype(np.int64), 0)
        deal = self.order[np.clip(j, 0, len(self.order) - 1)] if len(self.order) else np.zeros_like(rep)
        ok = (cnt > 0) & (self.deals.end_day[deal] >= day)
        if min_after_meeting:
            ok &= self.deals.has_meeting[deal] & (day > self.deals.fm_day[deal])
        return np.where(ok, deal, -1)


def _contact_of_deal(deals: Deals, deal, u) -> np.ndarray:
    d = np.maximum(deal, 0)
    return deals.ocr_contact[deals.ocr_start[d] + (u * deals.ocr_count[d]).astype(np.int64)]


def _g(src: pl.Series, idx, keep=None) -> pl.Series:
    """src[idx] as text, null where keep is False (or where idx < 0 when keep is None)."""
    idx = np.asarray(idx, np.int64)
    out = src.gather(np.maximum(idx, 0))
    return masked(out, idx >= 0 if keep is None else keep)


def _flat(options: dict) -> tuple[list[str], dict]:
    flat, start = [], {}
    for key, opts in options.items():
        start[key] = (len(flat), len(opts))
        flat += opts
    return flat, start


TASK_SUBTYPES = ["Call", "Email", "ListEmail", "LinkedIn", "Task"]
TASK_TYPES = ["Call", "Email", "Email", "Other", "To Do"]
_TASK_SUBJ, _TASK_SUBJ_START = _flat(TASK_SUBJECTS)
_EVENT_SUBJ = MEETING_SUBJECTS + DEMO_SUBJECTS + ["Discovery call"]


def generate_activities(org: Org, acc: Accounts, con: Contacts, deals: Deals, cal: Calendar,
                        spec: ScaleSpec, seed: int, sink: Sink, tick=lambda: None) -> dict:
    """Tasks, Events and the activity log, month by month; each month's draws in this order:
    the day's activities (_month_activities), Tasks, Events, the activity log. The result's
    "touches" counts each seller's calls, emails and social touches per month (for the role
    ground truth, roles_truth.py); counting draws nothing."""
    rng = rng_for(seed, "activities")
    picker = DealPicker(org, deals)
    tx = _Text(S_ID=to_series(org.s_id), S_EMAIL=to_series(org.s_email), ACC_ID=to_series(acc.id),
               ACC_NAME=to_series(acc.name), CON_ID=to_series(con.id), DEAL_ID=to_series(deals.id))
    years = sorted(p.label for p in cal.periods if p.kind == "Year")
    _check_plain(acc.name)  # Event subjects carry account names; these files are written unquoted
    task_files = {y: sink.appender(f"crm/Task__{y}.csv", "Task", quote="never") for y in years}
    event_files = {y: sink.appender(f"crm/Event__{y}.csv", "Event", quote="never") for y in years}
    styles = {y: ("lower", "upper")[i % 2] for i, y in enumerate(years)}

    # first-meeting Events of the deals (the meeting that starts the clock of days-to-meeting)
    fm = np.flatnonzero(deals.has_meeting)
    fm_day_utc = deals.fm_ts[fm] // DAY
    counters = {"task": 0, "event": 0, "outreach": 0, "salesloft": 0, "dialer": 0}
    redeliver: list[dict] = []
    ext = "parquet" if spec.activity_format == "parquet" else "csv"
    touches = np.zeros((org.n_sellers, len(cal.months)), np.int64)

    for mi, month in enumerate(cal.months):
        d0, d1 = max(month.start_day, cal.start_day), min(month.end_day, cal.end_day)
        a = _month_activities(org, acc, deals, cal, picker, d0, d1, rng)
        is_touch = np.isin(a.a_type, [CALL, EMAIL, SOCIAL])
        touches[:, mi] = np.bincount(a.a_rep[is_touch], minlength=org.n_sellers)
        year = f"FY{fy_of(cal, d0)}"
        style = styles[year]
        df = _tasks(a, tx, cal, style, counters["task"], rng)
        if df is not None:
            counters["task"] += df.height
            task_files[year].write(df)
        df = _events(a, deals, fm[(fm_day_utc >= d0) & (fm_day_utc <= d1)], tx, cal, style, counters["event"], rng)
        if df is not None:
            counters["event"] += df.height
            event_files[year].write(df)
        df = _activity_log(a, org, cal, tx, counters, mi == 0, rng)
        rel = f"activity/activities_{month.start:%Y-%m}.{ext}"
        if ext == "parquet":
            sink.parquet(rel, "activities", df, dictionary=["source", "activity_type", "direction", "outcome"])
        else:
            sink.csv(rel, "activities", df, quote="never")
        if mi == 1:
            redeliver = df.filter(pl.col("source") == "outreach").head(3).to_dicts()
        tick()

    for f in (*task_files.values(), *event_files.values()):
        f.close()
    return {"redeliver": redeliver, "counters": counters, "touches": touches}


@dataclass
class _Text:
    """The id and name columns that activities gather from."""
    S_ID: pl.Series
    S_EMAIL: pl.Series
    ACC_ID: pl.Series
    ACC_NAME: pl.Series
    CON_ID: pl.Series
    DEAL_ID: pl.Series


def _month_activities(org: Org, acc: Accounts, deals: Deals, cal: Calendar, picker: DealPicker, d0: int, d1: int,
                      rng: np.random.Generator) -> SimpleNamespace:
    """The activities of days d0..d1: per seller and day a budget of counted and uncounted
    activities, each one's type, system (Task, Event or activity log), time, deal, account
    and contact."""
    P = org.params
    days = np.arange(d0, d1 + 1, dtype=np.int64)
    S, D = org.n_sellers, len(days)
    rep = np.repeat(np.arange(S), D)
    day = np.tile(days, S)
    bd = weekday(day) < 5
    low = bd & (rng.random(len(rep)) < P["p_low"][rep])
    counted = np.where(bd, np.where(low, rng.integers(0, 5, len(rep)), rng.poisson(P["daily"][rep])),
                       rng.poisson(0.15, len(rep)))
    unc = np.where(bd, rng.poisson(1.1, len(rep)), 0)
    a_rep = np.concatenate([np.repeat(rep, counted), np.repeat(rep, unc)])
    a_day = np.concatenate([np.repeat(day, counted), np.repeat(day, unc)])
    nc, nu = int(counted.sum()), int(unc.sum())
    a_type = np.concatenate([rng.choice(4, size=nc, p=[0.38, 0.45, 0.13, 0.04]),
                             4 + rng.choice(3, size=nu, p=[0.35, 0.40, 0.25])])
    n = len(a_rep)
    u = rng.random((8, n))
    to_task = (((a_type == CALL) | (a_type == EMAIL)) & (u[0] < 0.12)) | ((a_type == SOCIAL) & (u[0] < 0.4)) | (
        (a_type == TASK) & (u[0] < 0.7))
    to_event = ((a_type == MEETING) | (a_type == DEMO)) & (u[0] < 0.45)
    to_log = ~(to_task | to_event)
    t = cal.work_ts(a_day, org.s_tz[a_rep], u[1])
    # deal link, contact and account
    want = u[2] < np.where(to_event, 0.7, np.where(to_task, 0.6, 0.55))
    deal = np.where(want, picker.pick(a_rep, a_day, u[3]), -1)
    dd = np.maximum(deal, 0)
    bad_event = to_event & (deal >= 0) & ~(deals.has_meeting[dd] & (a_day > deals.fm_day[dd]))
    deal = np.where(bad_event, -1, deal)
    dd = np.maximum(deal, 0)
    book_acc = acc.book_start[a_rep] + (u[4] * acc.book_size[a_rep]).astype(np.int64)
    account = np.where(deal >= 0, deals.account[dd], book_acc)
    acc_contact = acc.contact_start[account] + (u[5] * acc.contact_count[account]).astype(np.int64)
    contact = np.where(deal >= 0, _contact_of_deal(deals, deal, u[5]), acc_contact)
    return SimpleNamespace(a_rep=a_rep, a_day=a_day, a_type=a_type, u=u, t=t, to_task=to_task, to_event=to_event,
                           to_log=to_log, deal=deal, account=account, contact=contact)


def _tasks(a: SimpleNamespace, tx: _Text, cal: Calendar, style: str, first: int,
           rng: np.random.Generator) -> pl.DataFrame | None:
    """The month's Task rows (Ids after `first`), None when there are none."""
    a_rep, a_day, a_type, u, t = a.a_rep, a.a_day, a.a_type, a.u, a.t
    deal, account, contact = a.deal, a.account, a.contact
    S_ID, ACC_ID, CON_ID, DEAL_ID = tx.S_ID, tx.ACC_ID, tx.CON_ID, tx.DEAL_ID
    ti = np.flatnonzero(a.to_task)
    if not len(ti):
        return None
    m = len(ti)
    tt = a_type[ti]
    sub = np.where(tt == CALL, 0, np.where(tt == EMAIL, np.where(u[6][ti] < 0.15, 2, 1),
                                           np.where(tt == SOCIAL, 3, 4)))
    starts = np.array([_TASK_SUBJ_START[k][0] for k in TASK_SUBTYPES])
    sizes = np.array([_TASK_SUBJ_START[k][1] for k in TASK_SUBTYPES])
    subj = starts[sub] + (rng.random(m) * sizes[sub]).astype(np.int64)
    d = deal[ti]
    is_call = sub == 0
    created = t[ti]
    modified = np.minimum(created + rng.integers(0, 3 * DAY, m), cal.end_ts)
    r = rng.random((4, m))
    what = _g(DEAL_ID, d).zip_with(pl.Series(d >= 0), _g(ACC_ID, account[ti], r[0] < 0.3))
    df = frame({
        "Id": sf_ids_pl("00T", first + 1 + np.arange(m)),
        "OwnerId": S_ID.gather(a_rep[ti]),
        "WhoId": _g(CON_ID, contact[ti], u[6][ti] < 0.92),
        "WhatId": what,
        "AccountId": ACC_ID.gather(account[ti]),
        "Subject": cat(_TASK_SUBJ, subj),
        "ActivityDate": masked(date_text(a_day[ti]), r[1] >= 0.03),
        "Status": cat(["Completed"], np.zeros(m, np.int64)),
        "Priority": cat(["Normal", "High"], (r[2] < 0.1).astype(np.int64)),
        "TaskSubtype": cat(TASK_SUBTYPES, sub),
        "Type": cat(TASK_TYPES, sub),
        "CallDurationInSeconds": masked(int_text(rng.integers(20, 900, m)), is_call),
        "CallType": masked(cat(["Outbound", "Inbound"], (r[3] >= 0.9).astype(np.int64)), is_call),
        "IsClosed": bool_text(np.ones(m, bool), style),
        "IsDeleted": bool_text(rng.random(m) < 0.003, style),
        "CreatedDate": ts_text(created, "sf"),
        "LastModifiedDate": ts_text(modified, "sf"),
        "SystemModstamp": ts_text(modified, "sf"),
    })
    return df


def _events(a: SimpleNamespace, deals: Deals, f_sel: np.ndarray, tx: _Text, cal: Calendar, style: str, first: int,
            rng: np.random.Generator) -> pl.DataFrame | None:
    """The month's Event rows (Ids after `first`): meetings and demos of the activity budget
    and the first-meeting Events f_sel of the deals; None when there are none."""
    a_rep, a_type, t = a.a_rep, a.a_type, a.t
    deal, account, contact = a.deal, a.account, a.contact
    S_ID, ACC_ID, ACC_NAME, CON_ID, DEAL_ID = tx.S_ID, tx.ACC_ID, tx.ACC_NAME, tx.CON_ID, tx.DEAL_ID
    ei = np.flatnonzero(a.to_event)
    n_e, n_f = len(ei), len(f_sel)
    m = n_e + n_f
    if not m:
        return None
    is_demo = np.concatenate([a_type[ei] == DEMO, np.zeros(n_f, bool)])
    e_rep = np.concatenate([a_rep[ei], deals.owner[f_sel]])
    e_deal = np.concatenate([deal[ei], f_sel])
    e_acc = np.concatenate([account[ei], deals.account[f_sel]])
    e_con = np.concatenate([contact[ei], deals.ocr_contact[deals.ocr_start[f_sel]]])
    dur_min = np.concatenate([rng.choice([30, 45, 60], size=n_e), np.full(n_f, 60)])
    start = np.concatenate([t[ei] // 900 * 900, deals.fm_ts[f_sel]])
    start = np.minimum(start, cal.end_ts - dur_min * 60)
    r = rng.random((3, m))
    demo_type = is_demo & (r[0] < 0.5)
    subj = np.where(is_demo, len(MEETING_SUBJECTS) + rng.integers(0, len(DEMO_SUBJECTS), m),
                    rng.integers(0, len(MEETING_SUBJECTS), m))
    subj[n_e:] = len(_EVENT_SUBJ) - 1  # "Discovery call"
    order = np.argsort(start, kind="stable")
    e_rep, e_deal, e_acc, e_con = e_rep[order], e_deal[order], e_acc[order], e_con[order]
    start, dur_min, subj, demo_type, r = start[order], dur_min[order], subj[order], demo_type[order], r[:, order]
    created = np.maximum(start - rng.integers(DAY, 12 * DAY, m), cal.start_day * DAY - 20 * DAY)
    df = frame({
        "Id": sf_ids_pl("00U", first + 1 + np.arange(m)),
        "OwnerId": S_ID.gather(e_rep),
        "WhoId": _g(CON_ID, e_con, r[1] < 0.95),
        "WhatId": _g(DEAL_ID, e_deal),
        "AccountId": ACC_ID.gather(e_acc),
        "Subject": cat(_EVENT_SUBJ, subj) + " - " + ACC_NAME.gather(e_acc),
        "Type": cat(["Meeting", "Demo"], demo_type.astype(np.int64)),
        "StartDateTime": ts_text(start, "z"),
        "EndDateTime": ts_text(start + dur_min * 60, "z"),
        "DurationInMinutes": int_text(dur_min),
        "ActivityDate": date_text(start // DAY),
        "Location": cat(["Zoom", "On site"], (r[2] >= 0.8).astype(np.int64)),
        "ShowAs": cat(["Busy"], np.zeros(m, np.int64)),
        "IsDeleted": bool_text(np.zeros(m, bool), style),
        "CreatedDate": ts_text(created, "sf"),
        "SystemModstamp": ts_text(created, "sf"),
    })
    return df


def _activity_log(a: SimpleNamespace, org: Org, cal: Calendar, tx: _Text, counters: dict, by_email: bool,
                  rng: np.random.Generator) -> pl.DataFrame:
    """The month's activity-log rows: each tool's export in time order, its ids continuing
    counters[tool] (advanced here); with by_email the reps are identified by email."""
    a_rep, a_day, a_type, u, t = a.a_rep, a.a_day, a.a_type, a.u, a.t
    deal, account, contact = a.deal, a.account, a.contact
    S_ID, S_EMAIL, ACC_ID, CON_ID, DEAL_ID = tx.S_ID, tx.S_EMAIL, tx.ACC_ID, tx.CON_ID, tx.DEAL_ID
    li = np.flatnonzero(a.to_log)
    lt0 = a_type[li]
    team_tool = (org.s_tool[a_rep[li]] == "salesloft").astype(np.int64)  # 0 outreach, 1 salesloft
    src = np.where((lt0 == CALL) & (u[6][li] < 0.55), 2, team_tool)  # 2 dialer
    order = np.lexsort((t[li], src))  # each tool's export in time order, one after the other
    li, src = li[order], src[order]
    m = len(li)
    lt = a_type[li]
    lrep = a_rep[li]
    lti = t[li]
    off = cal.offset(org.s_tz[lrep], a_day[li])
    ids, occ = [], []
    for code, (name, style) in enumerate((("outreach", "offset"), ("salesloft", "zms"), ("dialer", "utc"))):
        sel = np.flatnonzero(src == code)
        nums = SOURCE_BASE[name] + counters[name] + 1 + np.arange(len(sel))
        counters[name] += len(sel)
        txt = int_text(nums)
        ids.append(txt.str.zfill(10) if name == "dialer" else txt)  # dialer ids keep leading zeros
        occ.append(ts_text(lti[sel], style, off[sel]))
    tmp = {"id": pl.concat(ids), "occ": pl.concat(occ)}
    r = rng.random((6, m))
    connected = r[0] < 0.45
    dur = np.where(lt == CALL, np.where(connected, rng.integers(60, 900, m), rng.integers(5, 40, m)),
                   np.where((lt == MEETING) | (lt == DEMO), rng.choice([1800, 2700, 3600], size=m), 0))
    has_dur = np.isin(lt, [CALL, MEETING, DEMO])
    out_flat, out_start = _flat({c: o for c, o in enumerate(OUTCOMES)})
    o_start = np.array([out_start[c][0] for c in range(len(OUTCOMES))])
    o_size = np.array([out_start[c][1] for c in range(len(OUTCOMES))])
    outcome = o_start[lt] + (r[1] * o_size[lt]).astype(np.int64)
    outcome = np.where((lt == CALL) & connected, o_start[CALL], outcome)
    type_flat, type_start = _flat({c: o for c, o in enumerate(TYPE_TEXT)})
    t_start = np.array([type_start[c][0] for c in range(len(TYPE_TEXT))])
    t_size = np.array([type_start[c][1] for c in range(len(TYPE_TEXT))])
    variant = np.where(r[5] < 0.85, 0, (rng.random(m) * t_size[lt]).astype(np.int64))
    d = deal[li]
    cols = {
        "activity_id": tmp["id"], "source": cat(["outreach", "salesloft", "dialer"], src),
        "rep_id": S_ID.gather(lrep),
        "activity_type": cat(type_flat, t_start[lt] + variant), "occurred_at": tmp["occ"],
        "account_id": _g(ACC_ID, account[li], r[3] < 0.85),
        "contact_id": _g(CON_ID, contact[li], r[4] < 0.7),
        "opportunity_id": _g(DEAL_ID, d),
        "duration_seconds": masked(int_text(dur), has_dur),
        "direction": masked(cat(["outbound", "inbound"], (r[2] >= 0.9).astype(np.int64)),
                            (lt == CALL) | (lt == EMAIL)),
        "outcome": cat(out_flat, outcome),
    }
    if by_email:  # one file identifies reps by email instead of Salesforce id
        cols = {("rep_email" if k == "rep_id" else k): (S_EMAIL.gather(lrep) if k == "rep_id" else v)
                for k, v in cols.items()}
    df = frame(cols)
    return df


def fy_of(cal: Calendar, day: int) -> int:
    for p in cal.periods:
        if p.kind == "Year" and p.start_day <= day <= p.end_day:
            return int(p.label[2:])
    raise ValueError(day)


def _assert_plain_vocabulary() -> None:
    """Tasks, Events and the activity log are written as unquoted CSV: their vocabularies
    must not contain separators or quotes."""
    words = [w for v in TASK_SUBJECTS.values() for w in v] + MEETING_SUBJECTS + DEMO_SUBJECTS
    words += [w for v in TYPE_TEXT for w in v] + [w for v in OUTCOMES for w in v] + TASK_SUBTYPES + TASK_TYPES
    bad = [w for w in words if any(ch in w for ch in ',"\\\n\r')]
    if bad:
        raise ValueError(f"vocabulary needs quoting: {bad}")
    # an Event is a demo when its Subject contains "demo": meetings and account names must not
    from .accounts import COMPANY_KINDS, COMPANY_WORDS
    meeting_words = MEETING_SUBJECTS + COMPANY_WORDS + [k for k, _ in COMPANY_KINDS]
    if any("demo" in w.lower() for w in meeting_words) or not all("demo" in w.lower() for w in DEMO_SUBJECTS):
        raise ValueError("meeting/demo vocabulary would be misclassified")


_assert_plain_vocabulary()
