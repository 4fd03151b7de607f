"""The role data of the roles contract, in the order generate_landing_zone calls it:
prepare (plan, account and deal role fields, the stage 2>3 plant on the existing history
before it is written), write_crm (OpportunityLineItem, Contract, the AMs' renewals and
expansions, the Commit rows), write_activity_and_cs (SDR sequences, cs/health,
cs/onboarding) and truth (role_patterns). Every draw comes from its own stream
(rng_for(seed, "roles-...")), so the files the generator wrote before keep their records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from . import roles_crm, roles_cs, roles_deals, roles_forecast, roles_sequences, roles_truth
from .common import from_day, rng_for
from .roles_plan import PATTERNS, RolePlan, plan_roles

FORECAST_HIST_SEQ = roles_deals.FIRST_HIST_SEQ + 50_000_000
LINE_ITEM_SEQ = 40_000_000


@dataclass
class RolePrep:
    plan: RolePlan
    ar: roles_crm.AccountRoles
    account_columns: dict
    history_rows_removed: int
    state: dict = field(default_factory=dict)


def prepare(org, acc, deals, cal, seed) -> RolePrep:
    plan = plan_roles(org, cal, np.bincount(deals.owner, minlength=org.n_sellers))
    ar = roles_crm.account_roles(org, acc, seed)
    roles_crm.sdr_sourcing(org, deals, seed)
    removed = roles_forecast.plant_stage_2_3(deals, plan)
    return RolePrep(plan=plan, ar=ar, account_columns=roles_crm.account_columns(ar, org), history_rows_removed=removed)


def write_crm(rp: RolePrep, org, acc, deals, cal, seed, sink) -> None:
    contracts, rd = roles_deals.build_contracts_and_deals(org, acc, cal, rp.plan, seed)
    roles_crm.write_contracts(contracts, acc, org, cal, sink)
    roles_deals.write_role_opportunities(rd, acc, org, sink)
    extra = roles_forecast.commit_rows(org, deals, cal, rp.plan, seed)
    hist = pl.concat([
        roles_deals.history_frame(rd.id, rd.amount_text, rd.close_day, rd.hist, roles_deals.FIRST_HIST_SEQ),
        roles_deals.history_frame(deals.id, deals.amount_text, deals.close_day, extra, FORECAST_HIST_SEQ),
    ])
    sink.csv("crm/OpportunityHistory__roles.csv", "OpportunityHistory", hist)
    rng = rng_for(seed, "roles-line-items")
    lines = pl.concat([
        roles_crm.line_items(deals.id, deals.owner, deals.amount_text, deals.currency, deals.deleted, org, rng, 0),
        roles_crm.line_items(rd.id, rd.owner, rd.amount_text, rd.currency, np.zeros(rd.n, bool), org, rng,
                             LINE_ITEM_SEQ),
    ])
    sink.csv("crm/OpportunityLineItem.csv", "OpportunityLineItem", lines)
    rp.state.update(contracts=contracts, rd=rd, extra=extra)


def write_activity_and_cs(rp: RolePrep, org, acc, con, cal, spec, seed, sink) -> None:
    hs = roles_cs.build_health(org, acc, rp.ar, cal, rp.plan, seed)
    roles_cs.write_health(hs, org, acc, rp.state["contracts"], cal, sink, seed)
    ob = roles_cs.build_onboarding(org, acc, rp.ar, cal, rp.plan, seed)
    roles_cs.write_onboarding(ob, acc, sink)
    stats = roles_sequences.generate_sequences(org, acc, con, cal, spec, rp.plan, seed, sink)
    rp.state.update(hs=hs, ob=ob, stats=stats)


def truth(rp: RolePrep, org, deals, cal, existing_touches) -> tuple[list[dict], dict, list[dict]]:
    """(the role_patterns entries, per pattern the reps NOT planted with it whose data shows it
    anyway, with their months - for the summary -, and those as the truth's role_incidental
    entries, every AE stage pair included)."""
    st = rp.state
    entries, found = roles_truth.role_patterns(org, cal, rp.plan, deals, rp.ar, st["extra"], st["rd"], st["hs"],
                                               st["ob"], st["stats"], existing_touches)
    label = lambda k: from_day(cal.months[k].start_day).isoformat()  # noqa: E731
    unplanted = {}
    for key in PATTERNS:
        others = {str(org.s_id[s]): [label(k) for k in months] for s, months in found[key].items()
                  if months and s not in rp.plan.reps[key]}
        unplanted[key] = dict(sorted(others.items()))
    planted = {(e["rep_id"], e["pattern_key"]) for e in entries}
    incidental = []
    for key, (role, pattern_key, _) in PATTERNS.items():
        for rep, months in unplanted[key].items():
            incidental.append({"rep_id": rep, "role": role, "pattern_key": pattern_key, "months": months})
    for pattern_key, by_rep in found["stage_pairs"].items():
        for s, months in by_rep.items():
            rep = str(org.s_id[s])
            if months and (rep, pattern_key) not in planted and pattern_key != PATTERNS["ae_stage_2_3"][1]:
                incidental.append({"rep_id": rep, "role": "AE", "pattern_key": pattern_key,
                                   "months": [label(k) for k in months]})
    return entries, unplanted, sorted(incidental, key=lambda e: (e["pattern_key"], e["rep_id"]))
