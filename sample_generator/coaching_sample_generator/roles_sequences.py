"""The SDRs' sequence touches, as Outreach and Salesloft export them: their own activity-log
files activity/activities_seq_<YYYYMM>.parquet (Parquet at every scale: ~50 rows per SDR and
business day, a CSV would double their share of the generation time; every column text, as
in the CSV files; YYYYMM, not YYYY-MM, so that bench/delta.py, which takes a day's rows from
the file named after its month, keeps taking them from activities_<YYYY-MM>.csv), one row per automated or manual sequence step, beside the month files activities.py writes (those keep every value).

Volume: an SDR's sequences send ~48-56 touches per business day (Poisson around the SDR's
own rate; none at weekends), on top of the ~6-19 counted activities of activities.py, so
every SDR is around the 60-a-day target; the planted low-volume SDRs (roles_plan
sdr_volume) send ~15 a day from their onset month on (~25-30 touches a day in all). A
prospecting touch has no opportunity: the files leave out opportunity_id.
Each row: sequence_step 1-5 (30/24/19/15/12%), cadence_type cold/warm/abm/re_engage
(45/25/15/15%), activity_type email/call/social (68/24/8%), a prospect of the SDR's book.
Responses (outcome replied for email and social, connected for calls; a quarter of them
meeting_booked) come at a rate per step (8.5, 7.5, 6, 5, 4%) x cadence (cold 0.8, warm 1.5,
abm 1.2, re_engage 0.9) x the SDR's own factor (0.85-1.15), EXACTLY: within each SDR, month,
step and cadence round(rate x touches) touches respond, so rates differ between SDRs by
their factors, not by noise. The planted step-2 SDRs (sdr_step2) get 12% of the step-2
rate from their onset month on. Non-responses: email sent/opened (4% bounced), call
no_answer/left_voicemail, social sent. Ids: outreach from 900,000,001, salesloft from
300,000,001 (apart from activities.py's).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .accounts import Accounts, Contacts
from .common import Calendar, cat, int_text, masked, rng_for, to_series, ts_text, weekday
from .org import Org, ScaleSpec
from .roles_plan import RolePlan
from .writers import Sink, frame

STEP_P = np.array([0.30, 0.24, 0.19, 0.15, 0.12])
STEP_RESPONSE = np.array([0.085, 0.075, 0.06, 0.05, 0.04])
CADENCES = ("cold", "warm", "abm", "re_engage")
CADENCE_P = np.array([0.45, 0.25, 0.15, 0.15])
CADENCE_MULT = np.array([0.8, 1.5, 1.2, 0.9])
CADENCE_NAME = ("Cold Outbound", "Warm Inbound Follow-up", "ABM Tier 1", "Re-engage Closed Lost")
PERSONAS = ("VP Finance", "Head of RevOps", "IT Director")
TYPES = ("email", "call", "social")
TYPE_P = np.array([0.68, 0.24, 0.08])
OUTCOMES = ("replied", "connected", "meeting_booked", "sent", "opened", "bounced", "no_answer", "left_voicemail")
SEQ_BASE = {"outreach": 900_000_000, "salesloft": 300_000_000}


def generate_sequences(org: Org, acc: Accounts, con: Contacts, cal: Calendar, spec: ScaleSpec, plan: RolePlan,
                       seed: int, sink: Sink) -> dict:
    """Writes the month files; returns per SDR and month the sequence touches and, per step,
    touches and responses (for the ground truth): {"sdrs", "touches" [sdr, month],
    "step_touches" / "step_responses" [sdr, month, step-1]}."""
    rng = rng_for(seed, "roles-sequences")
    sdrs = np.flatnonzero(org.s_role == "SDR")
    k = len(sdrs)
    rate = rng.uniform(48, 56, k)
    factor = rng.uniform(0.85, 1.15, k)
    vol_onset = plan.onset_of("sdr_volume", sdrs)
    step_onset = plan.onset_of("sdr_step2", sdrs)
    T = len(cal.months)
    stats = {"sdrs": sdrs, "touches": np.zeros((k, T), np.int64),
             "step_touches": np.zeros((k, T, 5), np.int64), "step_responses": np.zeros((k, T, 5), np.int64)}
    s_id, acc_id, con_id = to_series(org.s_id), to_series(acc.id), to_series(con.id)
    counters = {"outreach": 0, "salesloft": 0}
    for mi, month in enumerate(cal.months):
        d0, d1 = max(month.start_day, cal.start_day), min(month.end_day, cal.end_day)
        days = np.arange(d0, d1 + 1)
        days = days[weekday(days) < 5]
        lam = np.where(month.start_day >= vol_onset, 15.0, rate)
        n_sd = rng.poisson(np.repeat(lam, len(days)))
        r_i = np.repeat(np.repeat(np.arange(k), len(days)), n_sd)  # index into sdrs
        r_day = np.repeat(np.tile(days, k), n_sd)
        m = len(r_i)
        step = rng.choice(5, size=m, p=STEP_P)
        cad = rng.choice(4, size=m, p=CADENCE_P)
        typ = rng.choice(3, size=m, p=TYPE_P)
        p = STEP_RESPONSE[step] * CADENCE_MULT[cad] * factor[r_i]
        p = np.where((step == 1) & (month.start_day >= step_onset[r_i]), p * 0.12, p)
        # exact response counts per (sdr, step, cadence) cell: the lowest-ranked draws respond
        cell = (r_i * 5 + step) * 4 + cad
        u = rng.random(m)
        order = np.lexsort((u, cell))
        cell_sorted = cell[order]
        start = np.searchsorted(cell_sorted, cell_sorted)
        size = np.bincount(cell, minlength=k * 20)[cell_sorted]
        rank = np.arange(m) - start
        resp = np.zeros(m, bool)
        resp[order] = rank < np.round(p[order] * size)
        meeting = resp & (rng.random(m) < 0.26)
        r2 = rng.random(m)
        outcome = np.where(meeting, 2, np.where(resp, np.where(typ == 1, 1, 0),
                           np.where(typ == 0, np.where(r2 < 0.04, 5, np.where(r2 < 0.45, 4, 3)),
                                    np.where(typ == 1, np.where(r2 < 0.7, 6, 7), 3))))
        rep = sdrs[r_i]
        t = cal.work_ts(r_day, org.s_tz[rep], rng.random(m))
        src = (org.s_tool[rep] == "salesloft").astype(np.int64)
        o2 = np.lexsort((t, src))
        r_i, rep, r_day, step, cad, typ, outcome, t, src = (
            a[o2] for a in (r_i, rep, r_day, step, cad, typ, outcome, t, src))
        stats["touches"][:, mi] = np.bincount(r_i, minlength=k)
        key = r_i * 5 + step
        stats["step_touches"][:, mi, :] = np.bincount(key, minlength=5 * k).reshape(k, 5)
        stats["step_responses"][:, mi, :] = np.bincount(key[outcome <= 2], minlength=5 * k).reshape(k, 5)
        ids, occ = [], []
        off = cal.offset(org.s_tz[rep], r_day)
        for code, (name, style) in enumerate((("outreach", "offset"), ("salesloft", "zms"))):
            sel = np.flatnonzero(src == code)
            ids.append(int_text(SEQ_BASE[name] + counters[name] + 1 + np.arange(len(sel))))
            counters[name] += len(sel)
            occ.append(ts_text(t[sel], style, off[sel]))
        a_acc = acc.book_start[rep] + (rng.random(m) * acc.book_size[rep]).astype(np.int64)
        a_con = acc.contact_start[a_acc] + (rng.random(m) * acc.contact_count[a_acc]).astype(np.int64)
        is_call = typ == 1
        dur = np.where(outcome == 1, rng.integers(60, 600, m), rng.integers(5, 40, m))
        persona = rng.integers(0, len(PERSONAS), m)
        names = [f"{c} - {p}" for c in CADENCE_NAME for p in PERSONAS]
        df = frame({
            "activity_id": pl.concat(ids), "source": cat(["outreach", "salesloft"], src),
            "rep_id": s_id.gather(rep), "activity_type": cat(TYPES, typ), "occurred_at": pl.concat(occ),
            "account_id": acc_id.gather(a_acc), "contact_id": con_id.gather(a_con),
            "duration_seconds": masked(int_text(dur), is_call), "direction": cat(["outbound"], np.zeros(m, np.int64)),
            "outcome": cat(OUTCOMES, outcome), "sequence_name": cat(names, cad * len(PERSONAS) + persona),
            "sequence_step": int_text(step + 1), "cadence_type": cat(CADENCES, cad),
        })
        sink.polars_parquet(f"activity/activities_seq_{month.start:%Y%m}.parquet", "activities", df)
    return stats
