"""Salesforce extract files (crm/): one frame per object with API-name headers, except
UserRole and Contact, which are landed the way Fivetran lands them (snake_case headers with
`_fivetran_deleted` / `_fivetran_synced`). Boolean styles differ between files on purpose.
Opportunity files (full, delta, late) are written by messiness.py.

The org settings: Organization.csv (one row: TimeZoneSidKey America/New_York,
DefaultCurrencyIsoCode USD, FiscalYearStartMonth), CurrencyType.csv (USD corporate, EUR, GBP,
JPY, SGD with static rates; no Id column, as many extracts) and DatedConversionRate.csv
(monthly EUR and GBP ranges, chained from 0001-01-01 to 9999-12-31; see currency.py). Users
carry TimeZoneSidKey (IANA; empty for two New York sellers) and DefaultCurrencyIsoCode;
amounts in OpportunityHistory, OpportunityFieldHistory and ForecastingQuota are in the
deal's / quota's currency."""

from __future__ import annotations

import numpy as np
import polars as pl

from . import currency
from .accounts import Accounts, Contacts
from .common import DAY, Calendar, bool_text, date_text, int_text, masked, sf_id, sf_ids, ts_text
from .deals import Deals, Quotas
from .org import Org
from .writers import Sink, frame

ROLE_FIELD = "Sales_Role__c"


def write_users(org: Org, cal: Calendar, sink: Sink) -> None:
    us = org.users
    created = np.array([u["created_ts"] for u in us], np.int64)
    modified = np.minimum(np.maximum(created, cal.start_day * DAY) + 86_400 * 30 + np.arange(len(us)) * 3_600,
                          cal.snapshot_ts)
    df = frame({
        "Id": [u["id"] for u in us],
        "Username": [u["email"] + ".prod" for u in us],
        "FirstName": [u["first"] for u in us],
        "LastName": [u["last"] for u in us],
        "Name": [u["name"] for u in us],
        "Email": [u["email"] for u in us],
        "IsActive": bool_text([u["active"] for u in us], "upper"),
        "ManagerId": masked(pl.Series([u["sf_manager_id"] for u in us]), [u["sf_manager_id"] != "" for u in us]),
        "UserRoleId": masked(pl.Series([u["user_role_id"] for u in us]), [u["user_role_id"] != "" for u in us]),
        "Title": [u["title"] for u in us],
        "Department": [u["department"] for u in us],
        ROLE_FIELD: masked(pl.Series([u["sales_role"] for u in us]), [u["sales_role"] != "" for u in us]),
        "TimeZoneSidKey": masked(pl.Series([u["tz_field"] for u in us]), [u["tz_field"] != "" for u in us]),
        "DefaultCurrencyIsoCode": [u["currency"] for u in us],
        "UserType": ["Standard"] * len(us),
        "CreatedDate": ts_text(created, "sf"),
        "LastModifiedDate": ts_text(modified, "sf"),
        "SystemModstamp": ts_text(modified, "sf"),
    })
    sink.csv("crm/User.csv", "User", df)


def write_user_roles(org: Org, cal: Calendar, sink: Sink) -> None:
    roles = org.user_roles
    df = frame({
        "Id": [r["id"] for r in roles],
        "Name": [r["name"] for r in roles],
        "ParentRoleId": masked(pl.Series([r["parent"] for r in roles]), [r["parent"] != "" for r in roles]),
        "DeveloperName": [r["name"].replace(" - ", "_").replace(" ", "_") for r in roles],
        "RollupDescription": [r["name"] for r in roles],
        "OpportunityAccessForAccountOwner": ["Edit"] * len(roles),
        "_fivetran_deleted": bool_text(np.zeros(len(roles), bool), "lower"),
        "_fivetran_synced": ts_text(np.full(len(roles), cal.snapshot_ts + 1234), "zms"),
    }, snake=True)
    sink.csv("crm/UserRole.csv", "UserRole", df)


def write_accounts(acc: Accounts, org: Org, cal: Calendar, sink: Sink, extra: dict | None = None) -> None:
    """extra: role columns (roles_crm.account_columns), written after the existing ones."""
    n = len(acc.id)
    df = frame({
        "Id": acc.id, "Name": acc.name, "OwnerId": org.s_id[acc.owner], "Industry": acc.industry,
        "AnnualRevenue": int_text(acc.revenue), "NumberOfEmployees": int_text(acc.employees),
        "BillingCountry": acc.country, "Type": np.where(acc.customer, "Customer", "Prospect"),
        "Website": np.char.add("www.", acc.domain),
        "IsDeleted": bool_text(np.zeros(n, bool), "lower"),
        "CreatedDate": ts_text(acc.created_ts, "sf"),
        "LastModifiedDate": ts_text(acc.created_ts + 3 * DAY, "sf"),
        "SystemModstamp": ts_text(acc.created_ts + 3 * DAY, "sf"),
        **(extra or {}),
    })
    sink.csv("crm/Account.csv", "Account", df)


def write_contacts(con: Contacts, acc: Accounts, org: Org, cal: Calendar, sink: Sink) -> None:
    """Contact as Fivetran lands it: snake_case headers, is_deleted, _fivetran_synced."""
    m = len(con.id)
    modified = np.minimum(con.created_ts + 10 * DAY, cal.snapshot_ts)
    df = frame({
        "Id": con.id, "AccountId": acc.id[con.account], "FirstName": con.first, "LastName": con.last,
        "Name": con.name, "Title": con.title, "Email": con.email,
        "OwnerId": org.s_id[acc.owner[con.account]],
        "IsDeleted": bool_text(con.deleted, "lower"),
        "CreatedDate": ts_text(con.created_ts, "zms"),
        "LastModifiedDate": ts_text(modified, "zms"),
        "SystemModstamp": ts_text(modified, "zms"),
        "_fivetran_synced": ts_text(np.full(m, cal.snapshot_ts + 1800), "zms"),
    }, snake=True)
    sink.csv("crm/Contact.csv", "Contact", df)


def write_contact_roles(deals: Deals, con: Contacts, cal: Calendar, sink: Sink) -> None:
    o_deal = np.repeat(np.arange(deals.n), deals.ocr_count)
    order = np.argsort(deals.ocr_created_ts, kind="stable")
    df = frame({
        "Id": deals.ocr_id[order], "OpportunityId": deals.id[o_deal][order],
        "ContactId": con.id[deals.ocr_contact][order], "Role": deals.ocr_role[order],
        "IsPrimary": bool_text(deals.ocr_primary[order], "num"),
        "IsDeleted": bool_text(np.zeros(len(order), bool), "num"),
        "CreatedDate": ts_text(deals.ocr_created_ts[order], "sf"),
        "SystemModstamp": ts_text(deals.ocr_created_ts[order], "sf"),
    })
    sink.csv("crm/OpportunityContactRole.csv", "OpportunityContactRole", df)


def write_history(deals: Deals, cal: Calendar, sink: Sink) -> None:
    h = deals.hist
    order = np.lexsort((h["deal"], h["ts"]))
    d = h["deal"][order]
    df = frame({
        "Id": h["id"][order], "OpportunityId": deals.id[d], "StageName": h["stage"][order],
        "Amount": deals.amount_text.gather(d), "CloseDate": date_text(deals.close_day[d]),
        "Probability": int_text(h["prob"][order]), "ForecastCategory": h["forecast"][order],
        "IsDeleted": bool_text(np.zeros(len(d), bool), "lower"),
        "CreatedDate": ts_text(h["ts"][order], "sf"), "SystemModstamp": ts_text(h["ts"][order], "sf"),
    })
    sink.csv("crm/OpportunityHistory.csv", "OpportunityHistory", df)


def write_field_history(deals: Deals, fx: currency.Fx, cal: Calendar, sink: Sink) -> None:
    """Amount changes are in the deal's currency, at the rate of its (final) CloseDate."""
    f = deals.fhist
    order = np.lexsort((f["deal"], f["ts"]))
    is_amount = f["is_amount"][order]
    d = f["deal"][order]
    code, close = deals.currency[d], deals.close_day[d]
    old = np.where(is_amount, fx.amount_text(f["amount_old"][order], code, close).to_numpy(),
                   date_text(f["old_day"][order]).to_numpy())
    new = np.where(is_amount, fx.amount_text(f["amount_new"][order], code, close).to_numpy(),
                   date_text(f["new_day"][order]).to_numpy())
    df = frame({
        "Id": f["id"][order], "OpportunityId": deals.id[f["deal"][order]],
        "Field": np.where(is_amount, "Amount", "CloseDate"), "DataType": np.where(is_amount, "Currency", "Date"),
        "OldValue": old, "NewValue": new,
        "IsDeleted": bool_text(np.zeros(len(order), bool), "upper"),
        "CreatedDate": ts_text(f["ts"][order], "sf"),
    })
    sink.csv("crm/OpportunityFieldHistory.csv", "OpportunityFieldHistory", df)


def write_periods(quotas: Quotas, cal: Calendar, sink: Sink) -> None:
    ps = cal.periods
    order = sorted(range(len(ps)), key=lambda i: (ps[i].start, {"Year": 0, "Quarter": 1, "Month": 2}[ps[i].kind]))
    ps = [ps[i] for i in order]
    df = frame({
        "Id": [quotas.period_ids[p] for p in ps],
        "Type": [p.kind for p in ps],
        "StartDate": date_text([p.start_day for p in ps]),
        "EndDate": date_text([p.end_day for p in ps]),
        "Number": [str(p.number) for p in ps],
        "FullyQualifiedLabel": [p.label for p in ps],
        "IsForecastPeriod": bool_text([p.kind == "Quarter" for p in ps], "upper"),
        "SystemModstamp": ts_text(np.full(len(ps), (cal.start_day - 40) * DAY + 3600), "sf"),
    })
    sink.csv("crm/Period.csv", "Period", df)


def write_quotas(quotas: Quotas, org: Org, cal: Calendar, sink: Sink) -> None:
    qs = cal.quarters
    q_ids = np.array([quotas.period_ids[q] for q in qs])
    q_start = np.array([q.start_day for q in qs])
    created = (q_start[quotas.quarter] - 12) * DAY + 15 * 3600
    created = np.minimum(created, cal.end_ts - 3600)
    df = frame({
        "Id": quotas.id, "QuotaOwnerId": org.s_id[quotas.owner],
        "StartDate": date_text(q_start[quotas.quarter]),
        "QuotaAmount": quotas.amount_text,
        "PeriodId": masked(q_ids[quotas.quarter], quotas.with_period),
        "CurrencyIsoCode": np.array(currency.CODES)[quotas.currency],
        "ForecastingTypeId": np.full(len(quotas.id), str(sf_ids("0Db", [1])[0])),
        "CreatedDate": ts_text(created, "sf"), "SystemModstamp": ts_text(created, "sf"),
    })
    sink.csv("crm/ForecastingQuota.csv", "ForecastingQuota", df)


def write_organization(cal: Calendar, sink: Sink) -> None:
    stamp = (cal.start_day - 400) * DAY + 14 * 3600
    df = frame({
        "Id": [sf_id("00D", 1)], "Name": ["VendorCo"], "OrganizationType": ["Enterprise Edition"],
        "DefaultCurrencyIsoCode": [currency.CORPORATE], "TimeZoneSidKey": ["America/New_York"],
        "LanguageLocaleKey": ["en_US"], "FiscalYearStartMonth": [str(cal.fiscal_start_month)],
        "UsesStartDateAsFiscalYearName": ["false"],
        "CreatedDate": ts_text([stamp - 900 * DAY], "sf"), "SystemModstamp": ts_text([stamp], "sf"),
    })
    sink.csv("crm/Organization.csv", "Organization", df)


def write_currencies(fx: currency.Fx, cal: Calendar, sink: Sink) -> None:
    """CurrencyType (static rates, no Id column) and DatedConversionRate (monthly EUR/GBP
    ranges chained from 0001-01-01 to 9999-12-31, each NextStartDate the next StartDate). A
    range's SystemModstamp is when the next range was added (that set its NextStartDate)."""
    setup = (cal.start_day - 40) * DAY + 15 * 3600
    codes = list(currency.CODES)
    df = frame({
        "IsoCode": codes, "ConversionRate": currency.rate_text(currency.STATIC_MICRO),
        "DecimalPlaces": [str(int(x)) for x in currency.DECIMALS],
        "IsActive": ["true"] * len(codes), "IsCorporate": ["true" if c == currency.CORPORATE else "false" for c in codes],
        "CreatedDate": ts_text(np.full(len(codes), setup), "sf"),
        "LastModifiedDate": ts_text(np.full(len(codes), setup), "sf"),
        "SystemModstamp": ts_text(np.full(len(codes), setup), "sf"),
    })
    sink.csv("crm/CurrencyType.csv", "CurrencyType", df)
    rows = {k: [] for k in ("IsoCode", "StartDate", "NextStartDate", "ConversionRate")}
    created, modified = [], []
    starts = fx.month_starts.tolist()
    entered = [setup] + [d * DAY + 6 * 3600 for d in starts]  # the day each range was added
    start_txt = [currency.SENTINEL_START] + date_text(starts).to_list()
    next_txt = start_txt[1:] + [currency.SENTINEL_END]
    for c in currency.DATED:
        rates = [int(currency.STATIC_MICRO[c])] + fx.dated[c].tolist()
        rows["IsoCode"] += [currency.CODES[c]] * len(rates)
        rows["StartDate"] += start_txt
        rows["NextStartDate"] += next_txt
        rows["ConversionRate"] += currency.rate_text(rates)
        created += entered
        modified += entered[1:] + entered[-1:]
    n = len(created)
    df = frame({
        "Id": sf_ids("04w", np.arange(1, n + 1)), **rows,
        "CreatedDate": ts_text(created, "sf"), "LastModifiedDate": ts_text(modified, "sf"),
        "SystemModstamp": ts_text(modified, "sf"),
    })
    sink.csv("crm/DatedConversionRate.csv", "DatedConversionRate", df)


# Opportunity columns in file order (API names).
OPPORTUNITY_COLUMNS = [
    "Id", "AccountId", "OwnerId", "Name", "StageName", "Amount", "CurrencyIsoCode", "CloseDate", "CreatedDate",
    "IsClosed", "IsWon",
    "ForecastCategoryName", "Probability", "Type", "LeadSource", "NextStep", "Metrics__c", "Economic_Buyer__c",
    "Decision_Criteria__c", "Decision_Process__c", "Paper_Process__c", "Identify_Pain__c", "Champion__c",
    "Competition__c", "IsDeleted", "LastModifiedDate", "SystemModstamp",
]
