"""Deals: opportunities with their stage history, contact roles, close-date slippage,
MEDDPICC fields, and the quarterly quotas and fiscal periods (accounts and contacts:
accounts.py).

Every array is indexed by its own record number; deals are numbered in creation order.
Behaviour follows the owner (org.params): top sellers multithread (4-6 contact roles vs
1-2) and meet sooner (3-7 days vs 15-30); the owner's qualification level sets how often a
champion and an economic buyer are identified, MEDDPICC is filled and a lost deal is
disqualified early; negotiation sets late-stage losses and deal size; closing sets the win
rate, close-date slips and NextStep (skill.crm_params).

Money: every deal's value is planted in USD (Deals.amount, multiples of 100; the coaching
patterns on deal size live there) and written in the owner's currency (Deals.currency):
Amount = USD value x the rate valid on its CloseDate (the dated EUR/GBP range containing it,
else the static rate), rounded to the currency's decimals (Deals.amount_text). Quotas are
sized in USD; sellers with org.s_quota_local get them in their currency at the rate valid on
the quarter's StartDate.

Stale pipeline: ~3% of the deals whose planned close passed more than three weeks before
as_of are zombies, left open with their CloseDate in the past (up to the whole span, so some
~200 days), and half of the deals planned in the last three weeks are still open past their
CloseDate (1-21 days). Every scale has both open deals 1-90 days and more than 90 days past
their CloseDate (seed 42: XS 16 and 15, S 38 and 41, M 486 and 691).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import polars as pl

from . import currency
from .accounts import Accounts, Contacts
from .common import DAY, Calendar, group_starts, ranks_within, rng_for, sf_ids
from .org import Org

STAGES = ["Discovery", "Qualification", "Solution Demo", "Proposal", "Negotiation"]
STAGE_PROB = [10, 20, 40, 60, 80]
STAGE_FORECAST = ["Pipeline", "Pipeline", "Best Case", "Best Case", "Commit"]
OCR_GENERIC = ["Decision Maker", "Evaluator", "Influencer", "Business User", "Technical Buyer", "Other"]
MEDDPICC = [
    ("Metrics__c", ["Cut reporting time 40%", "Reduce ramp from 6 to 4 months", "Save 2 FTE in ops",
                    "Lift win rate 5 pts"]),
    ("Economic_Buyer__c", None),  # a contact name
    ("Decision_Criteria__c", ["SSO, SOC2, Salesforce sync", "Time to value under 60 days", "Price per seat"]),
    ("Decision_Process__c", ["Eval -> security review -> CFO sign-off", "Pilot, then steering committee"]),
    ("Paper_Process__c", ["MSA + DPA, legal 2 weeks", "Procurement portal, net 60", "Order form only"]),
    ("Identify_Pain__c", ["Manual forecasting in spreadsheets", "No visibility into rep activity",
                          "Churn in mid-market segment"]),
    ("Champion__c", None),  # a contact name
    ("Competition__c", ["Incumbent tool", "Build in-house", "Competitor A", "Do nothing"]),
]
NEXT_STEPS = ["Send proposal by Friday", "Security review call next week", "Exec alignment with CFO",
              "Pricing sign-off", "Schedule technical deep dive", "Send MSA redlines", "Follow up after pilot"]
LEAD_SOURCES = ["Inbound", "Outbound - SDR", "Partner", "Event", "Web", "Customer Referral"]
PRODUCTS = {"AE": ["Platform", "Analytics Suite", "Enterprise", "Starter"], "SDR": ["Starter", "Pilot"],
            "AM": ["Expansion", "Add-on Seats", "Upsell"], "CSM": ["Renewal"]}
DEAL_TYPE = {"AE": "New Business", "SDR": "New Business", "AM": "Expansion", "CSM": "Renewal"}
CREATE_RATE = {"AE": 3.5, "SDR": 0.35, "AM": 2.5, "CSM": 2.2}  # deals created per month
CYCLE_MEDIAN = {"AE": 55, "SDR": 28, "AM": 40, "CSM": 35}  # days
AMOUNT_MEDIAN = {"AE": 42_000, "SDR": 8_000, "AM": 22_000, "CSM": 30_000}


@dataclass
class Deals:
    n: int
    id: np.ndarray
    owner: np.ndarray
    account: np.ndarray
    created_ts: np.ndarray
    created_day: np.ndarray
    cycle: np.ndarray
    close_day: np.ndarray  # CloseDate (actual for closed, expected for open)
    close_ts: np.ndarray  # closing time for closed deals (else -1)
    closed: np.ndarray
    won: np.ndarray
    zombie: np.ndarray
    end_day: np.ndarray  # last day the deal is worked (touches, calls)
    fm_day: np.ndarray  # first meeting day
    fm_ts: np.ndarray
    has_meeting: np.ndarray
    stage_reached: np.ndarray  # 1..5
    amount: np.ndarray
    deleted: np.ndarray
    name: np.ndarray
    dtype: np.ndarray
    lead_source: np.ndarray
    next_step: np.ndarray  # '' when empty
    meddpicc: dict  # field -> array of text ('' empty)
    ocr_start: np.ndarray
    ocr_count: np.ndarray
    ocr_contact: np.ndarray  # flat, contact index
    ocr_role: np.ndarray
    ocr_primary: np.ndarray
    ocr_created_ts: np.ndarray
    ocr_id: np.ndarray
    hist: dict  # flat stage history arrays
    fhist: dict  # flat field history arrays
    last_mod_ts: np.ndarray
    currency: np.ndarray | None = None  # index into currency.CODES (the owner's currency)
    amount_text: pl.Series | None = None  # Amount as written: USD value in the deal's currency
    # role fields (roles_crm.sdr_sourcing): the sourcing SDR (-1 none), SDR__c text ('' empty), CreatedById
    sdr: np.ndarray | None = None
    sdr_field: np.ndarray | None = None
    created_by: np.ndarray | None = None

    @property
    def stage_name(self) -> np.ndarray:
        open_stage = np.array(STAGES)[self.stage_reached - 1]
        return np.where(self.won, "Closed Won", np.where(self.closed, "Closed Lost", open_stage))

    @property
    def probability(self) -> np.ndarray:
        p = np.array(STAGE_PROB)[self.stage_reached - 1]
        return np.where(self.won, 100, np.where(self.closed, 0, p))

    @property
    def forecast(self) -> np.ndarray:
        f = np.array(STAGE_FORECAST)[self.stage_reached - 1]
        return np.where(self.won, "Closed", np.where(self.closed, "Omitted", f))


def build_deals(org: Org, acc: Accounts, con: Contacts, cal: Calendar, seed: int) -> Deals:
    """The deals of every seller, drawn in steps from one generator (the order of the steps is
    the order of the draws): opportunities, contact roles, MEDDPICC and NextStep, stage
    history, field history."""
    rng = rng_for(seed, "deals")
    o = _opportunities(org, acc, cal, rng)
    ocr = _contact_roles(o, org, acc, cal, rng)
    meddpicc, next_step = _meddpicc(o, ocr, org, con, rng)
    hist = _stage_history(o, cal, rng)
    fhist = _field_history(o, org, cal, rng)
    last_mod = _last_modified(o, ocr, hist, fhist, cal)
    n, owner, close_day, amount = o.n, o.owner, o.close_day, o.amount
    return Deals(
        n=n, id=sf_ids("006", np.arange(1, n + 1)), owner=owner, account=o.account, created_ts=o.cts,
        created_day=o.cday, cycle=o.cycle, close_day=close_day, close_ts=o.close_ts, closed=o.closed, won=o.won,
        zombie=o.zombie, end_day=o.end_day, fm_day=o.fm_day, fm_ts=o.fm_ts, has_meeting=o.has_meeting,
        stage_reached=o.stage, amount=amount, deleted=o.deleted, name=o.name, dtype=o.dtype, lead_source=o.lead,
        next_step=next_step, meddpicc=meddpicc, ocr_start=ocr.start, ocr_count=ocr.k, ocr_contact=ocr.contact,
        ocr_role=ocr.roles, ocr_primary=ocr.primary, ocr_created_ts=ocr.created,
        ocr_id=sf_ids("00k", np.arange(1, ocr.m + 1)), hist=hist, fhist=fhist, last_mod_ts=last_mod,
        currency=org.s_currency[owner], amount_text=org.fx.amount_text(amount, org.s_currency[owner], close_day),
    )


def _opportunities(org: Org, acc: Accounts, cal: Calendar, rng: np.random.Generator) -> SimpleNamespace:
    """Owner, account, dates (created, first meeting, close), outcome, stage, USD amount, name,
    type and lead source of every deal, in creation order."""
    P = org.params
    role = org.s_role
    months = (cal.end_day - cal.start_day + 1) / 30.44
    rate = np.array([CREATE_RATE[r] for r in role])
    per_seller = rng.poisson(rate * months)
    owner = np.repeat(np.arange(org.n_sellers), per_seller)
    n = len(owner)
    span = cal.end_day - cal.start_day + 1
    cday = cal.business_day(cal.start_day + rng.integers(0, span, n), hi=cal.end_day)
    cts = cal.work_ts(cday, org.s_tz[owner], rng.random(n))
    order = np.lexsort((owner, cts))
    owner, cts = owner[order], cts[order]
    cday = cts // DAY  # UTC date of CreatedDate
    top = org.s_top[owner]
    r_owner = role[owner]

    account = acc.book_start[owner] + (rng.random(n) * acc.book_size[owner]).astype(np.int64)
    median = np.array([CYCLE_MEDIAN[r] for r in r_owner])
    cycle = np.round(median * np.exp(rng.normal(0, 0.45, n)) * P["cycle_mult"][owner]).astype(np.int64)
    dtm = rng.integers(P["dtm_lo"][owner], P["dtm_hi"][owner] + 1)
    cycle = np.maximum(cycle, dtm + 10)
    fm_day = cal.business_day(cday + dtm, lo=cday + 1)
    planned = cday + cycle

    u = rng.random(n)
    cut = cal.end_day - 21
    closed = ((planned <= cut) & (u >= 0.03)) | ((planned > cut) & (planned <= cal.end_day) & (u < 0.5))
    zombie = (planned <= cut) & (u < 0.03)
    close_day = np.where(closed, cal.business_day(planned, lo=cday + 1, hi=cal.end_day),
                         np.minimum(planned, cal.end_day + 270))
    won = closed & (rng.random(n) < P["p_win"][owner] * P["neg_win_factor"][owner])
    # a seller who qualifies well disqualifies a lost deal within its first weeks
    early_dq = closed & ~won & (rng.random(n) < P["p_early_dq"][owner])
    close_day = np.where(early_dq, cal.business_day(np.minimum(cday + rng.integers(8, 27, n), cal.end_day),
                                                    lo=cday + 1, hi=cal.end_day), close_day)
    # (d) one AE far below 50% attainment in the current quarter: its closes there are lost
    q_now = cal.quarters[-1]
    d_rep = org.planted["low_attainment"]
    won[(owner == d_rep) & closed & (close_day >= q_now.start_day)] = False

    end_day = np.where(closed, close_day, cal.end_day)
    end_day = np.where(zombie, np.minimum(cday + (cycle * 0.5).astype(np.int64), cal.end_day), end_day)
    has_meeting = fm_day <= np.minimum(end_day, cal.end_day)
    fm_ts = cal.work_ts(fm_day, org.s_tz[owner], rng.random(n), lo=8.5, hi=16.0) // 1800 * 1800
    fm_ts = np.minimum(np.maximum(fm_ts, cts + 3600), cal.end_ts - 3600)

    close_ts = np.where(closed, cal.work_ts(close_day, org.s_tz[owner], rng.random(n), lo=10.0, hi=17.5), -1)
    close_ts = np.where(closed, np.maximum(close_ts, cts + 2 * DAY), -1)
    close_ts = np.where(closed, np.minimum(close_ts, cal.end_ts), -1)

    # a seller weak at negotiation loses deals late (Proposal or Negotiation reached)
    late = rng.random(n) < P["p_late_loss"][owner]
    lost_stage = np.where(late & ~early_dq, rng.integers(4, 6, n), rng.integers(1, 4, n))
    elapsed = np.minimum((cal.end_day - cday) / np.maximum(cycle, 1), 0.999)
    stage = np.where(won, 5, np.where(closed, lost_stage, 1 + (elapsed * 5).astype(np.int64)))
    stage = np.where(zombie, rng.integers(1, 4, n), stage).astype(np.int64)

    amt_median = np.array([AMOUNT_MEDIAN[r] for r in r_owner])
    amount = np.maximum(1000, np.round(amt_median * np.exp(rng.normal(0, 0.55, n)) * P["amount_mult"][owner], -2))
    deleted = rng.random(n) < 0.01

    prod_idx = rng.integers(0, 4, n)
    product = np.array([PRODUCTS[r][i % len(PRODUCTS[r])] for r, i in zip(r_owner.tolist(), prod_idx.tolist())])
    year = np.array([str(y) for y in (1970 + (cday / 365.2425)).astype(int)])
    name = np.char.add(np.char.add(acc.name[account], " - "), product)
    name = np.where(r_owner == "CSM", np.char.add(np.char.add(name, " "), year), name)
    dtype = np.array([DEAL_TYPE[r] for r in r_owner])
    lead = np.where(r_owner == "SDR", "Outbound - SDR",
                    np.array(LEAD_SOURCES)[rng.integers(0, len(LEAD_SOURCES), n)])
    lead = np.where(np.isin(r_owner, ["AM", "CSM"]), "Existing Customer", lead)
    return SimpleNamespace(n=n, owner=owner, cts=cts, cday=cday, top=top, account=account, cycle=cycle,
                           fm_day=fm_day, closed=closed, zombie=zombie, close_day=close_day, won=won,
                           end_day=end_day, has_meeting=has_meeting, fm_ts=fm_ts, close_ts=close_ts,
                           stage=stage, amount=amount, deleted=deleted, name=name, dtype=dtype, lead=lead)


def _contact_roles(o: SimpleNamespace, org: Org, acc: Accounts, cal: Calendar,
                   rng: np.random.Generator) -> SimpleNamespace:
    """OpportunityContactRole rows (flat, grouped by deal): top sellers multithread (4-6
    roles vs 1-2), the champion first, then the economic buyer when identified."""
    P = org.params
    n, owner, account, top, cts, cday, end_day = o.n, o.owner, o.account, o.top, o.cts, o.cday, o.end_day
    k = np.where(top, rng.integers(4, 7, n), rng.choice([1, 2, 3], size=n, p=[0.45, 0.47, 0.08]))
    k = np.minimum(k, acc.contact_count[account])
    champ = rng.random(n) < P["p_champ"][owner]
    eb = rng.random(n) < P["p_eb"][owner]
    ocr_start = group_starts(k)
    m = int(k.sum())
    o_deal = np.repeat(np.arange(n), k)
    j = ranks_within(ocr_start, k)
    a = account[o_deal]
    offset = rng.integers(0, 10, n)[o_deal]
    o_contact = acc.contact_start[a] + (offset + j) % acc.contact_count[a]
    roles = np.array(OCR_GENERIC, dtype=object)[rng.integers(0, len(OCR_GENERIC), m)]
    eb_label = np.where(rng.random(m) < 0.5, "Economic Buyer", "Economic Decision Maker")
    champ_row = champ[o_deal] & (j == 0)
    eb_row = eb[o_deal] & (j == np.where(champ[o_deal], 1, 0))
    roles = np.where(champ_row, "Champion", np.where(eb_row, eb_label, roles)).astype(str)
    primary = (j == 0) & (rng.random(n) < 0.9)[o_deal]
    span_work = np.maximum(end_day - cday, 1)
    o_created = cts[o_deal] + (rng.random(m) * 0.5 * span_work[o_deal] * DAY).astype(np.int64)
    o_created = np.minimum(o_created, cal.end_ts - rng.integers(0, 3600, m))
    return SimpleNamespace(k=k, start=ocr_start, m=m, deal=o_deal, contact=o_contact, roles=roles, primary=primary,
                           created=o_created)


def _meddpicc(o: SimpleNamespace, ocr: SimpleNamespace, org: Org, con: Contacts,
              rng: np.random.Generator) -> tuple[dict, np.ndarray]:
    """MEDDPICC fields and NextStep (sparse; a few whitespace-only)."""
    P = org.params
    n, owner = o.n, o.owner
    o_contact, ocr_start, k = ocr.contact, ocr.start, ocr.k
    champ_contact = o_contact[ocr_start]  # first contact role (the champion when there is one)
    eb_contact = o_contact[ocr_start + np.minimum(1, k - 1)]
    meddpicc = {}
    for _f_i, (fname, values) in enumerate(MEDDPICC):
        if fname == "Champion__c":
            filled = rng.random(n) < P["p_champ_field"][owner]
            text = con.name[champ_contact]
        elif fname == "Economic_Buyer__c":
            filled = rng.random(n) < P["p_eb_field"][owner]
            text = con.name[eb_contact]
        else:
            filled = rng.random(n) < P["p_meddpicc"][owner]
            text = np.array(values)[rng.integers(0, len(values), n)]
        blank = (~filled) & (rng.random(n) < 0.01)  # whitespace-only: not filled after trimming
        meddpicc[fname] = np.where(filled, text, np.where(blank, "  ", "")).astype(str)
    next_step = np.where(rng.random(n) < P["p_next_step"][owner],
                         np.array(NEXT_STEPS)[rng.integers(0, len(NEXT_STEPS), n)], "")
    return meddpicc, next_step


def _stage_history(o: SimpleNamespace, cal: Calendar, rng: np.random.Generator) -> dict:
    """OpportunityHistory: one row per stage reached, plus the closing row of closed deals."""
    n, stage, closed, won, zombie = o.n, o.stage, o.closed, o.won, o.zombie
    cts, cday, cycle, end_day, close_ts = o.cts, o.cday, o.cycle, o.end_day, o.close_ts
    n_hist = stage + closed.astype(np.int64)
    h_start = group_starts(n_hist)
    h_deal = np.repeat(np.arange(n), n_hist)
    hk = ranks_within(h_start, n_hist)
    hd_closed = closed[h_deal]
    close_row = hd_closed & (hk == stage[h_deal])
    base = cts[h_deal]
    span_closed = (close_ts[h_deal] - base) * hk / np.maximum(stage[h_deal], 1)
    span_open = cycle[h_deal] * DAY * hk / 5.0
    span_zombie = (end_day[h_deal] - cday[h_deal]) * DAY * hk / np.maximum(stage[h_deal], 1)
    h_ts = base + np.where(hd_closed, span_closed, np.where(zombie[h_deal], span_zombie, span_open)).astype(np.int64)
    h_ts = np.where(hk > 0, h_ts + rng.integers(0, 3600, len(h_deal)), base)
    h_ts = np.where(close_row, close_ts[h_deal], h_ts)
    h_ts = np.minimum(h_ts, cal.end_ts)
    h_stage = np.where(close_row, np.where(won[h_deal], "Closed Won", "Closed Lost"),
                       np.array(STAGES)[np.minimum(hk, 4)])
    h_prob = np.where(close_row, np.where(won[h_deal], 100, 0), np.array(STAGE_PROB)[np.minimum(hk, 4)])
    h_fc = np.where(close_row, np.where(won[h_deal], "Closed", "Omitted"), np.array(STAGE_FORECAST)[np.minimum(hk, 4)])
    hist = {"deal": h_deal, "ts": h_ts, "stage": h_stage, "prob": h_prob, "forecast": h_fc,
            "id": sf_ids("008", np.arange(1, len(h_deal) + 1))}
    return hist


def _field_history(o: SimpleNamespace, org: Org, cal: Calendar, rng: np.random.Generator) -> dict:
    """OpportunityFieldHistory: close-date slippage and a few amount changes."""
    P = org.params
    n, owner, closed, amount = o.n, o.owner, o.closed, o.amount
    cts, cday, end_day, close_day, close_ts = o.cts, o.cday, o.end_day, o.close_day, o.close_ts
    slip = (rng.random(n) < P["p_slip"][owner]) & (end_day - cday >= 10)
    n_slip = np.where(slip, 1 + (rng.random(n) < 0.35), 0)
    amt_change = rng.random(n) < 0.08
    n_f = n_slip + amt_change
    f_start = group_starts(n_f)
    f_deal = np.repeat(np.arange(n), n_f)
    fk = ranks_within(f_start, n_f)
    is_amount = fk >= n_slip[f_deal]
    s_days = rng.integers(7, 46, (2, n))
    final = close_day[f_deal]
    ns = n_slip[f_deal]
    # the last slip row ends at the final CloseDate; an earlier one ends where the last began
    new_v = np.where(fk == ns - 1, final, final - s_days[1][f_deal])
    old_v = new_v - np.where(fk == ns - 1, s_days[1][f_deal], s_days[0][f_deal])
    new_v = np.where((ns == 2) & (fk == 0), final - s_days[1][f_deal], new_v)
    old_v = np.where((ns == 2) & (fk == 0), final - s_days[1][f_deal] - s_days[0][f_deal], old_v)
    frac = np.where(is_amount, rng.uniform(0.1, 0.9, len(f_deal)),
                    np.where(fk == 0, rng.uniform(0.25, 0.55, len(f_deal)), rng.uniform(0.6, 0.95, len(f_deal))))
    f_ts = cts[f_deal] + (frac * (end_day[f_deal] - cday[f_deal]) * DAY).astype(np.int64)
    f_ts = np.minimum(f_ts, np.where(closed[f_deal], close_ts[f_deal] - 60, cal.end_ts - 3600))
    f_amt_old = np.round(amount[f_deal] * rng.uniform(0.75, 1.3, len(f_deal)), -2)
    fhist = {"deal": f_deal, "ts": f_ts, "is_amount": is_amount, "old_day": old_v, "new_day": new_v,
             "amount_old": f_amt_old, "amount_new": amount[f_deal],
             "id": sf_ids("017", np.arange(1, len(f_deal) + 1))}
    return fhist


def _last_modified(o: SimpleNamespace, ocr: SimpleNamespace, hist: dict, fhist: dict, cal: Calendar) -> np.ndarray:
    """LastModifiedDate: the latest of creation, stage and field changes and contact roles."""
    n, cts = o.n, o.cts
    h_deal, h_ts, f_deal, f_ts = hist["deal"], hist["ts"], fhist["deal"], fhist["ts"]
    o_deal, o_created = ocr.deal, ocr.created
    last_mod = cts.copy()
    np.maximum.at(last_mod, h_deal, h_ts)
    np.maximum.at(last_mod, f_deal, f_ts)
    ocr_last = np.full(n, 0, np.int64)
    np.maximum.at(ocr_last, o_deal, o_created)
    last_mod = np.minimum(np.maximum(last_mod, ocr_last), cal.end_ts)
    return last_mod


@dataclass
class Quotas:
    owner: np.ndarray
    quarter: np.ndarray  # index into cal.quarters
    amount: np.ndarray
    with_period: np.ndarray
    id: np.ndarray
    period_ids: dict  # Period -> id
    currency: np.ndarray | None = None  # index into currency.CODES
    amount_text: pl.Series | None = None  # QuotaAmount as written (in currency)


def build_quotas(org: Org, deals: Deals, cal: Calendar, seed: int) -> Quotas:
    """Quarterly (fiscal-quarter) quota per seller, sized in USD from the role's won amounts so
    that top performers land above 100% and the rest around 60-80% (the first quarter is a
    50% ramp); written in the seller's currency when org.s_quota_local, at the rate valid on
    the quarter's StartDate."""
    rng = rng_for(seed, "quota")
    quarters = cal.quarters
    nq = len(quarters)
    q_start = np.array([q.start_day for q in quarters])
    ok = deals.won & ~deals.deleted
    qi = np.searchsorted(q_start, deals.close_day[ok], side="right") - 1
    won = np.zeros((org.n_sellers, nq))
    np.add.at(won, (deals.owner[ok], qi), deals.amount[ok])
    full = slice(1, max(nq - 1, 2))
    quota = np.zeros((org.n_sellers, nq))
    for role in ("AE", "SDR", "AM", "CSM"):
        members = org.s_role == role
        w = won[members][:, full].mean() if members.any() else 0.0
        role_quota = max(5000.0, round(1.15 * w / 1000.0) * 1000.0)
        quota[members] = role_quota
    quota = np.round(quota * org.params["quota_factor"][:, None], -3)
    quota[:, 0] = np.round(quota[:, 0] * 0.5, -3)
    owner = np.repeat(np.arange(org.n_sellers), nq)
    quarter = np.tile(np.arange(nq), org.n_sellers)
    period_ids = {p: str(pid) for p, pid in zip(cal.periods, sf_ids("026", np.arange(1, len(cal.periods) + 1)))}
    q_currency = np.where(org.s_quota_local[owner], org.s_currency[owner], currency.USD)
    return Quotas(
        owner=owner, quarter=quarter, amount=quota.ravel(),
        with_period=rng.random(len(owner)) >= 0.1,
        id=sf_ids("0J9", np.arange(1, len(owner) + 1)), period_ids=period_ids,
        currency=q_currency, amount_text=org.fx.amount_text(quota.ravel(), q_currency, q_start[quarter]),
    )
