"""Gong API v2 response pages: users, extensive calls (context Extended), transcripts,
scorecard settings and answered scorecards.

Calls come from four sources: the first meeting of each deal (same time as its Event),
follow-up meetings on the deal while it is worked, background External calls of each seller
every week (prospecting, account calls; some are contact-fallback calls on an open deal
without Opportunity context), and Internal calls. Every per-call metric is a noisy function
of the seller's conversation quality that week (org.q), which carries the latent skill and
the planted week-over-week trajectories.

Local times follow each user's IANA zone (org.py; offsets from zoneinfo, daylight saving
included): metaData.scheduled/started and answered-scorecard callStartTime/reviewTime carry
the rep's offset of that day, Gong users' `created` the user's own offset. The Opportunity
context's Amount is the CRM Amount (in the deal's currency).

Call records are built as compact dicts page by page (json.dumps without indentation).
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass

import numpy as np
import polars as pl

from .common import (
    DAY,
    G_ANSWERED,
    G_CALL,
    G_PARTY,
    G_QUESTION,
    G_REVISION,
    G_SCORECARD,
    G_SPEAKER,
    G_WORKSPACE,
    Calendar,
    cat,
    date_text,
    gong_id,
    gong_ids,
    iso_local,
    lerp,
    masked,
    offset_series,
    rng_for,
    to_series,
    ts_parts,
    ts_text,
)
from .deals import Accounts, Contacts, Deals
from .org import Org, ScaleSpec
from .writers import Sink
from .writers import check_plain as _check_plain

TRACKERS = ["Next Steps", "Pricing", "Competitors", "Objections", "Budget", "Timing", "Decision Process",
            "Filler Words", "Call Intro", "Demo"]
T_NEXT, T_PRICING, T_COMP, T_OBJ, T_BUDGET, T_TIMING, T_DP, T_FILLER, T_INTRO, T_DEMO = range(10)
STAT_NAMES = ["Talk Ratio", "Longest Monologue", "Longest Customer Story", "Interactivity", "Patience"]
FOLLOW_TITLES = ["Follow-up", "Product demo", "Pricing review", "Technical deep dive", "Negotiation", "Check-in",
                 "Stakeholder alignment"]
INTERNAL_TITLES = ["Pipeline review", "1:1", "Deal strategy", "Forecast call", "Account planning"]
REP_LINES = [
    "Thanks for making time today.", "What does your current process look like?",
    "How are you handling forecasting today?", "Who else is involved in this decision?",
    "What happens if you don't solve this this quarter?", "Let me share how other teams approached this.",
    "Here is how the platform handles that.", "What would success look like in six months?",
    "Does that match what you expected?", "How do you evaluate vendors in this space?",
    "What budget has been set aside for this?", "Let me walk you through the dashboard.",
    "Let's agree on next steps: I'll send the proposal and we meet Thursday.",
]
CUSTOMER_LINES = [
    "Right now it's mostly spreadsheets.", "Our CFO will need to sign off.", "We looked at another vendor last year.",
    "Timing matters, we need this before the next quarter.", "Pricing is a concern for us.",
    "The team spends hours on manual reporting.", "Security review usually takes two weeks.",
    "That sounds useful, can you show me?", "I need to check with my manager.", "We'd want a pilot first.",
    "Our biggest problem is visibility into the pipeline.", "Integration with Salesforce is a must.",
]
TOPIC_BY_PHASE = ["Call Setup", "Discovery", "Product", "Pricing", "Next Steps"]
SCORECARDS = [
    ("Account Executive Call Scorecard", [
        ("Discovery: Did the rep uncover the business pain?", 1, 5, False),
        ("Discovery: Did the rep quantify the impact of the problem?", 1, 5, False),
        ("Presentation: Was the pitch tailored to the buyer's priorities?", 1, 5, False),
        ("Demo: Did the demo map to the use cases discovered?", 1, 5, False),
        ("Objections: Did the rep handle objections with evidence?", 1, 5, False),
        ("Closing: Did the rep secure a concrete next step with a date?", 1, 5, False),
        ("Discovery: Which discovery areas were covered?", None, None, False),  # multi-select, no score
        ("Overall: How do you rate the call overall?", 0, 50, True),
    ]),
    ("SDR Call Scorecard", [
        ("Discovery: Did the SDR qualify pain and timing?", 1, 5, False),
        ("Objections: Did the SDR handle the brush-off?", 1, 5, False),
        ("Closing: Was a meeting booked with a clear agenda?", 1, 5, False),
        ("Overall: How do you evaluate the SDR's overall performance in the call?", 0, 50, True),
    ]),
]
WORKSPACE_ID = gong_id(G_WORKSPACE, 1)
KIND_FIRST, KIND_FOLLOW, KIND_BACKGROUND, KIND_INTERNAL = range(4)


def _request_id(rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(19))


def _cursor(rng: random.Random) -> str:
    return "eyJ" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
                           for _ in range(44))


def page(rng: random.Random, key: str, items: list, total: int, number: int, last: bool) -> dict:
    records = {"totalRecords": total, "currentPageSize": len(items), "currentPageNumber": number}
    if not last:
        records["cursor"] = _cursor(rng)
    return {"requestId": _request_id(rng), "records": records, key: items}


@dataclass
class Calls:
    n: int
    kind: np.ndarray
    rep: np.ndarray
    deal: np.ndarray  # deal worked on the call (-1 none)
    ctx_opp: np.ndarray  # Opportunity object in context
    account: np.ndarray  # account in context (-1 none)
    ext_contacts_deal: np.ndarray  # externals drawn from this deal's contact roles (-1 none)
    started: np.ndarray  # epoch s
    scheduled: np.ndarray
    duration: np.ndarray
    external: np.ndarray
    q: np.ndarray
    stats: np.ndarray  # (n, 5) floats
    stat_missing: np.ndarray  # (n,) -1 or the index of the missing stat
    questions: np.ndarray  # (n, 2)
    questions_missing: np.ndarray
    trackers: np.ndarray  # (n, 10)
    id: np.ndarray  # int64 Gong ids in started order


def build_calls(org: Org, acc: Accounts, deals: Deals, cal: Calendar, seed: int) -> Calls:
    rng = rng_for(seed, "gong-calls")
    S, W = org.n_sellers, cal.n_weeks
    # A: first meetings (the recorded Event of the deal's first meeting)
    dA = np.flatnonzero(deals.has_meeting & (rng.random(deals.n) < 0.85))
    # B: follow-up meetings while the deal is worked
    hm = np.flatnonzero(deals.has_meeting)
    room = deals.end_day[hm] - deals.fm_day[hm]
    kB = np.where(room >= 2, np.minimum(rng.poisson(np.maximum(room, 0) / 21.0), 6), 0)
    dB = np.repeat(hm, kB)
    dayB = deals.fm_day[dB] + 1 + (rng.random(len(dB)) * (deals.end_day[dB] - deals.fm_day[dB])).astype(np.int64)
    dayB = np.minimum(dayB, deals.end_day[dB])
    dayB = cal.business_day(dayB, lo=deals.fm_day[dB] + 1, hi=np.minimum(deals.end_day[dB], cal.end_day))
    # C: background External calls every week; D: Internal calls
    s_w = np.repeat(np.arange(S), W)
    w_w = np.tile(np.arange(W), S)
    sdr = org.s_role[s_w] == "SDR"
    nC = np.where(sdr, 2, 1) + rng.binomial(np.where(sdr, 2, 1), np.where(sdr, 0.5, 0.45))
    sC, wC = np.repeat(s_w, nC), np.repeat(w_w, nC)
    dayC = cal.first_monday + 7 * wC + rng.integers(0, 5, len(sC))
    keep = (dayC >= cal.start_day) & (dayC <= cal.end_day)
    sC, dayC = sC[keep], dayC[keep]
    nD = rng.binomial(1, 0.3, len(s_w))
    sD = np.repeat(s_w, nD)
    dayD = cal.first_monday + 7 * np.repeat(w_w, nD) + rng.integers(0, 5, len(sD))
    keep = (dayD >= cal.start_day) & (dayD <= cal.end_day)
    sD, dayD = sD[keep], dayD[keep]

    kind = np.concatenate([np.full(len(dA), KIND_FIRST), np.full(len(dB), KIND_FOLLOW),
                           np.full(len(sC), KIND_BACKGROUND), np.full(len(sD), KIND_INTERNAL)])
    rep = np.concatenate([deals.owner[dA], deals.owner[dB], sC, sD])
    deal = np.concatenate([dA, dB, np.full(len(sC) + len(sD), -1)])
    n = len(kind)
    day_BCD = np.concatenate([dayB, dayC, dayD])
    rep_BCD = rep[len(dA):]
    sched_BCD = cal.work_ts(day_BCD, org.s_tz[rep_BCD], rng.random(len(day_BCD)), lo=8.0, hi=17.0) // 900 * 900
    scheduled = np.concatenate([deals.fm_ts[dA], sched_BCD])
    started = scheduled + rng.integers(-60, 300, n)
    started = np.minimum(np.maximum(started, scheduled - 60), cal.end_ts - 30)
    day = started // DAY

    # contact fallback among background calls of AE/AM/CSM: an open deal of the rep without
    # Opportunity context, its contact-role contacts on the call
    open_deals = np.flatnonzero(~deals.closed & ~deals.deleted)
    o_order = open_deals[np.lexsort((deals.created_day[open_deals], deals.owner[open_deals]))]
    o_keys = deals.owner[o_order] * (1 << 21) + deals.created_day[o_order]
    o_rep_start = np.searchsorted(o_keys, np.arange(S) * (1 << 21))
    u = rng.random((6, n))
    is_bg = kind == KIND_BACKGROUND
    pos = np.searchsorted(o_keys, rep * (1 << 21) + day, side="right")
    cnt = pos - o_rep_start[rep]
    fb = is_bg & (org.s_role[rep] != "SDR") & (cnt > 0) & (u[0] < 0.25)
    fb_deal = np.where(fb, o_order[np.clip(o_rep_start[rep] + (u[1] * np.maximum(cnt, 1)).astype(np.int64), 0,
                                           max(len(o_order) - 1, 0))] if len(o_order) else -1, -1)
    # the pipeline links these calls to the deal through the contact: keep them after the
    # deal's first meeting so days-to-first-meeting stays as planted
    fbd = np.maximum(fb_deal, 0)
    fb &= deals.has_meeting[fbd] & (day > deals.fm_day[fbd])
    fb_deal = np.where(fb, fb_deal, -1)
    ctx_opp = (kind == KIND_FIRST) | ((kind == KIND_FOLLOW) & (u[2] < 0.9))
    ext_deal = np.where(kind <= KIND_FOLLOW, deal, np.where(fb, fb_deal, -1))
    book_acc = acc.book_start[rep] + (u[3] * acc.book_size[rep]).astype(np.int64)
    account = np.where(ext_deal >= 0, deals.account[np.maximum(ext_deal, 0)],
                       np.where(is_bg & (u[4] < 0.8), book_acc, -1))
    bg_known = is_bg & ~fb & (account >= 0)
    account = np.where(bg_known | (ext_deal >= 0), account, np.where(is_bg, -2 - book_acc, -1))
    # account < -1 encodes "background call on this account without a CRM context" (-2 - idx)

    external = kind != KIND_INTERNAL
    duration = np.where(kind <= KIND_FOLLOW, rng.integers(1500, 3601, n),
                        np.where(kind == KIND_INTERNAL, rng.integers(900, 2701, n),
                                 np.where(org.s_role[rep] == "SDR", rng.integers(120, 901, n), rng.integers(900, 2401, n))))

    week = np.clip(cal.week_of(day), 0, W - 1)
    # the planted escalation reps get little per-call noise so their 30-day means follow the plan
    calm = np.isin(rep, [org.planted[k] for k in ("collapse", "reset", "resolved")])
    q = np.clip(org.q[rep, week] + rng.normal(0, 0.05, n) * np.where(calm, 0.2, 1.0), 0.0, 1.0)
    e = rng.normal(0, 1, (8, n)) * np.where(calm, 0.3, 1.0)
    talk = np.clip(lerp(0.66, 0.42, q) + 0.04 * e[0], 0.2, 0.9)
    mono = np.clip(lerp(225, 92, q) + 20 * e[1], 20, None)
    mono = np.minimum(mono, duration * talk * 0.8)
    story = np.clip(lerp(35, 100, q) + 12 * e[2], 5, None)
    inter = np.clip(lerp(4.0, 8.5, q) + 0.6 * e[3], 0, 10)
    patience = np.clip(lerp(0.25, 0.98, q ** 1.5) + 0.07 * e[4], 0.05, None)
    stats = np.stack([np.round(talk, 2), np.round(mono), np.round(story), np.round(inter, 2), np.round(patience, 2)], 1)
    stat_missing = np.where(rng.random(n) < 0.015, rng.integers(0, 5, n), -1)
    company_q = np.clip(np.round(lerp(4.5, 13.5, q) + 1.4 * e[5]), 0, None)
    questions = np.stack([company_q, rng.poisson(lerp(3.0, 7.0, q))], 1).astype(np.int64)
    questions_missing = rng.random(n) < 0.005
    tr = np.zeros((n, len(TRACKERS)), np.int64)
    tr[:, T_NEXT] = rng.poisson(lerp(0.4, 2.2, q))
    tr[:, T_PRICING] = rng.poisson(np.where(kind == KIND_FOLLOW, 1.2, 0.5))
    tr[:, T_COMP] = rng.poisson(0.35, n)
    tr[:, T_OBJ] = rng.poisson(0.7, n)
    tr[:, T_BUDGET] = rng.poisson(lerp(0.3, 0.9, q))
    tr[:, T_TIMING] = rng.poisson(0.6, n)
    tr[:, T_DP] = rng.poisson(lerp(0.2, 1.0, q))
    tr[:, T_FILLER] = rng.poisson(lerp(110, 35, q) * duration / 2400.0)
    tr[:, T_INTRO] = rng.poisson(0.9, n)
    tr[:, T_DEMO] = rng.poisson(0.2, n)
    internal = ~external
    tr[internal] = 0
    tr[internal, T_FILLER] = rng.poisson(20, int(internal.sum()))

    order = np.lexsort((rep, kind, started))
    fields = dict(kind=kind, rep=rep, deal=deal, ctx_opp=ctx_opp, account=account, ext_contacts_deal=ext_deal,
                  started=started, scheduled=scheduled, duration=duration, external=external, q=q, stats=stats,
                  stat_missing=stat_missing, questions=questions, questions_missing=questions_missing, trackers=tr)
    fields = {k: v[order] for k, v in fields.items()}
    return Calls(n=n, id=gong_ids(G_CALL, np.arange(1, n + 1)), **fields)


_J = json.dumps
_UNKNOWN_FIRST = ["alex", "sam", "jordan", "casey", "taylor", "morgan", "riley", "jamie"]
_UNKNOWN_LAST = ["reed", "shaw", "park", "lane", "ford", "cole", "hart", "wells"]
_REP_LINES_J = [_J(x) for x in REP_LINES]
_CUSTOMER_LINES_J = [_J(x) for x in CUSTOMER_LINES]
P_INTERNAL, P_CONTACT, P_CONTACT_NOCTX, P_UNKNOWN = range(4)
CHUNK_CALLS = 20_000  # calls rendered at once (bounded memory at L)


def _lit(x):
    return pl.lit(x) if isinstance(x, (str, pl.Series)) else x


def _cat(*parts) -> pl.Series:
    """Concatenate literals and text Series (a null part makes the result null)."""
    return pl.select(pl.concat_str([_lit(p) for p in parts])).to_series()


def _txt(values) -> pl.Series:
    return pl.Series(np.asarray(values)).cast(pl.Utf8)


class GongWriter:
    """Renders Gong call pages. Call records are built column-wise with polars (every JSON
    fragment is a concatenation of gathered text), so millions of calls stay fast; only the
    parties of each call are joined in Python. Transcripts and answered scorecards (a subset
    of calls) are rendered per record. Every page depends only on (seed, page)."""

    def __init__(self, org: Org, acc: Accounts, con: Contacts, deals: Deals, calls: Calls, cal: Calendar,
                 spec: ScaleSpec, seed: int, sink: Sink):
        self.org, self.acc, self.con, self.deals, self.calls, self.cal = org, acc, con, deals, calls, cal
        self.spec, self.sink, self.seed = spec, sink, seed
        nrng = rng_for(seed, "gong-text")
        c = calls
        n = c.n
        self.off = cal.offset(org.s_tz[c.rep], c.started // DAY)
        self.micro = nrng.integers(0, 1_000_000, n)
        review = np.minimum(c.started + nrng.integers(3600, 3 * DAY, n), cal.end_ts - 60)
        self.review = np.maximum(review, c.started + 60)
        self.has_transcript = c.external & (nrng.random(n) < spec.transcript_share)
        self.has_scorecard = c.external & (nrng.random(n) < spec.scorecard_share)
        self.k = nrng.integers(0, 1 << 30, n)
        self.x = nrng.random((4, n))
        tr = c.trackers.copy()
        demo = (c.kind == KIND_FOLLOW) & (self.k % len(FOLLOW_TITLES) == FOLLOW_TITLES.index("Product demo"))
        tr[demo, T_DEMO] += 3 + self.k[demo] % 4
        self.tr = tr
        users = org.users
        frag: list[str | None] = [None] * len(users)
        for g in org.gong_users:
            u = users[g["user"]]
            frag[g["user"]] = (
                f'"emailAddress":{_J(g["email"])},"name":{_J(u["name"])},"title":{_J(u["title"])},'
                f'"userId":"{u["gong_id"]}","context":[{{"system":"Salesforce","objects":[{{"objectType":"User",'
                f'"objectId":"{u["id"]}"}}]}}],"affiliation":"Internal","methods":["Attendee"]}}')
        self.USER_FRAG = pl.Series(frag, dtype=pl.Utf8)
        self.USER_GONG = pl.Series([str(u["gong_id"]) for u in users], dtype=pl.Utf8)
        _check_plain(acc.name, acc.industry, con.name, con.email, con.title, deals.name)
        self.ACC_ID, self.ACC_NAME, self.ACC_IND = to_series(acc.id), to_series(acc.name), to_series(acc.industry)
        self.CON_ID, self.CON_EMAIL = to_series(con.id), to_series(con.email)
        self.CON_NAME, self.CON_TITLE = to_series(con.name), to_series(con.title)
        self.DEAL_ID, self.DEAL_NAME = to_series(deals.id), to_series(deals.name)
        self.DEAL_STAGE = to_series(deals.stage_name)
        self.DEAL_AMOUNT = deals.amount_text
        self.DEAL_CLOSE = date_text(deals.close_day)
        self.se_users = np.array(org.se_users, np.int64)
        self._party_table()
        self.scorecard_defs = self._scorecard_defs()

    # ---- who is on each call --------------------------------------------------------------------
    def _party_table(self) -> None:
        """One row per call party: the rep first, then other internal users, then external
        people (contact-role contacts of the deal worked, a contact of the account, or someone
        unknown to the CRM). Fallback calls list their contacts by email only."""
        c, org, deals, acc = self.calls, self.org, self.deals, self.acc
        n, k, x0, x1 = c.n, self.k, self.x[0], self.x[1]
        kind, rep = c.kind, c.rep
        n_se = len(self.se_users)
        se_pick = self.se_users[k % n_se] if n_se else np.full(n, -1)
        mgr = org.s_manager_user[rep]
        internal = kind == KIND_INTERNAL
        u1 = np.where(internal, mgr, np.where((kind <= KIND_FOLLOW) & (x0 < 0.2) & (n_se > 0), se_pick,
                                              np.where(x0 > 0.93, mgr, -1)))
        u2 = np.where(internal & (x0 < 0.3) & (n_se > 0), se_pick, -1)
        n_int = 1 + (u1 >= 0) + (u2 >= 0)
        ed = c.ext_contacts_deal
        edc = np.maximum(ed, 0)
        cnt = deals.ocr_count[edc]
        m = np.minimum(cnt, np.where(cnt >= 4, 2 + k % 2, 1 + k % 2))
        n_ext = np.where(internal, 0, np.where(ed >= 0, m, 1))
        total = n_int + n_ext
        p_off = np.zeros(n + 1, np.int64)
        np.cumsum(total, out=p_off[1:])
        call_of = np.repeat(np.arange(n), total)
        j = np.arange(int(p_off[-1])) - p_off[call_of]
        ni = n_int[call_of]
        user = np.where(j == 0, org.s_user[rep[call_of]], np.where(j == 1, u1[call_of], u2[call_of]))
        e = j - ni
        ocr_pos = deals.ocr_start[edc[call_of]] + (k[call_of] + np.maximum(e, 0)) % np.maximum(cnt[call_of], 1)
        contact_deal = deals.ocr_contact[np.minimum(ocr_pos, len(deals.ocr_contact) - 1)]
        a = c.account[call_of]
        ac = np.maximum(a, 0)
        acc_contact = acc.contact_start[ac] + k[call_of] % acc.contact_count[ac]
        with_ctx = ~((kind == KIND_BACKGROUND) | ~c.ctx_opp)[call_of]
        has_deal = ed[call_of] >= 0
        ptype = np.where(j < ni, P_INTERNAL,
                         np.where(has_deal, np.where(with_ctx, P_CONTACT, P_CONTACT_NOCTX),
                                  np.where((a >= 0) & (x1[call_of] < 0.85), P_CONTACT, P_UNKNOWN)))
        self.p_off, self.p_call, self.p_j = p_off, call_of, j
        self.p_type = ptype
        self.p_ref = np.where(ptype == P_INTERNAL, user, np.where(has_deal, contact_deal,
                                                                  np.where(ptype == P_CONTACT, acc_contact, -1)))

    def _party_ids(self, rows) -> tuple[np.ndarray, np.ndarray]:
        seq = self.p_call[rows] * 8 + self.p_j[rows] + 1
        return gong_ids(G_PARTY, seq), gong_ids(G_SPEAKER, seq)

    def _party_frags(self, lo: int, hi: int) -> list[str]:
        rows = np.arange(lo, hi)
        pid, spk = self._party_ids(rows)
        ptype, ref = self.p_type[rows], self.p_ref[rows]
        kk = self.k[self.p_call[rows]]
        contact = np.maximum(np.where(ptype == P_INTERNAL, 0, ref), 0)
        user = np.maximum(np.where(ptype == P_INTERNAL, ref, 0), 0)
        email = self.CON_EMAIL.gather(contact)
        name = self.CON_NAME.gather(contact)
        uf, ul = _UNKNOWN_FIRST, _UNKNOWN_LAST
        unk_first = cat(uf, kk % 8)
        unk_last = cat(ul, (kk >> 3) % 8)
        unk_email = _cat(unk_first, ".", unk_last, _txt(kk % 97), "@prospect-mail.example")
        unk_name = _cat(cat([w.capitalize() for w in uf], kk % 8), " ", cat([w.capitalize() for w in ul], (kk >> 3) % 8))
        df = pl.DataFrame({
            "t": ptype, "head": _cat('{"id":"', _txt(pid), '","speakerId":"', _txt(spk), '",'),
            "user": self.USER_FRAG.gather(user), "email": email, "name": name,
            "title": self.CON_TITLE.gather(contact), "cid": self.CON_ID.gather(contact),
            "ue": unk_email, "un": unk_name,
        })
        person = pl.concat_str([pl.lit('"emailAddress":"'), pl.col("email"), pl.lit('","name":"'), pl.col("name"),
                                pl.lit('","title":"'), pl.col("title"), pl.lit('",')])
        ext_tail = pl.lit('"affiliation":"External","methods":["Invitee","Attendee"]}')
        out = df.select(pl.concat_str([pl.col("head"), pl.when(pl.col("t") == P_INTERNAL).then(pl.col("user"))
            .when(pl.col("t") == P_CONTACT).then(pl.concat_str([
                person, pl.lit('"context":[{"system":"Salesforce","objects":[{"objectType":"Contact","objectId":"'),
                pl.col("cid"), pl.lit('"}]}],'), ext_tail]))
            .when(pl.col("t") == P_CONTACT_NOCTX).then(pl.concat_str([person, ext_tail]))
            .otherwise(pl.concat_str([pl.lit('"emailAddress":"'), pl.col("ue"), pl.lit('","name":"'), pl.col("un"),
                                      pl.lit('","title":null,"affiliation":"External","methods":["Attendee"]}')]))]))
        return out.to_series().to_list()

    # ---- call records -------------------------------------------------------------------------------
    def started_text(self, idx) -> pl.Series:
        c = self.calls
        off = self.off[idx]
        d, tm = ts_parts(c.started[idx] + off)
        return _cat(d, "T", tm, ".", _txt(self.micro[idx]).str.zfill(6), offset_series(off))

    def render_calls(self, lo: int, hi: int) -> list[str]:
        """JSON text of calls lo..hi-1 (POST /v2/calls/extensive, context Extended)."""
        c = self.calls
        idx = np.arange(lo, hi)
        m = len(idx)
        kind, rep, deal = c.kind[idx], c.rep[idx], c.deal[idx]
        acc_i = c.account[idx]
        k, x2, x3 = self.k[idx], self.x[2][idx], self.x[3][idx]
        cid = _txt(c.id[idx])
        acc_any = np.where(acc_i >= 0, acc_i, np.where(acc_i < -1, -2 - acc_i, -1))
        acc_name = self.ACC_NAME.gather(np.maximum(acc_any, 0))
        title = pl.DataFrame({"kind": kind, "acc": masked(acc_name, acc_any >= 0),
                              "it": cat(INTERNAL_TITLES, k % len(INTERNAL_TITLES)),
                              "ft": cat(FOLLOW_TITLES, k % len(FOLLOW_TITLES))}).select(
            pl.when(pl.col("kind") == KIND_INTERNAL).then(pl.col("it"))
            .when(pl.col("kind") == KIND_FIRST).then(pl.concat_str([pl.col("acc"), pl.lit(" <> VendorCo | Discovery")]))
            .when(pl.col("kind") == KIND_FOLLOW).then(pl.concat_str([pl.col("acc"), pl.lit(" <> VendorCo | "), pl.col("ft")]))
            .otherwise(pl.concat_str([pl.lit("Intro call - "), pl.col("acc")]).fill_null("Prospecting call"))
        ).to_series()
        phone = (kind == KIND_BACKGROUND) & (self.org.s_role[rep] == "SDR") & (x2 < 0.7)
        ph = phone.astype(np.int64)
        user = self.org.s_user[rep]
        gong_user = self.USER_GONG.gather(user)
        disp = np.where(phone, np.where(x3 < 0.3, 1, 2), 0)
        meeting_url = masked(_cat('"https://zoom.us/j/', _txt(9_000_000_000 + k), '"'), ~phone).fill_null("null")
        dur = c.duration[idx]
        meta = _cat(
            '{"id":"', cid, '","url":"https://app.gong.io/call?id=', cid, '","title":"', title, '","scheduled":"',
            ts_text(c.scheduled[idx], "offset", self.off[idx]), '","started":"', self.started_text(idx),
            '","duration":', _txt(dur), ',"primaryUserId":"', gong_user, '","direction":"',
            cat(["Conference", "Outbound"], ph), '","system":"', cat(["Zoom", "Outreach"], ph), '","scope":"',
            cat(["External", "Internal"], (kind == KIND_INTERNAL).astype(np.int64)), '","media":"',
            cat(["Video", "Audio"], ph), '","language":"eng","workspaceId":"' + str(WORKSPACE_ID) + '","sdrDisposition":',
            cat(["null", '"Answered - Meeting Booked"', '"Answered"'], disp),
            ',"clientUniqueId":null,"customData":null,"purpose":null,"meetingUrl":', meeting_url, ',"isPrivate":false}')
        # context: Account and Opportunity objects
        a0 = np.maximum(acc_i, 0)
        acc_obj = masked(_cat('{"objectType":"Account","objectId":"', self.ACC_ID.gather(a0),
                              '","timing":"Now","fields":[{"name":"Name","value":"', self.ACC_NAME.gather(a0),
                              '"},{"name":"Industry","value":"', self.ACC_IND.gather(a0), '"}]}'), acc_i >= 0)
        d0 = np.maximum(deal, 0)
        opp_obj = masked(_cat('{"objectType":"Opportunity","objectId":"', self.DEAL_ID.gather(d0),
                              '","timing":"Now","fields":[{"name":"Name","value":"', self.DEAL_NAME.gather(d0),
                              '"},{"name":"StageName","value":"', self.DEAL_STAGE.gather(d0),
                              '"},{"name":"Amount","value":', self.DEAL_AMOUNT.gather(d0),
                              '},{"name":"CloseDate","value":"', self.DEAL_CLOSE.gather(d0), '"}]}'),
                         c.ctx_opp[idx] & (deal >= 0))
        objs = pl.select(pl.concat_str([pl.lit(acc_obj), pl.lit(opp_obj)], separator=",", ignore_nulls=True)).to_series()
        context = pl.DataFrame({"o": objs}).select(
            pl.when(pl.col("o") == "").then(pl.lit("[]"))
            .otherwise(pl.concat_str([pl.lit('[{"system":"Salesforce","objects":['), pl.col("o"), pl.lit("]}]")]))
        ).to_series()
        prefix = _cat('{"metaData":', meta, ',"context":', context, ',"parties":[').to_list()
        # content
        tr = self.tr[idx]
        parts = ['{"trackers":[']
        for t_i, name in enumerate(TRACKERS):
            parts += [('' if t_i == 0 else '},') + '{"name":"' + name + '","count":', _txt(tr[:, t_i])]
        parts += ['}],"topics":[{"name":"Call Setup","duration":', _txt((dur * 0.05).astype(np.int64)),
                  '},{"name":"Pricing","duration":', _txt(np.where(tr[:, T_PRICING] > 0, (dur * 0.12).astype(np.int64), 0)),
                  '},{"name":"Next Steps","duration":', _txt(np.where(tr[:, T_NEXT] > 0, (dur * 0.08).astype(np.int64), 0)),
                  "}]}"]
        content = _cat(*parts)
        st = c.stats[idx]
        miss = c.stat_missing[idx]
        stat_parts = []
        for j, name in enumerate(STAT_NAMES):
            val = _txt(st[:, j]) if j in (0, 3, 4) else _txt(st[:, j].astype(np.int64))
            stat_parts.append(masked(_cat('{"name":"' + name + '","value":', val, "}"), miss != j))
        stats = pl.select(pl.concat_str([pl.lit(s) for s in stat_parts], separator=",", ignore_nulls=True)).to_series()
        pid0, _ = self._party_ids(self.p_off[idx])
        qs = c.questions[idx]
        questions = masked(_cat(',"questions":{"companyCount":', _txt(qs[:, 0]), ',"nonCompanyCount":', _txt(qs[:, 1]), "}"),
                           ~c.questions_missing[idx]).fill_null("")
        suffix = _cat('],"content":', content, ',"interaction":{"speakers":[{"id":"', _txt(pid0), '","userId":"', gong_user,
                      '","talkTime":', _txt(np.round(dur * 0.9 * st[:, 0], 1)), '}],"interactionStats":[', stats, "]",
                      questions, '},"collaboration":{}}').to_list()
        frags = self._party_frags(int(self.p_off[lo]), int(self.p_off[hi]))
        base = int(self.p_off[lo])
        po = (self.p_off[lo:hi + 1] - base).tolist()
        return [prefix[i] + ",".join(frags[po[i]:po[i + 1]]) + suffix[i] for i in range(m)]

    def call(self, i: int) -> dict:
        return json.loads(self.render_calls(i, i + 1)[0])

    def transcript_json(self, i: int) -> str:
        rng = random.Random(self.seed * 1_000_003 + i)
        c = self.calls
        dur = int(c.duration[i])
        talk_ratio, mono, story = (float(v) for v in c.stats[i, :3])
        rows = np.arange(self.p_off[i], self.p_off[i + 1])
        _, spk = self._party_ids(rows)
        speakers = [str(x) for x in spk.tolist()]
        types = self.p_type[rows].tolist()
        rep_spk = speakers[0]
        others = [sp for sp, t in zip(speakers, types) if t != P_INTERNAL] or speakers[1:] or [rep_spk]
        talk = dur * 0.88
        rep_total, cust_total = talk * talk_ratio, talk * (1 - talk_ratio)
        n_turns = max(3, min(14, int(rep_total / max(mono * 0.5, 20))))
        rep_turns = _split_total(rng, max(rep_total - mono, 5.0), n_turns - 1, mono * 0.9) + [mono]
        rng.shuffle(rep_turns)
        cust_turns = _split_total(rng, max(cust_total - story, 5.0), n_turns - 1, story * 0.9) + [story]
        rng.shuffle(cust_turns)
        scale = min(dur / max(sum(rep_turns) + sum(cust_turns) + n_turns * 2.0, 1.0), 1.0)
        t = 1.0
        blocks = []
        for j in range(n_turns):
            for speaker, length, lines in ((rep_spk, rep_turns[j], _REP_LINES_J),
                                           (others[j % len(others)], cust_turns[j], _CUSTOMER_LINES_J)):
                length *= scale
                n_sent = 1 if length < 20 else 2
                seg = length / n_sent
                sentences = []
                for _ in range(n_sent):
                    sentences.append('{"start":%d,"end":%d,"text":%s}' % (
                        int(t * 1000), int((t + seg) * 1000), lines[rng.randrange(len(lines))]))
                    t += seg
                phase = min(4, int(5 * t / max(dur, 1)))
                topic = '"' + TOPIC_BY_PHASE[phase] + '"' if rng.random() < 0.8 else "null"
                blocks.append('{"speakerId":"%s","topic":%s,"sentences":[%s]}' % (speaker, topic, ",".join(sentences)))
                t += 0.3 + rng.random() * 1.2
        return '{"callId":"%d","transcript":[%s]}' % (int(c.id[i]), ",".join(blocks))

    def _scorecard_defs(self) -> list[dict]:
        defs = []
        q_seq = 0
        for k, (name, questions) in enumerate(SCORECARDS):
            qs = []
            for text, lo, hi, overall in questions:
                q_seq += 1
                qs.append({"questionId": str(gong_id(G_QUESTION, q_seq)),
                           "questionRevisionId": str(gong_id(G_REVISION, q_seq)),
                           "questionText": text, "isOverall": overall,
                           "questionType": "RANGE" if lo is not None else "MULTIPLE_CHOICE", "answerGuide": None,
                           "minRange": lo, "maxRange": hi,
                           "answerOptions": None if lo is not None else [
                               {"id": 1, "text": "Pain"}, {"id": 2, "text": "Budget"},
                               {"id": 3, "text": "Timeline"}, {"id": 4, "text": "Authority"}]})
            created = f"{self.cal.start.year - 1}-11-02T10:00:00-08:00"
            defs.append({"scorecardId": str(gong_id(G_SCORECARD, k + 1)), "scorecardName": name,
                         "workspaceId": str(WORKSPACE_ID), "enabled": True, "reviewMethod": "MANUAL",
                         "updaterUserId": str(self.org.users[0]["gong_id"]), "created": created, "updated": created,
                         "questions": qs})
        return defs

    def answered_json(self, i: int, seq: int, as_numbers: bool, started: str, review: str) -> str:
        rng = random.Random(self.seed * 1_000_033 + i)
        c, org = self.calls, self.org
        s = int(c.rep[i])
        sc = self.scorecard_defs[1 if org.s_role[s] == "SDR" else 0]
        q = float(c.q[i])
        answers = []
        for qd in sc["questions"]:
            lo, hi = qd["minRange"], qd["maxRange"]
            head = '{"questionId":"%s","questionRevisionId":"%s","isOverall":%s,' % (
                qd["questionId"], qd["questionRevisionId"], "true" if qd["isOverall"] else "false")
            if lo is None:
                opts = sorted(rng.sample(["1", "2", "3", "4"], 1 + rng.randrange(3)))
                answers.append(head + '"score":null,"answerText":null,"notApplicable":false,"selectedOptions":%s}'
                               % _J(opts))
                continue
            if rng.random() < 0.04 and not qd["isOverall"]:
                answers.append(head + '"score":null,"answerText":null,"notApplicable":true,"selectedOptions":null}')
                continue
            level = min(1.0, max(0.0, 0.1 + 0.85 * q + rng.gauss(0, 0.1)))
            score = int(round(lo + (hi - lo) * level))
            text = ('"Strong call, clear next step."' if level > 0.7 else
                    '"Talked too much, few questions."' if level < 0.4 else "null")
            answers.append(head + '"score":%d,"answerText":%s,"notApplicable":false,"selectedOptions":null}'
                           % (score, text))
        users = org.users
        rep_gong = users[int(org.s_user[s])]["gong_id"]
        mgr_gong = users[int(org.s_manager_user[s])]["gong_id"]
        fmt = "%s" if as_numbers else '"%s"'
        ident = lambda v: fmt % v  # noqa: E731
        return ('{"answeredScorecardId":%s,"scorecardId":%s,"scorecardName":%s,"callId":%s,"callStartTime":"%s",'
                '"reviewedUserId":%s,"reviewerUserId":%s,"reviewMethod":"%s","editorUserId":null,"reviewTime":"%s",'
                '"visibilityType":"PUBLIC","answers":[%s]}' % (
                    ident(gong_id(G_ANSWERED, seq)), ident(sc["scorecardId"]), _J(sc["scorecardName"]),
                    ident(int(c.id[i])), started, ident(rep_gong), ident(mgr_gong),
                    "MANUAL" if rng.random() < 0.7 else "AUTOMATIC", review, ",".join(answers)))

    # ---- pages -------------------------------------------------------------------------------------
    def n_pages(self) -> dict:
        P = self.spec.page_size
        return {"calls": math.ceil(self.calls.n / P),
                "transcripts": math.ceil(int(self.has_transcript.sum()) / P),
                "answered_scorecards": math.ceil(int(self.has_scorecard.sum()) / P)}

    def _page_text(self, stem: str, p: int, key: str, items: list[str], total: int, last: bool) -> str:
        rng = random.Random(f"{self.seed}:{stem}:{p}")
        records = '{"totalRecords":%d,"currentPageSize":%d,"currentPageNumber":%d' % (total, len(items), p)
        if not last:
            records += ',"cursor":"%s"' % _cursor(rng)
        return '{"requestId":"%s","records":%s},"%s":[%s]}' % (_request_id(rng), records, key, ",".join(items))

    def _write_page(self, stem: str, obj: str, key: str, p: int, items: list[str], total: int, last: bool) -> None:
        rel = f"gong/{stem}_{p + 1:04d}.json"
        self.sink.text(rel, obj, self._page_text(stem, p, key, items, total, last), len(items))

    def write_all(self, tick=lambda: None) -> dict:
        c, P = self.calls, self.spec.page_size
        pages = self.n_pages()
        if pages["calls"] > 9900:
            raise ValueError("too many Gong call pages for the calls_NNNN naming")
        total = c.n + (1 if pages["calls"] > 1 else 0)
        boundary = self.render_calls(P - 1, P)[0] if pages["calls"] > 1 else None
        chunk = max(P, CHUNK_CALLS // P * P)
        for lo in range(0, c.n, chunk):
            hi = min(lo + chunk, c.n)
            texts = self.render_calls(lo, hi)
            for p0 in range(lo, hi, P):
                p = p0 // P
                items = texts[p0 - lo:min(p0 + P, hi) - lo]
                if p == 1:
                    items = [boundary] + items  # overlapping pull: the last call of page 1 again
                self._write_page("calls", "gong_calls", "calls", p, items, total, p == pages["calls"] - 1)
                tick()
        t_idx = np.flatnonzero(self.has_transcript)
        for p in range(pages["transcripts"]):
            idx = t_idx[p * P:(p + 1) * P].tolist()
            self._write_page("transcripts", "gong_transcripts", "callTranscripts", p,
                             [self.transcript_json(i) for i in idx], len(t_idx), p == pages["transcripts"] - 1)
            tick()
        a_idx = np.flatnonzero(self.has_scorecard)
        for p in range(pages["answered_scorecards"]):
            idx = a_idx[p * P:(p + 1) * P]
            started = self.started_text(idx).to_list()
            review = ts_text(self.review[idx], "offset", self.cal.offset(self.org.s_tz[c.rep[idx]],
                                                                         self.review[idx] // DAY)).to_list()
            items = [self.answered_json(int(i), p * P + j + 1, p % 2 == 0, started[j], review[j])
                     for j, i in enumerate(idx.tolist())]
            self._write_page("answered_scorecards", "gong_answered_scorecards", "answeredScorecards", p, items,
                             len(a_idx), p == pages["answered_scorecards"] - 1)
            tick()
        sc = page(random.Random(f"{self.seed}:scorecards"), "scorecards", self.scorecard_defs,
                  len(self.scorecard_defs), 0, True)
        self.sink.json("gong/scorecards_0001.json", "gong_scorecards", sc, "scorecards")
        self._write_users()
        return {i: self.call(i) for i in self.keep_indices()}

    def keep_indices(self) -> list[int]:
        """Calls re-delivered on the late page (see messiness.py)."""
        ext = np.flatnonzero(self.calls.external & self.calls.ctx_opp)
        return [int(ext[3]), int(ext[7])]

    def _write_users(self) -> None:
        users = self.org.users
        recs = []
        for k, g in enumerate(self.org.gong_users):
            u = users[g["user"]]
            gid = u["gong_id"]
            rec = {"id": gid if k % 7 == 3 else str(gid),  # some exporters write ids as JSON numbers
                   "emailAddress": g["email"], "created": _iso_offset(u["created_ts"], u["tz"]),
                   "active": u["active"], "emailAliases": [], "firstName": u["first"], "lastName": u["last"],
                   "title": u["title"], "phoneNumber": None, "extension": None,
                   "personalMeetingUrls": [f"https://zoom.us/j/{8_000_000_000 + k}"],
                   "settings": {"webConferencesRecorded": True, "telephonyCallsImported": u["level"] == "seller",
                                "emailsImported": True},
                   "managerId": (g["manager_gong"] if k % 5 == 2 else str(g["manager_gong"]))
                   if g["manager_gong"] is not None else None,
                   "meetingConsentPageUrl": None,
                   "spokenLanguages": [{"language": "en-US", "primary": True}]}
            recs.append(rec)
        P = self.spec.page_size
        n_pages = max(1, math.ceil(len(recs) / P))
        for p in range(n_pages):
            items = recs[p * P:(p + 1) * P]
            doc = page(random.Random(f"{self.seed}:users:{p}"), "users", items, len(recs), p, p == n_pages - 1)
            self.sink.json(f"gong/users_{p + 1:04d}.json", "gong_users", doc, "users")


def _split_total(rng: random.Random, total: float, k: int, cap: float) -> list[float]:
    if k <= 0:
        return []
    w = [rng.random() + 0.3 for _ in range(k)]
    s = sum(w)
    return [min(total * x / s, cap) for x in w]


def _iso_offset(ts: int, zone: str) -> str:
    """Local ISO 8601 text of ts in the IANA zone, with that instant's offset."""
    return iso_local(ts, zone)


