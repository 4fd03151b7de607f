"""The ground truth of the planted role patterns (truth.py writes it as `role_patterns`):
one entry per planted (rep, pattern_key) with the fiscal months (month_start) in which the
generated data shows the pattern, computed from the same records the files hold, with the
defaults of settings.yaml `roles:` (window_months 3 for deal, renewal and onboarding rates;
SDR rates in the month; min_sample 10; a rate 15 points or more on the wrong side of the
role cohort's median of the month, or below half of it; the AE stage conversion against the
median of the AE's segment; forecast accuracy outside 0.85-1.15 for the last two closed
quarters as of the window end; more than half of a book dropping a tier in the month; book
health falling 5 points a month or faster over 3 months). A rate shows the gap only when it
holds at the edge of the rate's 90% Wilson interval (the detector's coaching.flag_confidence:
4 of 10 reads as 0.65 for a higher-is-better rate), so a month counts only when its sample
can show the pattern. `detectable` is false when no month shows it (too small a sample).

    {"rep_id", "role", "pattern_key", "months": ["YYYY-MM-01", ...], "detectable": bool}
"""

from __future__ import annotations

import numpy as np

from .common import DAY, Calendar, from_day, weekday
from .roles_cs import tier_of
from .roles_forecast import snapshot_day
from .roles_plan import PATTERNS

WINDOW_MONTHS, MIN_SAMPLE, GAP, RATIO = 3, 10, 0.15, 0.5
BAND = (0.85, 1.15)
TOUCH_TARGET, VOLUME_BELOW = 60, 0.8
TREND_DROP, TREND_MONTHS = -5.0, 3
WILSON_Z = 1.6448536269514722  # two-sided 90%: NormalDist().inv_cdf(0.95)


def _windows(cal: Calendar) -> list[tuple[int, int]]:
    ms = cal.months
    return [(ms[max(0, i - WINDOW_MONTHS + 1)].start_day, min(m.end_day, cal.end_day)) for i, m in enumerate(ms)]


def _edge(rate: float, n: float, toward_high: bool) -> float:
    """The end of the rate's Wilson interval over n trials on the better side (the rate the
    detector compares, giving the seller the benefit of the doubt)."""
    z2 = WILSON_Z * WILSON_Z
    centre = (rate + z2 / (2 * n)) / (1 + z2 / n)
    half = WILSON_Z * np.sqrt(rate * (1 - rate) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return float(min(1.0, centre + half) if toward_high else max(0.0, centre - half))


def _low(rate: float, bench: float, n: float) -> bool:
    """A higher-is-better rate on the wrong side of its cohort median, beyond doubt."""
    rate = _edge(rate, n, toward_high=True)
    return rate <= bench - GAP or rate < RATIO * bench


def _high(rate: float, bench: float, n: float) -> bool:
    """A lower-is-better share 15 points or more over its cohort median, beyond doubt."""
    return _edge(rate, n, toward_high=False) >= bench + GAP


def _rates(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Rates per (rep, month), nan below the minimum sample."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den >= MIN_SAMPLE, num / np.maximum(den, 1), np.nan)


def _median(rates: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Cohort median per month over members with a rate (nan when none)."""
    sub = rates[members]
    out = np.full(rates.shape[1], np.nan)
    for k in range(rates.shape[1]):
        v = sub[:, k][~np.isnan(sub[:, k])]
        if len(v):
            out[k] = float(np.median(v))
    return out


def _window_counts(owner, day, hit, n_sellers, windows) -> tuple[np.ndarray, np.ndarray]:
    num = np.zeros((n_sellers, len(windows)))
    den = np.zeros((n_sellers, len(windows)))
    for k, (a, b) in enumerate(windows):
        sel = (day >= a) & (day <= b)
        den[:, k] = np.bincount(owner[sel], minlength=n_sellers)
        num[:, k] = np.bincount(owner[sel], weights=hit[sel].astype(float), minlength=n_sellers)
    return num, den


STAGE_NAMES = ("Discovery", "Qualification", "Solution Demo", "Proposal")  # stage k leaves for k+1


def stage_pairs(org, deals, ar, cal) -> dict[str, dict[int, list[int]]]:
    """The same for every stage pair, by pattern key ('metric:stage_conversion:1>2', ...)."""
    return {f"metric:stage_conversion:{k + 1}>{k + 2}": _stage_pair(org, deals, ar, cal, name)
            for k, name in enumerate(STAGE_NAMES)}


def _stage_pair(org, deals, ar, cal, from_stage: str) -> dict[int, list[int]]:
    h = deals.hist
    order = np.lexsort((h["ts"], h["deal"]))
    d, st, ts = h["deal"][order], h["stage"][order], h["ts"][order]
    nxt_same = np.r_[d[1:] == d[:-1], False]
    q = np.flatnonzero((st == from_stage) & nxt_same)
    left_day = ts[q + 1] // DAY
    converted = st[q + 1] != "Closed Lost"
    deal = d[q]
    ok = (org.s_role[deals.owner[deal]] == "AE") & ~deals.deleted[deal]
    owner, left_day, converted = deals.owner[deal][ok], left_day[ok], converted[ok]
    num, den = _window_counts(owner, left_day, converted, org.n_sellers, _windows(cal))
    rates = _rates(num, den)
    seg = np.full(org.n_sellers, -1)
    for s in np.flatnonzero(org.s_role == "AE"):
        counts = np.bincount(ar.segment[deals.account[deals.owner == s]], minlength=3)
        seg[s] = int(np.argmax(counts))  # ties: the first code; SMB, Mid-Market, Enterprise order
    out = {}
    for s in np.flatnonzero(org.s_role == "AE"):
        bench = _median(rates, np.flatnonzero((org.s_role == "AE") & (seg == seg[s])))
        out[int(s)] = [k for k in range(len(cal.months)) if not np.isnan(rates[s, k])
                      and _edge(rates[s, k], den[s, k], toward_high=True) <= bench[k] - GAP]
    return out


def forecast(org, deals, extra: dict, cal) -> dict[int, list[int]]:
    """Months per AE whose last two closed quarters (as of the window end) are out of band."""
    deal = np.concatenate([deals.hist["deal"], extra["deal"]])
    ts = np.concatenate([deals.hist["ts"], extra["ts"]])
    fc = np.concatenate([deals.hist["forecast"].astype(object), extra["forecast"].astype(object)])
    close = np.concatenate([deals.close_day[deals.hist["deal"]], extra["close"]])
    amount = np.concatenate([deals.amount[deals.hist["deal"]], extra["amount"]])  # USD, as the row carries it
    order = np.lexsort((ts, deal))
    deal, ts, fc, close, amount = deal[order], ts[order], fc[order], close[order], amount[order]
    keys = deal * (1 << 32) + ts
    ae = np.flatnonzero((org.s_role[deals.owner] == "AE") & ~deals.deleted)
    acc_q = {}
    for qi, q in enumerate(cal.quarters):
        if q.end_day > cal.end_day:
            continue
        snap_end = snapshot_day(cal, q) * DAY + DAY - 1
        j = np.searchsorted(keys, ae * (1 << 32) + snap_end, side="right") - 1
        valid = (j >= 0) & (deal[np.maximum(j, 0)] == ae)
        jj = np.maximum(j, 0)
        commit = valid & (fc[jj] == "Commit") & (close[jj] >= q.start_day) & (close[jj] <= q.end_day)
        c_sum = np.bincount(deals.owner[ae[commit]], weights=amount[jj[commit]], minlength=org.n_sellers)
        w = ae[deals.won[ae] & (deals.close_day[ae] >= q.start_day) & (deals.close_day[ae] <= q.end_day)]
        w_sum = np.bincount(deals.owner[w], weights=deals.amount[w], minlength=org.n_sellers)
        with np.errstate(invalid="ignore", divide="ignore"):
            acc_q[qi] = np.where(c_sum > 0, w_sum / np.maximum(c_sum, 1e-9), np.nan)
    out = {}
    for s in np.flatnonzero(org.s_role == "AE"):
        months = []
        for k, (_, we) in enumerate(_windows(cal)):
            closed = [qi for qi, q in enumerate(cal.quarters) if q.end_day <= we and qi in acc_q]
            if len(closed) < 2:
                continue
            a, b = acc_q[closed[-1]][s], acc_q[closed[-2]][s]
            if all(not np.isnan(x) and not (BAND[0] <= x <= BAND[1]) for x in (a, b)):
                months.append(k)
        out[int(s)] = months
    return out


def renewals(org, rd, cal) -> dict[str, dict[int, list[int]]]:
    ren = rd.contract_end >= 0
    owner = rd.owner[ren]
    wins = _windows(cal)
    closed = rd.closed[ren]
    num, den = _window_counts(owner[closed], rd.close_day[ren][closed], rd.won[ren][closed], org.n_sellers, wins)
    rate = _rates(num, den)
    cday = rd.created_ts[ren] // DAY
    late = (rd.contract_end[ren] - cday) < 90
    lnum, lden = _window_counts(owner, cday, late, org.n_sellers, wins)
    share = _rates(lnum, lden)
    ams = np.flatnonzero(org.s_role == "AM")
    b_rate, b_share = _median(rate, ams), _median(share, ams)
    out = {"am_low_renewal_rate": {}, "am_late_renewals": {}}
    for s in ams.tolist():
        out["am_low_renewal_rate"][s] = [k for k in range(len(wins)) if not np.isnan(rate[s, k])
                                         and _low(rate[s, k], b_rate[k], den[s, k])]
        out["am_late_renewals"][s] = [k for k in range(len(wins)) if not np.isnan(share[s, k])
                                      and _high(share[s, k], b_share[k], lden[s, k])]
    return out


def csm_health(org, hs: dict, cal) -> dict[str, dict[int, list[int]]]:
    score, csm = hs["score"], hs["csm"]
    tiers = tier_of(score)
    csms = np.flatnonzero(org.s_role == "CSM")
    T = score.shape[1]
    esc = np.full((org.n_sellers, T), np.nan)
    book_size = np.zeros(org.n_sellers)
    out = {"metric:book_tier_drop": {}, "metric:book_health_trend": {}, "metric:escalation_rate": {}}
    for s in csms.tolist():
        book = csm == s
        if book.sum() >= MIN_SAMPLE:
            esc[s] = (tiers[book] <= 1).mean(axis=0)
            book_size[s] = book.sum()
    bench = _median(esc, csms)
    x = np.arange(TREND_MONTHS) - (TREND_MONTHS - 1) / 2
    for s in csms.tolist():
        book = csm == s
        if not book.any():
            continue
        drops = (tiers[book][:, 1:] < tiers[book][:, :-1]).mean(axis=0)
        out["metric:book_tier_drop"][s] = [k + 1 for k in range(T - 1) if drops[k] > 0.5]
        mean = score[book].mean(axis=0)
        slope = [float(np.dot(x, mean[k - TREND_MONTHS + 1:k + 1]) / np.dot(x, x)) if k >= TREND_MONTHS - 1 else 0.0
                 for k in range(T)]
        out["metric:book_health_trend"][s] = [k for k in range(T) if slope[k] <= TREND_DROP]
        out["metric:escalation_rate"][s] = [k for k in range(T) if not np.isnan(esc[s, k])
                                            and _high(esc[s, k], bench[k], book_size[s])]
    return out


def milestones(org, ob: dict, cal) -> dict[int, list[int]]:
    due = ob["due"]
    past = due <= cal.end_day
    on_time = ob["completed"] & (ob["done"] <= due)
    num, den = _window_counts(ob["csm"][past], due[past], on_time[past], org.n_sellers, _windows(cal))
    rate = _rates(num, den)
    csms = np.flatnonzero(org.s_role == "CSM")
    bench = _median(rate, csms)
    return {s: [k for k in range(len(cal.months)) if not np.isnan(rate[s, k])
                and _low(rate[s, k], bench[k], den[s, k])] for s in csms.tolist()}


def sdr(org, stats: dict, existing_touches: np.ndarray, cal) -> dict[str, dict[int, list[int]]]:
    sdrs = stats["sdrs"]
    T = len(cal.months)
    st, sr = stats["step_touches"][:, :, 1], stats["step_responses"][:, :, 1]
    rate = np.where(st >= MIN_SAMPLE, sr / np.maximum(st, 1), np.nan)
    bench = _median(rate, np.arange(len(sdrs)))
    bdays = []
    for m in cal.months:
        days = np.arange(max(m.start_day, cal.start_day), min(m.end_day, cal.end_day) + 1)
        bdays.append(int((weekday(days) < 5).sum()))
    touches = stats["touches"] + existing_touches[sdrs]
    per_day = touches / np.maximum(np.array(bdays), 1)
    out = {"sdr_step2": {}, "sdr_volume": {}}
    for i, s in enumerate(sdrs.tolist()):
        out["sdr_step2"][s] = [k for k in range(T) if not np.isnan(rate[i, k])
                                   and _low(rate[i, k], bench[k], st[i, k])]
        out["sdr_volume"][s] = [k for k in range(T) if per_day[i, k] < VOLUME_BELOW * TOUCH_TARGET]
    return out


def role_patterns(org, cal, plan, deals, ar, extra_hist, rd, hs, ob, stats, existing_touches) -> tuple[list, dict]:
    """The truth entries, plus the side effects a tier drop has on the same CSM's book
    (book health trend, escalation rate) when the data shows them."""
    pairs = stage_pairs(org, deals, ar, cal)
    found = {"ae_stage_2_3": pairs[PATTERNS["ae_stage_2_3"][1]], "stage_pairs": pairs,
             "ae_forecast": forecast(org, deals, extra_hist, cal), **renewals(org, rd, cal),
             "csm_late_milestones": milestones(org, ob, cal), **sdr(org, stats, existing_touches, cal)}
    health = csm_health(org, hs, cal)
    found["csm_tier_drop"] = health["metric:book_tier_drop"]
    label = lambda k: from_day(cal.months[k].start_day).isoformat()  # noqa: E731
    out = []
    for key, (role, pattern_key, _) in PATTERNS.items():
        for s in plan.reps[key]:
            months = found[key].get(s, [])
            out.append({"rep_id": str(org.s_id[s]), "role": role, "pattern_key": pattern_key,
                        "months": [label(k) for k in months], "detectable": bool(months)})
            if key == "csm_tier_drop":
                for side in ("metric:book_health_trend", "metric:escalation_rate"):
                    months = health[side].get(s, [])
                    if months:
                        out.append({"rep_id": str(org.s_id[s]), "role": role, "pattern_key": side,
                                    "months": [label(k) for k in months], "detectable": True})
    return sorted(out, key=lambda e: (e["role"], e["pattern_key"], e["rep_id"])), found
