"""Tests of the generated org (coaching_sample_generator, sample_generator/): users, roles and
managers, the teams' time zones at every scale (on the org alone) and on the files (offsets
against zoneinfo), currencies (exact conversions with Decimal: rate tables, deal amounts,
quotas) and the fiscal calendar, including a non-January fiscal year at the internal XS scale.
The zones are built in conftest.py.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from coaching_sample_generator import SUSPICIOUS
from coaching_sample_generator.common import ZONES, Calendar
from coaching_sample_generator.org import SCALES, build_org

from .helpers import AS_OF, read_csv

# The session fixtures (conftest.py) are built once: every module using them is in this group,
# so pytest-xdist runs them all on one worker.
pytestmark = pytest.mark.xdist_group("generate")

SELLER_ROLE_NAME = re.compile(r"SDR|BDR|Development Rep|Customer Success|CSM|Account Manager|Account Executive|\bAE\b",
                              re.I)


# --- users, roles and managers ------------------------------------------------------------------
def test_users_roles_and_managers_are_messy_but_resolvable(zone, gong):
    root, s = zone
    users = read_csv(root / "crm/User.csv")
    roles = read_csv(root / "crm/UserRole.csv")
    role_name = dict(zip(roles["id"], roles["name"]))
    sellers = users.filter(pl.col("Id").is_in(list(s["sellers"])))
    no_field = sellers.filter(pl.col("Sales_Role__c").is_null())
    assert no_field.height >= 4
    assert all(SELLER_ROLE_NAME.search(role_name[r]) for r in no_field["UserRoleId"])
    no_manager = sellers.filter(pl.col("ManagerId").is_null())
    assert no_manager.height >= 2
    gong = {u["emailAddress"].lower(): u for _, p in gong["users"] for u in p["users"]}
    by_gong_id = {str(u["id"]): u["emailAddress"].lower() for u in gong.values()}
    email_to_id = dict(zip(users["Email"], users["Id"]))
    for email in no_manager["Email"]:
        manager_email = by_gong_id[str(gong[email]["managerId"])]
        assert email_to_id[manager_email] == s["sellers"][email_to_id[email]]["manager_id"]
    exact = {u["emailAddress"] for u in gong.values()}
    assert any(e not in exact for e in users["Email"] if e in gong)  # some differ in case only
    assert (users["Email"] == users["Email"].str.to_lowercase()).all()


# --- time zones ---------------------------------------------------------------------------------
US_ZONES = {"America/Los_Angeles", "America/Chicago", "America/New_York"}
EU_ZONES = {"Europe/London", "Europe/Berlin"}
ASIA_ZONES = {"Asia/Tokyo", "Asia/Singapore"}
ZONE_CURRENCY = {"Europe/Berlin": "EUR", "Europe/London": "GBP", "Asia/Tokyo": "JPY", "Asia/Singapore": "SGD"}


@pytest.mark.parametrize("scale", ["XS", "S", "M", "L"])
def test_every_scale_has_us_european_and_asian_teams(scale):
    cal = Calendar(AS_OF)
    org = build_org(SCALES[scale], cal, 42)
    zones = [ZONES[z] for z in org.s_tz]
    team_zones = {}
    for s, z in enumerate(zones):
        team_zones.setdefault(int(org.s_team[s]), set()).add(z)
    assert all(len(v) == 1 for v in team_zones.values())  # a team shares one zone
    for t, team in enumerate(org.teams):
        assert org.users[team["manager"]]["tz"] == team["zone"] == next(iter(team_zones[t]))
    teams = [next(iter(v)) for v in team_zones.values()]
    assert any(z in EU_ZONES for z in teams) and any(z in ASIA_ZONES for z in teams)
    assert set(zones) <= US_ZONES | EU_ZONES | ASIA_ZONES
    assert sum(z in US_ZONES for z in zones) > 0.6 * len(zones)  # most sellers in the US
    if scale in ("M", "L"):
        assert set(zones) == US_ZONES | EU_ZONES | ASIA_ZONES
    assert [ZONE_CURRENCY.get(z, "USD") for z in zones] == [org.users[u]["currency"] for u in org.s_user]


def test_zones_at_xs_and_s(zone, xs_zones):
    for root, s in (zone, xs_zones["a"]):
        sellers = s["sellers"]
        users = read_csv(root / "crm/User.csv")
        tz = dict(zip(users["Id"], users["TimeZoneSidKey"]))
        cur = dict(zip(users["Id"], users["DefaultCurrencyIsoCode"]))
        teams = {}
        for sid, v in sellers.items():
            teams.setdefault(v["manager_id"], set()).add(v["zone"])
            assert tz[sid] in (v["zone"], None)
            assert cur[sid] == ZONE_CURRENCY.get(v["zone"], "USD") == v["currency"]
        for manager, zs in teams.items():
            assert zs == {tz[manager]}
        team_zones = {next(iter(z)) for z in teams.values()}
        assert team_zones & EU_ZONES and team_zones & ASIA_ZONES
        empty = [sid for sid in sellers if tz[sid] is None]
        assert 1 <= len(empty) <= 2 and all(sellers[sid]["zone"] == "America/New_York" for sid in empty)
        assert users["TimeZoneSidKey"].null_count() == len(empty)
        assert set(users["TimeZoneSidKey"].drop_nulls()) <= set(ZONES)
        org = read_csv(root / "crm/Organization.csv")
        assert org.height == 1 and org.row(0, named=True) | {"Id": None, "CreatedDate": None, "SystemModstamp": None} == {
            "Id": None, "Name": "VendorCo", "OrganizationType": "Enterprise Edition", "DefaultCurrencyIsoCode": "USD",
            "TimeZoneSidKey": "America/New_York", "LanguageLocaleKey": "en_US", "FiscalYearStartMonth": "1",
            "UsesStartDateAsFiscalYearName": "false", "CreatedDate": None, "SystemModstamp": None}
    s = zone[1]
    assert s["currencies"]["sellers_per_zone"] == {"America/Chicago": 8, "America/Los_Angeles": 9,
                                                   "America/New_York": 9, "Asia/Tokyo": 7, "Europe/Berlin": 7}
    assert s["currencies"]["sellers_per_currency"] == {"EUR": 7, "JPY": 7, "USD": 26}


def test_local_times_follow_each_sellers_zone(zone, gong):
    root, s = zone
    users = read_csv(root / "crm/User.csv")
    zone_of = {sid: ZoneInfo(v["zone"]) for sid, v in s["sellers"].items()}
    by_email = dict(zip(users["Email"], users["Id"]))
    gong_to_sf = {str(u["id"]): by_email.get(u["emailAddress"].lower()) for _, p in gong["users"] for u in p["users"]}
    seen = set()
    for _, page in gong["calls"]:
        for c in page["calls"]:
            m = c["metaData"]
            rep = gong_to_sf[str(m["primaryUserId"])]
            if "started" not in m or rep not in zone_of:
                continue
            for key in ("started", "scheduled"):
                t = dt.datetime.fromisoformat(m[key])
                assert t.utcoffset() == t.astimezone(zone_of[rep]).utcoffset(), (rep, m[key])
                seen.add((s["sellers"][rep]["zone"], t.utcoffset()))
    # daylight saving where the zone has it, on its own dates (Berlin's differ from New York's)
    assert {("Europe/Berlin", dt.timedelta(hours=1)), ("Europe/Berlin", dt.timedelta(hours=2)),
            ("America/New_York", dt.timedelta(hours=-5)), ("America/New_York", dt.timedelta(hours=-4)),
            ("Asia/Tokyo", dt.timedelta(hours=9))} <= seen
    log = read_csv(sorted((root / "activity").glob("activities_2025-03.csv"))[0])  # DST starts in March
    log = log.filter(pl.col("source") == "outreach")  # local time with offset (salesloft, dialer: UTC)
    assert log.height > 1000
    for rep, occurred in zip(log["rep_id"], log["occurred_at"]):
        t = dt.datetime.fromisoformat(occurred)
        assert t.utcoffset() == t.astimezone(zone_of[rep]).utcoffset(), (rep, occurred)
        assert t.date() == t.astimezone(dt.UTC).date()  # the local date is the UTC date
        assert 7 <= t.hour < 18
    for _, page in gong["users"]:
        for u in page["users"]:
            sid = gong_to_sf.get(str(u["id"]))
            if sid in zone_of:
                t = dt.datetime.fromisoformat(u["created"])
                assert t.utcoffset() == t.astimezone(zone_of[sid]).utcoffset()


# --- currencies ---------------------------------------------------------------------------------
PLAIN = re.compile(r"^\d+(\.\d{2})?$")


def dated_rates(root: Path) -> dict[str, list[tuple[str, str, Decimal]]]:
    df = read_csv(root / "crm/DatedConversionRate.csv")
    out: dict[str, list] = {}
    for r in df.sort("IsoCode", "StartDate").iter_rows(named=True):
        out.setdefault(r["IsoCode"], []).append((r["StartDate"], r["NextStartDate"], Decimal(r["ConversionRate"])))
    return out


def static_rates(root: Path) -> dict[str, tuple[Decimal, int]]:
    df = read_csv(root / "crm/CurrencyType.csv")
    return {r["IsoCode"]: (Decimal(r["ConversionRate"]), int(r["DecimalPlaces"])) for r in df.iter_rows(named=True)}


def range_index(ranges: list, day: str) -> int:
    return next(i for i, (start, nxt, _) in enumerate(ranges) if start <= day < nxt)


def test_currency_types_and_chained_dated_rates(zone):
    root, _ = zone
    ct = read_csv(root / "crm/CurrencyType.csv")
    assert ct["IsoCode"].to_list() == ["USD", "EUR", "GBP", "JPY", "SGD"]
    assert ct.filter(pl.col("IsCorporate") == "true")["IsoCode"].to_list() == ["USD"]
    assert (ct["IsActive"] == "true").all()
    static = static_rates(root)
    assert static["USD"] == (Decimal(1), 2) and static["JPY"][1] == 0
    assert all(static[c][1] == 2 for c in ("EUR", "GBP", "SGD"))
    assert Decimal("0.8") < static["EUR"][0] < Decimal("0.95") and Decimal("0.7") < static["GBP"][0] < Decimal("0.85")
    assert Decimal(140) < static["JPY"][0] < Decimal(160) and Decimal("1.25") < static["SGD"][0] < Decimal("1.4")
    months = sorted(p for p in read_csv(root / "crm/Period.csv").filter(pl.col("Type") == "Month")["StartDate"])
    rates = dated_rates(root)
    assert set(rates) == {"EUR", "GBP"}
    for code, ranges in rates.items():
        assert ranges[0][0] == "0001-01-01" and ranges[-1][1] == "9999-12-31"
        assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))  # chained
        assert [r[0] for r in ranges[1:]] == months  # one range per month of the span
        assert ranges[0][2] == static[code][0]
        for (_, _, a), (_, _, b) in zip(ranges[1:], ranges[2:]):
            assert abs(b / a - 1) >= Decimal("0.02"), code  # visibly different month to month
        assert all(-r[2].as_tuple().exponent <= 6 for r in ranges)


def test_opportunity_amounts_are_the_usd_value_at_the_close_date_rate(zone):
    root, s = zone
    static, dated = static_rates(root), dated_rates(root)
    users = read_csv(root / "crm/User.csv")
    currency_of = dict(zip(users["Id"], users["DefaultCurrencyIsoCode"]))
    files = [root / "crm/Opportunity.csv", root / f"crm/Opportunity__{AS_OF.isoformat()}_delta.csv"]
    opp = pl.concat([read_csv(f) for f in files])
    assert (opp["CurrencyIsoCode"] == opp["OwnerId"].replace_strict(currency_of)).all()
    counts = opp.unique("Id")["CurrencyIsoCode"].value_counts()
    assert dict(zip(counts["CurrencyIsoCode"], counts["count"])).keys() == {"USD", "EUR", "JPY"}
    assert opp.filter(pl.col("CurrencyIsoCode") == "EUR").unique("Id").height > 200
    amounts = {}
    for r in opp.iter_rows(named=True):
        code, text = r["CurrencyIsoCode"], r["Amount"]
        assert PLAIN.match(text), text
        amount = Decimal(text)
        amounts[r["Id"]] = text
        if code == "USD":
            assert re.fullmatch(r"\d+00", text) and int(text) >= 1000  # the planted values, as before
            continue
        places = static[code][1]
        assert (-amount.as_tuple().exponent) == places
        if code in dated:
            i = range_index(dated[code], r["CloseDate"])
            rate = dated[code][i][2]
            wrong = dated[code][i - 1 if i > 1 else i + 1][2]
        else:
            rate, wrong = static[code][0], None
        usd = (amount / rate).quantize(Decimal(100), ROUND_HALF_UP)
        assert usd >= 1000 and usd % 100 == 0
        assert (usd * rate).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP) == amount, (r["Id"], code)
        if wrong is not None:  # the neighbouring month's rate gives a visibly different USD amount
            assert abs(amount / wrong - usd) > 10
    hist = read_csv(root / "crm/OpportunityHistory.csv")
    assert all(amounts[o] == a for o, a in zip(hist["OpportunityId"], hist["Amount"]) if o in amounts)
    fh = read_csv(root / "crm/OpportunityFieldHistory.csv").filter(pl.col("Field") == "Amount")
    assert all(amounts[o] == a for o, a in zip(fh["OpportunityId"], fh["NewValue"]) if o in amounts)
    assert all(PLAIN.match(v) for v in fh["OldValue"])
    # the CHF deals: a currency without a CurrencyType row, suspicious but legal
    late = read_csv(root / "crm/Opportunity__zz_late.csv")
    chf = late.filter(pl.col("CurrencyIsoCode") == "CHF")
    assert chf.height == 2 and "CHF" not in static and "CHF" not in dated
    assert chf["OwnerId"].is_in(list(s["sellers"])).all() and chf["Amount"].map_elements(
        lambda v: bool(PLAIN.match(v)), return_dtype=pl.Boolean).all()
    rows = [r + 1 for r in range(late.height) if late[r, "CurrencyIsoCode"] == "CHF"]
    assert rows == [6, 7]
    assert [(q["file"], q["row"]) for q in SUSPICIOUS if "CHF" in q["reason"]] == [
        ("crm/Opportunity__zz_late.csv", 6), ("crm/Opportunity__zz_late.csv", 7)]
    import coaching_sample_generator as gen
    assert "rows 6 and 7 (CurrencyIsoCode CHF" in " ".join(gen.__doc__.split())


def test_some_quotas_are_in_local_currency_at_the_period_start_rate(zone):
    root, s = zone
    static, dated = static_rates(root), dated_rates(root)
    quota = read_csv(root / "crm/ForecastingQuota.csv")
    local = quota.filter(pl.col("CurrencyIsoCode") != "USD")
    assert 0 < local.height < quota.height
    assert set(local["CurrencyIsoCode"]) == {"EUR", "JPY"}
    by_seller = quota.group_by("QuotaOwnerId").agg(pl.col("CurrencyIsoCode").unique())
    per_seller = {r["QuotaOwnerId"]: r["CurrencyIsoCode"] for r in by_seller.iter_rows(named=True)}
    non_usd = [sid for sid, v in s["sellers"].items() if v["currency"] != "USD"]
    assert any(per_seller[sid] == ["USD"] for sid in non_usd)  # some European/Asian quotas stay USD
    for sid, codes in per_seller.items():
        assert len(codes) == 1 and codes[0] in ("USD", s["sellers"][sid]["currency"])
        assert codes[0] == s["sellers"][sid]["quota_currency"]
    for r in quota.iter_rows(named=True):
        text, code = r["QuotaAmount"], r["CurrencyIsoCode"]
        assert PLAIN.match(text)
        if code == "USD":
            assert int(text) % 1000 == 0
            continue
        rate = dated[code][range_index(dated[code], r["StartDate"])][2] if code in dated else static[code][0]
        places = static[code][1]
        usd = (Decimal(text) / rate).quantize(Decimal(1000), ROUND_HALF_UP)
        assert usd % 1000 == 0 and (usd * rate).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP) == Decimal(text)


# --- fiscal year -----------------------------------------------------------------------------------
def test_fiscal_year_start_month_option(xs_zones):
    root, s = xs_zones["fy_a"]
    assert s["fiscal_year_start_month"] == 2 and s["span"]["start"] == "2025-02-01"
    assert read_csv(root / "crm/Organization.csv")["FiscalYearStartMonth"].to_list() == ["2"]
    periods = read_csv(root / "crm/Period.csv")
    years = periods.filter(pl.col("Type") == "Year").select("StartDate", "EndDate", "FullyQualifiedLabel").rows()
    assert years == [("2025-02-01", "2026-01-31", "FY2026"), ("2026-02-01", "2027-01-31", "FY2027")]
    quarters = periods.filter(pl.col("Type") == "Quarter")
    assert quarters["StartDate"].to_list() == ["2025-02-01", "2025-05-01", "2025-08-01", "2025-11-01", "2026-02-01",
                                               "2026-05-01", "2026-08-01", "2026-11-01"]
    assert quarters["FullyQualifiedLabel"].to_list()[-1] == "Q4 FY2027" and quarters["EndDate"].to_list()[-1] == "2027-01-31"
    months = periods.filter(pl.col("Type") == "Month")
    assert months["StartDate"].to_list()[0] == "2025-02-01" and months["Number"].to_list()[0] == "1"
    quota = read_csv(root / "crm/ForecastingQuota.csv")
    assert set(quota["StartDate"]) == set(quarters["StartDate"])
    ids = dict(zip(quarters["Id"], quarters["StartDate"]))
    assert all(ids[p] == d for p, d in zip(quota["PeriodId"], quota["StartDate"]) if p is not None)
    rates = dated_rates(root)
    assert rates["EUR"][1][0] == "2025-02-01"
    assert {f.name for f in (root / "crm").glob("Task__FY*.csv")} == {"Task__FY2026.csv", "Task__FY2027.csv"}
    # the default stays the calendar year
    default = read_csv(xs_zones["a"][0] / "crm/Period.csv").filter(pl.col("Type") == "Year")
    assert default["StartDate"].to_list() == ["2025-01-01", "2026-01-01"]
    assert default["FullyQualifiedLabel"].to_list() == ["FY2025", "FY2026"]
