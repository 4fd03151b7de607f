"""Synthetic landing zone: Salesforce extracts (crm/), Gong API v2 pages (gong/) and a
sales-engagement activity log (activity/) that follow the landing-zone contract exactly
(shared/contracts/landing-zone.md), with a planted coaching signal and realistic mess.

    generate_landing_zone(out, scale="S", seed=42, as_of=date(2026, 11, 13),
                          fiscal_year_start_month=1) -> summary dict

Deterministic: the same (scale, seed, as_of, fiscal_year_start_month) writes byte-identical
files (numpy / random generators seeded from `seed` only; no wall clock, no uuid, fixed
orderings). Span: from the start of the previous fiscal year (January by default) to as_of;
no event, activity, call, close or modification is dated after as_of. The only dates after
as_of are the expected CloseDate of open deals, the EndDate of the current Month/Quarter/Year
Period rows and the DatedConversionRate sentinel 9999-12-31.

Fiscal year: fiscal_year_start_month N (CLI --fiscal-year-start-month) writes
Organization.FiscalYearStartMonth = N; the Period rows (Year, Quarter, Month) and the quotas
follow fiscal quarters, a fiscal year named by the calendar year in which it ends (N = 2:
FY2027 = 2026-02-01..2027-01-31). N = 1 is the calendar year.

Time zones (org.py): IANA zones with their real daylight-saving rules (zoneinfo offsets per
zone and day, common.Calendar.offset). Each team (manager and reps) works in one zone; about
two thirds of the teams are in the US (America/New_York, America/Los_Angeles,
America/Chicago), the rest in Europe (Europe/London, Europe/Berlin) and Asia (Asia/Tokyo,
Asia/Singapore); every scale has at least one European and one Asian team (S: AE New York
and Los Angeles, SDR Chicago, AM Berlin, CSM Tokyo). Work-hour timestamps (deals, Tasks,
Events, activity log, Gong calls) are planted in the seller's local working day, and its
local date equals its UTC date; offsets written in the activity log and Gong pages are the
seller's offset of that day. User.TimeZoneSidKey is the zone name, empty for two New York
sellers (they fall back to Organization.TimeZoneSidKey, America/New_York).

Currencies (currency.py): corporate USD. CurrencyType.csv: USD 1 (IsCorporate), EUR, GBP,
JPY (0 decimals), SGD with static rates. DatedConversionRate.csv: monthly EUR and GBP ranges
across the span, chained from 0001-01-01 to 9999-12-31, moving 2.5-6% a month. Sellers in
Berlin deal in EUR, London GBP, Tokyo JPY, Singapore SGD, everyone else in USD
(User.DefaultCurrencyIsoCode). Opportunity.CurrencyIsoCode is the owner's currency and
Amount (also in OpportunityHistory and OpportunityFieldHistory) = the planted USD value x the
rate valid on the CloseDate (dated for EUR/GBP, else static), rounded to the currency's
decimals, as plain decimal text; the planted USD values (and the signal on deal size) are
the same as in a single-currency org. The ForecastingQuota rows of most non-USD sellers (all
but every third seller of a team) are in their currency (QuotaAmount = USD quota x the rate
valid on the quarter's StartDate); the others are USD. summary["currencies"] counts sellers
per currency and zone.

Scales (sellers): S 40 (2 AE teams, 1 SDR, 1 AM, 1 CSM team; 5 managers, 2 Sales Directors,
1 VP), M 500, L 5,000 (activity log as Parquet). XS (15 sellers) is an internal knob for
fast tests. Existing generator-named files in <out>/crm, <out>/gong, <out>/activity and <out>/cs are
removed first so a smaller run never leaves stale pages behind.

Modules: org (scales, users, roles, zones), skill (latent skill, levels per skill and
week with the planted gaps, behaviour parameters, planted reps), truth (the ground truth), accounts (accounts, contacts), deals
(opportunities, history, contact roles, slippage, quotas, periods), currency (currencies, dated
rates, exact conversion), activities (Tasks, Events, activity log, month by month), gong (the
Gong pages and users) with gong_calls (which calls, per-call metrics), gong_records (call
records, parties), gong_transcripts and gong_scorecards, crm (CRM file frames, org settings),
messiness (re-delivery, late files, quarantine rows), writers (CSV/Parquet/JSON), common
(calendar, zones, ids, text formats); roles (the role data of the roles contract: roles_plan
who carries which role pattern, roles_crm segment/CSM/SDR fields, line items and contracts,
roles_deals the AMs' renewals and expansions, roles_forecast the AE Commit snapshots and the
stage 2>3 plant, roles_sequences the SDR sequence touches, roles_cs the cs/ health and
onboarding exports, roles_truth the ground truth's role_patterns; README "Role data"). The package imports nothing from the product it feeds
(coaching_pipeline); `coaching generate` and `python -m coaching_sample_generator` run it.

Planted quarantine rows (QUARANTINE; the same files, rows and reasons at every scale and seed;
row = 1-based data row, header excluded; for Gong pages the 1-based index in the payload
array; 0 = the whole file):

  file                              row  reason
  crm/Opportunity__zz_late.csv        1  missing required value: OwnerId (owner_id) is empty
  crm/Opportunity__zz_late.csv        2  unparseable date in CloseDate (close_date): '31/02/2025'
  crm/Opportunity__zz_late.csv        3  negative Amount (amount): -12500
  crm/Task__zz_late.csv               1  duplicate Id within the file with conflicting content
  crm/Task__zz_late.csv               2  duplicate Id within the file with conflicting content
  gong/calls_9999.json                0  page does not parse as JSON (truncated file)
  activity/activities_zz_late.csv     1  unparseable timestamp in occurred_at: 'yesterday'
  gong/calls_9998.json                1  missing required value: metaData.started (started)

Suspicious but legal rows (they load; the data-quality report counts them):
  crm/Opportunity__zz_late.csv row 4 (owner is not a known user), row 5 (CloseDate before
  CreatedDate), rows 6 and 7 (CurrencyIsoCode CHF, which has no CurrencyType row: an open
  and a won deal of a EUR seller whose corporate amount is unknown); gong/calls_9998.json
  index 4 (call linked to an unknown opportunity).

Other planted mess: Opportunity.csv is the full extract a week before as_of, and
Opportunity__<as_of>_delta.csv re-delivers the deals changed since with a greater
SystemModstamp, its LAST row being a re-delivered old deal with an OLDER SystemModstamp (it
must lose); gong/calls_0002.json starts with the last call of calls_0001.json (identical),
gong/calls_9998.json re-delivers one call with a later update (index 2) and one identical
(index 3), with some ids written as JSON numbers (also in users_0001.json and odd-numbered
answered_scorecards pages); activities_zz_late.csv rows 2-4 re-deliver earlier activity keys;
UserRole.csv and Contact.csv use Fivetran snake_case headers; the first activity file has
rep_email instead of rep_id; booleans as true/false, TRUE/FALSE and 1/0 across files;
timestamps with offsets, Z and .000+0000; sparse MEDDPICC/NextStep (a few whitespace-only);
stale pipeline: open deals whose CloseDate passed 1-90 days and more than 90 days before
as_of (deals.py);
some sellers without ManagerId (Gong managerId has it) or without Sales_Role__c (UserRole.Name
has it); a few Gong emails in different case; some deals soft-deleted.

Planted signal (skill.py, deals.py, gong_calls.py, activities.py): each seller has a latent
skill; the top 25% of each role (summary["sellers"][id]["top"]) multithread (4-6 contact roles
vs 1-2), meet 3-7 days after creating a deal (vs 15-30), log 15+ counted activities a business
day (vs 6-9, with low days) and are strong on every skill. Every seller has a level per skill
and week (org.q); the call metrics follow their skill's level (discovery: questions, customer
story, patience; presentation: talk ratio, monologue; objection handling and closing: next
steps; scorecard answers by their tag) and the deals the CRM skills' (qualification:
champion, economic buyer, MEDDPICC, early disqualification; negotiation: late-stage wins,
deal size; closing: win rate, close dates kept). The rest are competent except where a gap is
planted: an org-wide MEDDPICC gap (qualification for the rest of every role: a process gap),
one or two gaps per seller on the other skills, chronic, starting at a week, partly improving
or recovering; sellers with thin evidence (one recorded call in five weeks). What was planted
is written to the ground truth beside the landing zone (truth.py: <out>_ground_truth.json,
never inside <out>), with the fate of every open deal after as_of, for `coaching eval`.
Weeks below are counted back from the Monday of the week containing as_of (week 0);
summary["planted"] names the reps:
  improvers / decliners  discovery rises / falls week over week over weeks -16..0;
  thin_evidence       a discovery gap behind fewer than 3 External calls in every 30 days;
  struggling          an AE with chronic gaps on four skills (one more than the focus-area slots);
  (a) collapse        a top AE whose questions per call fall to ~5 from week -8 on (the 30-day
                      mean is below the 11 target at every weekly assessment of the last 5+ weeks);
  (b) reset           an AE at ~5 questions until week -12, ~7 from week -11: with the default
                      12-week backfill the pattern is flagged at the first assessments, then
                      the score rises >10% (clock reset) and stays below target;
  (c) resolved        a top AE at ~5 questions in weeks -11..-8, ~13 from week -7 (flagged a few
                      weeks, then back above target: resolved);
  (d) low_attainment  an AE whose deals closing in the current quarter are all lost (0%).
Every other seller has 3+ External calls in every 30 days.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

from tqdm import tqdm

from . import activities, crm, currency, gong, gong_calls, messiness, roles, truth
from .accounts import build_accounts
from .common import ZONES, Calendar
from .deals import build_deals, build_quotas
from .org import SCALES, build_org
from .writers import Sink

DEFAULT_AS_OF = dt.date(2026, 11, 13)
QUARANTINE = messiness.QUARANTINE
SUSPICIOUS = messiness.SUSPICIOUS

_GENERATED = {
    "crm": re.compile(r"^(User|UserRole|Account|Contact|Opportunity|OpportunityHistory|OpportunityContactRole|"
                      r"OpportunityFieldHistory|Task|Event|ForecastingQuota|Period|Organization|CurrencyType|"
                      r"DatedConversionRate|OpportunityLineItem|Contract)(__.*)?\.csv$"),
    "gong": re.compile(r"^(users|calls|transcripts|scorecards|answered_scorecards)_\d{4}\.json$"),
    "activity": re.compile(r"^activities_.*\.(csv|parquet)$"),
    "cs": re.compile(r"^(health|onboarding)\.csv$"),
}


def _clear_previous(out: Path) -> None:
    for sub, pattern in _GENERATED.items():
        folder = out / sub
        if folder.is_dir():
            for f in sorted(folder.iterdir()):
                if f.is_file() and pattern.match(f.name):
                    f.unlink()


def generate_landing_zone(out: Path, scale: str = "S", seed: int = 42, as_of: dt.date | str | None = None,
                          progress: bool = False, fiscal_year_start_month: int = 1) -> dict:
    """Write <out>/crm, <out>/gong, <out>/activity and <out>/cs; return a summary (files and rows
    written, the planted quarantine rows, the planted reps, every seller's latent skill, zone
    and currency). as_of defaults to a fixed date (2026-11-13), never to today, so runs stay
    reproducible. fiscal_year_start_month (1-12) sets the org's fiscal year."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(s for s in SCALES if s != 'XS')}, got {scale!r}")
    if as_of is None:
        as_of = DEFAULT_AS_OF
    elif isinstance(as_of, str):
        as_of = dt.date.fromisoformat(as_of)
    elif isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    seed = int(seed)
    fiscal_year_start_month = int(fiscal_year_start_month)
    if not 1 <= fiscal_year_start_month <= 12:
        raise ValueError(f"fiscal_year_start_month must be 1-12, got {fiscal_year_start_month}")
    spec = SCALES[scale]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _clear_previous(out)
    cal = Calendar(as_of, fiscal_year_start_month)
    sink = Sink(out)

    bar = tqdm(total=6 + len(cal.months), desc=f"generate {scale}", unit="step", disable=not progress)

    def step(name: str) -> None:
        bar.set_postfix_str(name, refresh=False)
        bar.update(1)

    org = build_org(spec, cal, seed)
    step("org")
    acc, con = build_accounts(org, cal, seed)
    step("accounts")
    deals = build_deals(org, acc, con, cal, seed)
    quotas = build_quotas(org, deals, cal, seed)
    rp = roles.prepare(org, acc, deals, cal, seed)  # role fields and the one change to existing rows
    step("deals")
    crm.write_organization(cal, sink)
    crm.write_currencies(org.fx, cal, sink)
    crm.write_users(org, cal, sink)
    crm.write_user_roles(org, cal, sink)
    crm.write_accounts(acc, org, cal, sink, extra=rp.account_columns)
    crm.write_contacts(con, acc, org, cal, sink)
    crm.write_contact_roles(deals, con, cal, sink)
    crm.write_history(deals, cal, sink)
    crm.write_field_history(deals, org.fx, cal, sink)
    crm.write_periods(quotas, cal, sink)
    crm.write_quotas(quotas, org, cal, sink)
    opp_info = messiness.write_opportunities(deals, acc, org, cal, sink)
    roles.write_crm(rp, org, acc, deals, cal, seed, sink)
    step("crm")
    calls = gong_calls.build_calls(org, acc, deals, cal, seed)
    gw = gong.GongWriter(org, acc, con, deals, calls, cal, spec, seed, sink)
    bar.total += sum(gw.n_pages().values())
    bar.refresh()
    kept = gw.write_all(tick=lambda: step("gong"))
    step("gong calls")
    act = activities.generate_activities(org, acc, con, deals, cal, spec, seed, sink, tick=lambda: step("activities"))
    roles.write_activity_and_cs(rp, org, acc, con, cal, spec, seed, sink)
    messiness.write_late_opportunities(acc, org, cal, sink)
    messiness.write_late_tasks(acc, org, cal, sink)
    messiness.write_late_activities(act["redeliver"], org, acc, cal, sink)
    gong_info = messiness.write_late_gong(gw, kept, seed, sink)
    step("late files")
    truth_file = truth.truth_path(out)
    role_truth, role_unplanted, role_incidental = roles.truth(rp, org, deals, cal, act["touches"])
    truth.write_truth(truth_file, truth.ground_truth(org, deals, quotas, cal, scale, seed, role_truth,
                                                     role_incidental))
    bar.close()

    sid = lambda s: str(org.s_id[s])  # noqa: E731
    planted = {k: (sid(v) if isinstance(v, int) else [sid(x) for x in v]) for k, v in org.planted.items()}
    sellers = {
        sid(s): {"name": str(org.s_name[s]), "email": str(org.s_email[s]), "role": str(org.s_role[s]),
                 "team": int(org.s_team[s]), "manager_id": org.users[int(org.s_manager_user[s])]["id"],
                 "skill": round(float(org.s_skill[s]), 6), "top": bool(org.s_top[s]),
                 "gong_user_id": str(int(org.s_gong[s])), "zone": ZONES[int(org.s_tz[s])],
                 "currency": currency.CODES[int(org.s_currency[s])], "quota_currency": currency.CODES[
                     int(org.s_currency[s]) if org.s_quota_local[s] else currency.USD]}
        for s in range(org.n_sellers)
    }
    per = lambda key: dict(sorted(Counter(v[key] for v in sellers.values()).items()))  # noqa: E731
    currencies = {"corporate": currency.CORPORATE, "sellers_per_currency": per("currency"),
                  "sellers_per_zone": per("zone"), "quota_sellers_per_currency": per("quota_currency"),
                  "unknown_currency": currency.UNKNOWN_CURRENCY}
    return {
        "scale": scale, "seed": seed, "as_of": as_of.isoformat(), "out": str(out),
        "span": {"start": cal.start.isoformat(), "end": as_of.isoformat()},
        "fiscal_year_start_month": fiscal_year_start_month,
        "currencies": currencies,
        "files": dict(sorted(sink.files.items())),
        "rows": dict(sorted(sink.objects.items())),
        "quarantine": [dict(q) for q in QUARANTINE],
        "suspicious": [dict(q) for q in SUSPICIOUS],
        "redelivery": {"opportunity": opp_info, "gong": gong_info},
        "planted": planted,
        "role_plan": {k: [sid(x) for x in v] for k, v in rp.plan.reps.items()},
        "role_unplanted": role_unplanted,
        "ground_truth": str(truth_file),
        "sellers": sellers,
    }


__all__ = ["generate_landing_zone", "QUARANTINE", "SUSPICIOUS", "SCALES", "DEFAULT_AS_OF"]
