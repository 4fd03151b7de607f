"""The AE patterns on the existing deals' stage history (roles contract, AE).

Commit snapshots. In deals.py a deal is in the Commit category only while it sits in
Negotiation, the last days before it closes, so a quarter's Commit snapshot (its first
business day + 14 days) would hold a fraction of what the rep then wins. Reps commit
earlier: for every AE and quarter a forecast-category change (an OpportunityHistory row in
the deal's current stage with ForecastCategory 'Commit', dated on or before the snapshot
day) is added to deals open on the snapshot day and closing in the quarter - won ones first,
largest first, then lost ones - until the Commit amount is about the quarter's won amount /
U(0.93, 1.07) (in the 0.85-1.15 band). The planted forecast AEs (roles_plan ae_forecast,
the three closed quarters before the current one) commit about won / 1.9 instead: their
Negotiation deals are first set back to 'Best Case' by a row of their own (sandbagging), so
their forecast accuracy is ~1.9, out of band. When the deals open on the snapshot day cannot
reach a rep's target (a quarter won mostly from deals created after the snapshot or closed
before it), the Commit rows carry up to 1.6x the deal's final Amount (committed at a larger
size, cut before it closed). The rows go to crm/OpportunityHistory__roles.csv;
the existing rows keep every value.

Stage 2>3. The planted AEs (roles_plan ae_stage_2_3) lose every lost deal that got past
Qualification at Qualification instead, from the onset on: the history rows of those deals'
later stages (Solution Demo, Proposal, Negotiation) are removed from
crm/OpportunityHistory.csv - the one change to existing records the role patterns make. And
they advance the deals they lose in Discovery to Qualification first (a rep who moves deals
on before they are qualified): those deals get a Qualification row halfway between their
Discovery and Closed Lost rows, with new Ids (STAGE_2_3_HIST_SEQ). Both together put the
rep's 2>3 conversion 25-35 points under the segment's, a gap a 3-month sample of 10-20
deals shows beyond the detector's 90% doubt. The other rows keep their Ids and values; the
deal keeps its Closed Lost row.
"""

from __future__ import annotations

import numpy as np

from .common import DAY, Calendar, group_starts, ranks_within, rng_for, sf_ids
from .deals import STAGE_FORECAST, STAGE_PROB, STAGES, Deals
from .org import Org
from .roles_plan import RolePlan

SNAPSHOT_DAYS = 14
MAX_UPSIZE = 1.6
STAGE_2_3_HIST_SEQ = 800_000_000  # the added Qualification rows' Ids, far from every other history row


def plant_stage_2_3(deals: Deals, plan: RolePlan) -> int:
    """Removes the later-stage rows of the planted AEs' lost deals and adds a Qualification
    row to the ones lost in Discovery; returns the rows removed."""
    h = deals.hist
    n_hist = np.bincount(h["deal"], minlength=deals.n)
    hk = ranks_within(group_starts(n_hist), n_hist)
    d = h["deal"]
    lost = deals.closed & ~deals.won & ~deals.deleted & plan.mask("ae_stage_2_3", deals.owner) & (
        deals.close_day >= plan.onset_of("ae_stage_2_3", deals.owner))
    drop = (lost & (deals.stage_reached >= 3))[d] & (hk >= 2) & (h["stage"] != "Closed Lost")
    keep = ~drop
    for k in list(h):
        h[k] = h[k][keep]
    _advance_discovery_losses(h, lost & (deals.stage_reached == 1))
    return int(drop.sum())


def _advance_discovery_losses(h: dict, advanced: np.ndarray) -> None:
    """Appends a Qualification row to each advanced deal (its rows: Discovery, Closed Lost)."""
    d = h["deal"]
    first = np.flatnonzero(advanced[d] & (h["stage"] == "Discovery"))
    last = np.flatnonzero(advanced[d] & (h["stage"] == "Closed Lost"))
    first, last = first[np.argsort(d[first], kind="stable")], last[np.argsort(d[last], kind="stable")]
    assert np.array_equal(d[first], d[last])
    n = len(first)
    new = {"deal": d[first], "ts": h["ts"][first] + (h["ts"][last] - h["ts"][first]) // 2,
           "stage": np.full(n, STAGES[1]), "prob": np.full(n, STAGE_PROB[1]),
           "forecast": np.full(n, STAGE_FORECAST[1]), "id": sf_ids("008", STAGE_2_3_HIST_SEQ + np.arange(1, n + 1))}
    for k in list(h):
        h[k] = np.concatenate([h[k], new[k]])


def snapshot_day(cal: Calendar, q) -> int:
    first = int(cal.business_day(q.start_day, lo=q.start_day))
    return first + SNAPSHOT_DAYS


def _pick(cands: list, limit: float, base: float) -> list:
    """Greedy: candidates (amount, i) in order, added while the total stays within limit."""
    total, chosen = base, []
    for a, i in cands:
        if total + a <= limit:
            total += a
            chosen.append(i)
    return chosen


def commit_rows(org: Org, deals: Deals, cal: Calendar, plan: RolePlan, seed: int) -> dict:
    """The forecast-category rows (flat arrays: deal, ts, stage, prob, forecast, close day)."""
    rng = rng_for(seed, "roles-forecast")
    h = deals.hist
    order = np.lexsort((h["ts"], h["deal"]))
    keys = h["deal"][order] * (1 << 32) + h["ts"][order]
    ok = (org.s_role[deals.owner] == "AE") & ~deals.deleted
    rows = {"deal": [], "ts": [], "stage": [], "prob": [], "forecast": [], "close": [], "amount": []}
    ratio = rng.uniform(0.93, 1.07, (org.n_sellers, len(cal.quarters)))
    for qi, q in enumerate(cal.quarters):
        snap = snapshot_day(cal, q)
        if snap > cal.end_day:
            continue
        snap_end = min(snap * DAY + DAY - 1, cal.end_ts)
        in_q = ok & (deals.close_day >= q.start_day) & (deals.close_day <= q.end_day)
        won_q = in_q & deals.won
        won_sum = np.bincount(deals.owner[won_q], weights=deals.amount[won_q], minlength=org.n_sellers)
        # open on the snapshot day, closing in the quarter or later (a slipped deal was committed
        # for this quarter: its Commit row carries a CloseDate in the quarter)
        cand = np.flatnonzero(ok & (deals.close_day >= q.start_day) & (deals.created_ts <= snap_end)
                              & ~(deals.closed & (deals.close_ts <= snap_end)))
        j = np.searchsorted(keys, cand * (1 << 32) + snap_end, side="right") - 1
        valid = (j >= 0) & (h["deal"][order[np.maximum(j, 0)]] == cand)
        cand, j = cand[valid], order[j[valid]]
        cur_fc, cur_ts = h["forecast"][j], h["ts"][j]
        slipped = deals.close_day[cand] > q.end_day
        committed = (cur_fc == "Commit") & ~slipped  # in Negotiation, closing in the quarter
        amt = deals.amount[cand]
        u = rng.random(len(cand))
        closed_q = q.end_day < cal.end_day
        add, back = np.zeros(len(cand), bool), np.zeros(len(cand), bool)
        scale = np.ones(len(cand))  # committed at a larger size than the deal's final Amount
        o = deals.owner[cand]
        by_owner = np.argsort(o, kind="stable")
        bounds = np.searchsorted(o[by_owner], np.arange(org.n_sellers + 1))
        for s in np.flatnonzero(org.s_role == "AE").tolist():
            idx = by_owner[bounds[s]:bounds[s + 1]]
            if not len(idx):
                continue
            won = float(won_sum[s])
            sandbag = plan.has("ae_forecast", s) and closed_q and q.start_day >= plan.onset[("ae_forecast", s)]
            target = won / 1.9 if sandbag else won / ratio[s, qi]
            kept = idx[committed[idx]]
            base = float(amt[kept].sum())
            if sandbag or base > target * 1.08:  # set Negotiation deals back to Best Case, lost ones first
                for i in sorted(kept.tolist(), key=lambda i: (deals.won[cand[i]], -amt[i])):
                    if base <= target * 1.05 and not sandbag:
                        break
                    back[i] = True
                    base -= float(amt[i])
            free = [i for i in idx.tolist() if not committed[i]]
            # won in the quarter first (largest first), then the lost and slipped ones in random order
            cands = sorted(((float(amt[i]), i) for i in free),
                           key=lambda t: (not (deals.won[cand[t[1]]] and not slipped[t[1]]),
                                          -t[0] if deals.won[cand[t[1]]] and not slipped[t[1]] else u[t[1]]))
            chosen = _pick(cands, target * 1.05, base)
            total = base + sum(float(amt[i]) for i in chosen)
            if won > 0 and total < won / (1.3 if not sandbag else 10.0):  # nothing fitted: the smallest that keeps the ratio
                rest = sorted((c for c in cands if c[1] not in chosen), key=lambda t: t[0])
                limit = won / 1.35 if sandbag else won / 0.87
                chosen += _pick(rest, limit, total)
            total = base + sum(float(amt[i]) for i in chosen)
            if not sandbag and chosen and won > 0 and total < won / 1.12:
                picked = total - base
                scale[chosen] = min(MAX_UPSIZE, max(1.0, (target - base) / picked))
            add[chosen] = True
        for sel, fc in ((add, "Commit"), (back, "Best Case")):
            idx = np.flatnonzero(sel)
            if not len(idx):
                continue
            lo = np.maximum(cur_ts[idx], deals.created_ts[cand[idx]]) + 60
            t = snap_end - (rng.uniform(0.2, 6.0, len(idx)) * DAY).astype(np.int64)
            t = np.minimum(np.maximum(t, lo), snap_end)
            fine = t > cur_ts[idx]
            idx, t = idx[fine], t[fine]
            close = deals.close_day[cand[idx]]
            close = np.where(close > q.end_day, q.end_day - rng.integers(0, 25, len(idx)), close)
            close = np.maximum(close, snap + 1)
            rows["deal"].append(cand[idx])
            rows["ts"].append(t)
            rows["stage"].append(h["stage"][j[idx]])
            rows["prob"].append(h["prob"][j[idx]])
            rows["forecast"].append(np.full(len(idx), fc))
            rows["close"].append(close)
            rows["amount"].append(np.round(amt[idx] * scale[idx], -2))
    empty = {"amount": np.float64, "stage": "U1", "forecast": "U1"}
    out = {k: (np.concatenate(v) if v else np.zeros(0, empty.get(k, np.int64))) for k, v in rows.items()}
    d = out["deal"].astype(np.int64)
    out["amount_text"] = org.fx.amount_text(out["amount"], deals.currency[d], deals.close_day[d])
    return out
