"""Contracts of the customer accounts and the AMs' renewal and expansion opportunities,
drawn from their own random streams and written to their own extract files (the existing
deals keep every value): crm/Contract.csv, crm/Opportunity__roles.csv and their stage paths
in crm/OpportunityHistory__roles.csv (roles_forecast.py adds the AE Commit rows there).

Contracts: every customer account has contract streams starting on the 1st of a month, the
AM-owned ones two or three 12-month streams (platform, add-ons; their anniversaries spread
evenly over each AM's year, ~4-5 renewals a month per AM), the CSM-owned ones one stream of
12, 24 or 36 months. A stream renews contract after contract; a lost AM renewal ends it
(churn). Each stream has an ARR (USD), the cs/health arr of its account (roles_cs.py).

AM renewals (Type 'Renewal', 15% 'Existing Business - Renewal'): one per AM contract ending
from span start + 150 days to as_of + 120 days, opened 95-150 days before the EndDate (8% late:
30-85 days before; roles_plan am_late_renewals: 80% of the renewals opened from its onset);
~88% won (am_low_renewal_rate: 40% of those closing from its onset), closed up to three weeks
before the EndDate, open while that is after as_of (CloseDate = EndDate). Losses and late
openings are spread evenly over each AM's renewals (roles_plan.spaced), so an AM's rate is
the same in every window. AM expansions
(Upsell, Cross-Sell): ~2 a month per AM, ~55% won. Stage paths as deals.py: one history row per
stage reached, then the closing row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from . import currency
from .accounts import Accounts
from .common import DAY, Calendar, date_text, from_day, int_text, rng_for, sf_ids, to_day, ts_text
from .crm import OPPORTUNITY_COLUMNS
from .deals import STAGE_FORECAST, STAGE_PROB, STAGES
from .org import Org
from .roles_crm import ContractRows
from .roles_plan import RolePlan, spaced
from .writers import Sink, frame

FIRST_OPP_SEQ = 600_000_000  # new deal Ids, far from the existing ones (1..n) and the late file's
FIRST_HIST_SEQ = 700_000_000


def _month_day(mi: np.ndarray) -> np.ndarray:
    """First day (day number) of month index mi = year * 12 + month - 1."""
    lo, hi = int(mi.min()), int(mi.max())
    table = np.array([to_day(dt.date(m // 12, m % 12 + 1, 1)) for m in range(lo, hi + 2)], np.int64)
    return table[mi - lo]


@dataclass
class RoleDeals:
    n: int
    id: np.ndarray
    owner: np.ndarray
    account: np.ndarray
    created_ts: np.ndarray
    close_day: np.ndarray
    close_ts: np.ndarray
    closed: np.ndarray
    won: np.ndarray
    stage: np.ndarray
    amount: np.ndarray  # USD
    dtype: np.ndarray
    name: np.ndarray
    contract_end: np.ndarray  # renewals: the contract's EndDate (day), else -1
    currency: np.ndarray
    amount_text: pl.Series
    hist: dict
    last_mod_ts: np.ndarray


def build_contracts_and_deals(org: Org, acc: Accounts, cal: Calendar, plan: RolePlan,
                              seed: int) -> tuple[ContractRows, RoleDeals]:
    rng = rng_for(seed, "roles-contracts")
    cust = np.flatnonzero(acc.customer)
    is_am = org.s_role[acc.owner[cust]] == "AM"
    k = np.where(is_am, 2 + (rng.random(len(cust)) < 0.3), 1)
    s_acc = np.repeat(cust, k)
    s_owner = acc.owner[s_acc]
    s_am = org.s_role[s_owner] == "AM"
    m = len(s_acc)
    term = np.where(s_am, 12, rng.choice([12, 24, 36], size=m, p=[0.7, 0.2, 0.1]))
    # anniversaries spread evenly over each owner's year: rank of the stream within its owner
    key = s_owner * 2.0 + rng.random(m)
    order = np.argsort(key, kind="stable")
    rank = np.empty(m, np.int64)
    first_of_owner = np.searchsorted(s_owner[order], s_owner[order])
    rank[order] = np.arange(m) - first_of_owner
    per_owner = np.bincount(s_owner, minlength=org.n_sellers)[s_owner]
    start_mi = cal.start.year * 12 + cal.start.month - 1
    first = start_mi - term + 1 + (rank * term) // np.maximum(per_owner, 1)  # the first covers span start
    arr = np.round(np.where(s_am, 26_000, 34_000) * np.exp(rng.normal(0, 0.5, m)), -2)
    end_mi_limit = cal.as_of.year * 12 + cal.as_of.month - 1
    c_rows = {"stream": [], "start_mi": [], "term": []}
    ren = {"stream": [], "end_day": [], "won": []}
    alive = np.ones(m, bool)
    cur = first.astype(np.int64)
    lo_ren, hi_ren = cal.start_day + 150, cal.end_day + 120
    p_win = np.clip(0.88 + rng.normal(0, 0.03, org.n_sellers), 0.8, 0.95)
    carry = rng.random(org.n_sellers)  # where each AM's run of losses starts
    gen = 0
    while True:
        sel = np.flatnonzero(alive & (cur <= end_mi_limit))
        if not len(sel):
            break
        c_rows["stream"].append(sel)
        c_rows["start_mi"].append(cur[sel])
        c_rows["term"].append(term[sel])
        end_day = _month_day(cur[sel] + term[sel]) - 1
        renew = s_am[sel] & (end_day >= lo_ren) & (end_day <= hi_ren)
        rs = sel[renew]
        ren["stream"].append(rs)
        ren["end_day"].append(end_day[renew])
        # the outcome decides whether the stream goes on (a closed, lost renewal ends it)
        own = s_owner[rs]
        low = plan.mask("am_low_renewal_rate", own) & (end_day[renew] - 10 >= plan.onset_of("am_low_renewal_rate", own))
        won = ~spaced(own, end_day[renew], 1.0 - np.where(low, 0.40, p_win[own]), carry)
        ren["won"].append(won)
        closes_by = end_day[renew] - 21 <= cal.end_day
        alive[rs[~won & closes_by]] = False
        cur[sel] = cur[sel] + term[sel]
        gen += 1
        if gen > 12:
            break
    st = np.concatenate(c_rows["stream"])
    smi = np.concatenate(c_rows["start_mi"])
    tm = np.concatenate(c_rows["term"])
    contracts = ContractRows(account=s_acc[st], owner=s_owner[st], start_day=_month_day(smi),
                             end_day=_month_day(smi + tm) - 1, term=tm)
    contracts.arr = arr[st]
    contracts.stream = st
    ren_stream = np.concatenate(ren["stream"])
    ren_end = np.concatenate(ren["end_day"])
    ren_won = np.concatenate(ren["won"])
    deals = _deals(org, acc, cal, plan, seed, s_acc[ren_stream], s_owner[ren_stream], ren_end, ren_won,
                   arr[ren_stream])
    return contracts, deals


def _deals(org: Org, acc: Accounts, cal: Calendar, plan: RolePlan, seed: int, r_acc, r_owner, r_end, r_won,
           r_arr) -> RoleDeals:
    rng = rng_for(seed, "roles-am-deals")
    nr = len(r_acc)
    # renewals: opened before the contract ends, late ones fewer than 90 days before
    late_onset = plan.onset_of("am_late_renewals", r_owner)
    planned = r_end - 120
    p_late = np.where(plan.mask("am_late_renewals", r_owner) & (planned + 60 >= late_onset), 0.8, 0.08)
    late = spaced(r_owner, r_end, p_late, rng.random(org.n_sellers))
    lead = np.where(late, rng.integers(30, 86, nr), rng.integers(95, 151, nr))
    r_cday = cal.business_day(r_end - lead)
    keep = r_cday <= cal.end_day
    r_close = cal.business_day(r_end - np.where(r_won, rng.integers(0, 22, nr), rng.integers(0, 31, nr)))
    r_close = np.maximum(r_close, r_cday + 7)
    # expansions
    ams = np.flatnonzero(org.s_role == "AM")
    months = (cal.end_day - cal.start_day + 1) / 30.44
    per = rng.poisson(2.0 * months, len(ams))
    e_owner = np.repeat(ams, per)
    ne = len(e_owner)
    e_cday = cal.business_day(cal.start_day + rng.integers(0, cal.end_day - cal.start_day + 1, ne), hi=cal.end_day)
    e_acc = acc.book_start[e_owner] + (rng.random(ne) * acc.book_size[e_owner]).astype(np.int64)
    e_close = cal.business_day(e_cday + np.round(40 * np.exp(rng.normal(0, 0.4, ne))).astype(np.int64) + 7)
    e_won = rng.random(ne) < 0.55
    e_amt = np.maximum(1000, np.round(15_000 * np.exp(rng.normal(0, 0.55, ne)), -2))

    sel = np.flatnonzero(keep)
    owner = np.concatenate([r_owner[sel], e_owner])
    account = np.concatenate([r_acc[sel], e_acc])
    cday = np.concatenate([r_cday[sel], e_cday])
    close_plan = np.concatenate([r_close[sel], e_close])
    won_plan = np.concatenate([r_won[sel], e_won])
    is_ren = np.concatenate([np.ones(len(sel), bool), np.zeros(ne, bool)])
    amount = np.concatenate([np.round(r_arr[sel] * 1.05, -2), e_amt])
    contract_end = np.concatenate([r_end[sel], np.full(ne, -1)])
    cts = cal.work_ts(cday, org.s_tz[owner], rng.random(len(owner)))
    order = np.lexsort((owner, cts))
    owner, account, cday, close_plan, won_plan, is_ren, amount, contract_end, cts = (
        a[order] for a in (owner, account, cday, close_plan, won_plan, is_ren, amount, contract_end, cts))
    n = len(owner)
    closed = close_plan <= cal.end_day
    won = closed & won_plan
    close_day = np.where(closed, close_plan, np.where(is_ren, np.maximum(contract_end, cal.end_day + 1),
                                                      np.maximum(close_plan, cal.end_day + 1)))
    close_ts = np.where(closed, cal.work_ts(close_day, org.s_tz[owner], rng.random(n), lo=10.0, hi=17.5), -1)
    close_ts = np.where(closed, np.minimum(np.maximum(close_ts, cts + DAY), cal.end_ts), -1)
    span = np.maximum(np.where(closed, close_day, contract_end) - cday, 1)
    elapsed = np.minimum((cal.end_day - cday) / span, 0.999)
    stage = np.where(won, 5, np.where(closed, rng.integers(2, 6, n), 1 + (elapsed * 5).astype(np.int64)))
    kind_txt = np.where(is_ren, np.where(rng.random(n) < 0.85, "Renewal", "Existing Business - Renewal"),
                        np.where(rng.random(n) < 0.5, "Upsell", "Cross-Sell"))
    year = np.array([str(from_day(d).year) for d in np.where(is_ren, contract_end, cday).tolist()])
    name = np.char.add(np.char.add(acc.name[account], np.where(is_ren, " - Renewal ", " - Expansion ")), year)
    code = org.s_currency[owner]
    hist = stage_history(n, cts, stage, closed, won, close_ts, cal, rng)
    last_mod = np.full(n, 0, np.int64)
    np.maximum.at(last_mod, hist["deal"], hist["ts"])
    return RoleDeals(n=n, id=sf_ids("006", FIRST_OPP_SEQ + np.arange(1, n + 1)), owner=owner, account=account,
                     created_ts=cts, close_day=close_day, close_ts=close_ts, closed=closed, won=won, stage=stage,
                     amount=amount, dtype=kind_txt, name=name, contract_end=contract_end, currency=code,
                     amount_text=org.fx.amount_text(amount, code, close_day), hist=hist,
                     last_mod_ts=np.maximum(last_mod, cts))


def stage_history(n, cts, stage, closed, won, close_ts, cal: Calendar, rng: np.random.Generator) -> dict:
    """One row per stage reached (evenly spread from creation to close, or to as_of while
    open), then the closing row of a closed deal."""
    n_hist = stage + closed.astype(np.int64)
    h_deal = np.repeat(np.arange(n), n_hist)
    hk = np.arange(len(h_deal)) - np.repeat(np.cumsum(n_hist) - n_hist, n_hist)
    end = np.where(closed, close_ts, cal.end_ts - 3600)[h_deal]
    frac = hk / np.maximum(stage[h_deal], 1)
    ts = cts[h_deal] + ((end - cts[h_deal]) * frac).astype(np.int64)
    ts = np.where(hk > 0, ts + rng.integers(0, 3600, len(h_deal)), cts[h_deal])
    close_row = closed[h_deal] & (hk == stage[h_deal])
    ts = np.minimum(np.where(close_row, close_ts[h_deal], ts), cal.end_ts)
    w = won[h_deal]
    k = np.minimum(hk, 4)
    return {"deal": h_deal, "ts": ts,
            "stage": np.where(close_row, np.where(w, "Closed Won", "Closed Lost"), np.array(STAGES)[k]),
            "prob": np.where(close_row, np.where(w, 100, 0), np.array(STAGE_PROB)[k]),
            "forecast": np.where(close_row, np.where(w, "Closed", "Omitted"), np.array(STAGE_FORECAST)[k])}


def write_role_opportunities(d: RoleDeals, acc: Accounts, org: Org, sink: Sink) -> None:
    stage = np.where(d.won, "Closed Won", np.where(d.closed, "Closed Lost", np.array(STAGES)[d.stage - 1]))
    prob = np.where(d.won, 100, np.where(d.closed, 0, np.array(STAGE_PROB)[d.stage - 1]))
    fc = np.where(d.won, "Closed", np.where(d.closed, "Omitted", np.array(STAGE_FORECAST)[d.stage - 1]))
    bools = lambda v: np.where(v, "true", "false")  # noqa: E731
    cols = {
        "Id": d.id, "AccountId": acc.id[d.account], "OwnerId": org.s_id[d.owner], "Name": d.name,
        "StageName": stage, "Amount": d.amount_text, "CurrencyIsoCode": np.array(currency.CODES)[d.currency],
        "CloseDate": date_text(d.close_day), "CreatedDate": ts_text(d.created_ts, "sf"),
        "IsClosed": bools(d.closed), "IsWon": bools(d.won), "ForecastCategoryName": fc, "Probability": int_text(prob),
        "Type": d.dtype, "LeadSource": np.full(d.n, "Existing Customer"), "IsDeleted": bools(np.zeros(d.n, bool)),
        "LastModifiedDate": ts_text(d.last_mod_ts, "sf"), "SystemModstamp": ts_text(d.last_mod_ts, "sf"),
        "SDR__c": [None] * d.n, "CreatedById": org.s_id[d.owner],
    }
    out = {c: cols.get(c, [None] * d.n) for c in OPPORTUNITY_COLUMNS + ["SDR__c", "CreatedById"]}
    sink.csv("crm/Opportunity__roles.csv", "Opportunity", frame(out))


def history_frame(deal_ids: np.ndarray, amount_text: pl.Series, close_day: np.ndarray, h: dict,
                  first_seq: int) -> pl.DataFrame:
    order = np.lexsort((h["deal"], h["ts"]))
    d = h["deal"][order]
    close = h["close"][order] if "close" in h else close_day[d]  # a Commit row may carry an earlier CloseDate
    amount = h["amount_text"].gather(order) if "amount_text" in h else amount_text.gather(d)  # ... and its own Amount
    return frame({
        "Id": sf_ids("008", first_seq + np.arange(1, len(order) + 1)), "OpportunityId": deal_ids[d],
        "StageName": h["stage"][order], "Amount": amount, "CloseDate": date_text(close),
        "Probability": int_text(h["prob"][order]), "ForecastCategory": h["forecast"][order],
        "IsDeleted": ["false"] * len(order),
        "CreatedDate": ts_text(h["ts"][order], "sf"), "SystemModstamp": ts_text(h["ts"][order], "sf"),
    })
