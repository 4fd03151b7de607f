"""Role fields on the CRM objects the generator already writes, drawn from their own random
streams so the existing records keep every value (roles contract, "Inputs"):

- Account.Segment__c: an AE's book is in the AE's segment (AEs take SMB, Mid-Market and
  Enterprise in turn, so each segment cohort has a third of the AEs), every other account in
  its NumberOfEmployees band (< 200 SMB, < 2,000 Mid-Market, else Enterprise); about 12% of
  the accounts leave the field empty, and the employee bands decide for them.
- Account.CSM__c: a customer account's CSM. A CSM-owned account names its owner (10% leave
  it empty: the owner, a CSM, is the fallback); an AM-owned account names one of the CSMs,
  round-robin over the accounts (pooled coverage: every CSM covers a slice of every AM's
  book), 5% empty (no CSM). A CSM's book is therefore their own accounts plus a share of
  the AMs'.
- Opportunity.SDR__c and CreatedById: an AE deal from LeadSource 'Outbound - SDR' (and half of
  the 'Inbound' and 'Web' ones) is sourced by an SDR; 80% name the SDR in SDR__c, the other
  20% leave SDR__c empty and were created by the SDR (CreatedById), which the pipeline falls
  back to. Every other deal was created by its owner. The SDRs' own deals leave SDR__c empty
  (their CreatedById is the SDR).
- crm/OpportunityLineItem: 1-3 lines on 90% of the deals (roles_deals.py adds the AM deals);
  TotalPrice is the line's share of the deal's Amount, exact to the cent (the lines add up to
  Amount); Discount (percent, one decimal) follows the owner's negotiation level: ~5% for a
  strong negotiator, up to ~25% for a weak one, and 30% of the lines carry no discount;
  UnitPrice = ListPrice = TotalPrice / (Quantity x (1 - Discount/100)) rounded to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from . import currency
from .accounts import Accounts
from .common import DAY, Calendar, date_text, masked, rng_for, sf_ids, to_series, ts_text
from .deals import Deals
from .org import Org
from .writers import Sink, frame

SEGMENTS = ("SMB", "Mid-Market", "Enterprise")
SEGMENT_BELOW = (200, 2000)
PRODUCTS = ("Platform", "Analytics Suite", "Enterprise Edition", "Starter", "Add-on Seats", "Premium Support",
            "Data Connector", "Training Pack")
PRODUCT_IDS = sf_ids("01t", np.arange(1, len(PRODUCTS) + 1))


def band_segment(employees: np.ndarray) -> np.ndarray:
    return np.where(employees < SEGMENT_BELOW[0], 0, np.where(employees < SEGMENT_BELOW[1], 1, 2))


@dataclass
class AccountRoles:
    segment: np.ndarray  # effective segment code (index into SEGMENTS)
    segment_filled: np.ndarray  # Segment__c written
    csm: np.ndarray  # the account's CSM (seller index), -1 none
    csm_filled: np.ndarray  # CSM__c written (else the owner, when a CSM, is the fallback)


def account_roles(org: Org, acc: Accounts, seed: int) -> AccountRoles:
    rng = rng_for(seed, "roles-accounts")
    n = len(acc.id)
    band = band_segment(acc.employees)
    ae_rank = np.cumsum(org.s_role == "AE") - 1  # position among the AEs
    owner_role = org.s_role[acc.owner]
    segment = np.where(owner_role == "AE", ae_rank[acc.owner] % 3, band)
    filled = rng.random(n) >= 0.12
    segment = np.where(filled, segment, band)  # an empty field: the employee band decides
    csms = np.flatnonzero(org.s_role == "CSM")
    csm = np.full(n, -1, np.int64)
    own = owner_role == "CSM"
    csm[own] = acc.owner[own]
    am = np.flatnonzero(owner_role == "AM")
    if len(csms):
        csm[am] = csms[np.arange(len(am)) % len(csms)]
    u = rng.random(n)
    csm_filled = np.where(own, u >= 0.10, (owner_role == "AM") & (u >= 0.05))
    csm[(owner_role == "AM") & ~csm_filled] = -1  # no CSM named, and the owner is no CSM
    return AccountRoles(segment=segment, segment_filled=filled, csm=csm, csm_filled=csm_filled)


def account_columns(ar: AccountRoles, org: Org) -> dict:
    seg = np.array(SEGMENTS)[ar.segment]
    csm_id = np.where(ar.csm >= 0, org.s_id[np.maximum(ar.csm, 0)], "")
    return {"Segment__c": masked(seg, ar.segment_filled), "CSM__c": masked(csm_id, ar.csm_filled & (ar.csm >= 0))}


def sdr_sourcing(org: Org, deals: Deals, seed: int) -> None:
    """Sets deals.sdr (seller index, -1 none), deals.sdr_field (text, '' empty) and
    deals.created_by (User Id)."""
    rng = rng_for(seed, "roles-sdr-sourcing")
    n = deals.n
    sdrs = np.flatnonzero(org.s_role == "SDR")
    owner_role = org.s_role[deals.owner]
    u = rng.random((3, n))
    lead = deals.lead_source
    sourced = (owner_role == "AE") & ((lead == "Outbound - SDR") | (np.isin(lead, ["Inbound", "Web"]) & (u[0] < 0.5)))
    sdr = np.where(sourced, sdrs[(u[1] * len(sdrs)).astype(np.int64)] if len(sdrs) else -1, -1)
    in_field = sourced & (u[2] < 0.8)
    creator = np.where(sourced & ~in_field, sdr, deals.owner)
    deals.sdr = np.where(owner_role == "SDR", deals.owner, sdr)
    deals.sdr_field = np.where(in_field, org.s_id[np.maximum(sdr, 0)], "")
    deals.created_by = org.s_id[creator]


def neg_level(org: Org) -> np.ndarray:
    """Each seller's negotiation level 0-1, from the deal-size multiplier it drives (skill.crm_params)."""
    return np.clip((org.params["amount_mult"] - 0.45) / 0.9, 0.0, 1.0)


def line_items(deal_ids, owner, amount_text: pl.Series, code, deleted, org: Org, rng: np.random.Generator,
               first_seq: int) -> pl.DataFrame:
    """OpportunityLineItem rows of the given deals (see the module docstring)."""
    n = len(deal_ids)
    has = (rng.random(n) < 0.9) & ~np.asarray(deleted, bool)
    k = np.where(has, rng.choice([1, 2, 3], size=n, p=[0.45, 0.4, 0.15]), 0)
    m = int(k.sum())
    d = np.repeat(np.arange(n), k)
    j = np.arange(m) - np.repeat(np.cumsum(k) - k, k)
    dec = currency.DECIMALS[np.asarray(code)[d]].astype(np.int64)
    unit = 10 ** (2 - dec)  # cents per smallest unit of the currency (JPY: 100)
    total = (amount_text.gather(d).cast(pl.Float64).to_numpy() * 100).round().astype(np.int64)
    w = rng.random(m) + 0.3
    wsum = np.bincount(d, weights=w, minlength=n)[d]
    part = (total * w / wsum // unit).astype(np.int64) * unit
    part_sum = np.bincount(d, weights=part, minlength=n).astype(np.int64)[d]
    last = j == k[d] - 1
    part = np.where(last, part + (total - part_sum), part)  # the last line takes the rest: exact sum
    mean = 28.0 - 22.0 * neg_level(org)[np.asarray(owner)[d]]
    disc = np.clip(np.round(rng.normal(mean, 4.0, m), 1), 0.0, 60.0)
    disc = np.where(rng.random(m) < 0.3, 0.0, disc)
    qty = rng.choice([1, 5, 10, 20, 25, 50, 100], size=m)
    unit_price = np.round(part / 100.0 / (qty * (1 - disc / 100.0)), 2)
    prod = rng.integers(0, len(PRODUCTS), m)
    total_txt = currency.money_text(part // unit, dec)
    price_txt = currency.money_text(np.round(unit_price * 100).astype(np.int64), 2)
    return frame({
        "Id": sf_ids("00o", first_seq + np.arange(1, m + 1)),
        "OpportunityId": np.asarray(deal_ids)[d],
        "Product2Id": PRODUCT_IDS[prod], "Name": np.array(PRODUCTS)[prod],
        "Quantity": to_series(qty).cast(pl.Utf8),
        "UnitPrice": price_txt, "ListPrice": price_txt,
        "Discount": pl.Series(disc).cast(pl.Utf8),
        "TotalPrice": total_txt,
        "CurrencyIsoCode": np.array(currency.CODES)[np.asarray(code)[d]],
    })


@dataclass
class ContractRows:
    account: np.ndarray
    owner: np.ndarray
    start_day: np.ndarray
    end_day: np.ndarray
    term: np.ndarray
    arr: np.ndarray | None = None  # the stream's ARR (USD)
    stream: np.ndarray | None = None


def write_contracts(c: ContractRows, acc: Accounts, org: Org, cal: Calendar, sink: Sink) -> None:
    order = np.lexsort((c.account, c.start_day))
    status = np.where(c.end_day[order] < cal.end_day, "Expired", "Activated")
    signed = np.minimum((c.start_day[order] - 10) * DAY + 16 * 3600, cal.end_ts - 3600)
    df = frame({
        "Id": sf_ids("800", np.arange(1, len(order) + 1)),
        "AccountId": acc.id[c.account[order]], "OwnerId": org.s_id[c.owner[order]],
        "StartDate": date_text(c.start_day[order]), "EndDate": date_text(c.end_day[order]),
        "ContractTerm": pl.Series(c.term[order]).cast(pl.Utf8), "Status": status,
        "CreatedDate": ts_text(signed, "sf"), "SystemModstamp": ts_text(signed, "sf"),
    })
    sink.csv("crm/Contract.csv", "Contract", df)
