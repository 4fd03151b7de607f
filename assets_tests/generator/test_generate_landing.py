"""Tests of the synthetic landing zone as a whole (coaching_sample_generator, sample_generator/):
its files, layout and volumes, determinism by seed, the landing-zone contract (columns, naming,
Salesforce ids, mixed formats) and the planted mess (quarantine rows, a stale re-delivery,
sparse fields and suspicious rows), at scale S and, for determinism and the quarantine rows'
scale/seed independence, at the internal XS scale. The zones are built in conftest.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import polars as pl
import pytest
from coaching_sample_generator import QUARANTINE

from coaching_pipeline.ingest.objects import ACTIVITIES, salesforce_objects, to_snake

from .helpers import AS_OF, bool_true, latest_opportunities, read_csv, utc

# The session fixtures (conftest.py) are built once: every module using them is in this group,
# so pytest-xdist runs them all on one worker.
pytestmark = pytest.mark.xdist_group("generate")

SPAN_START = dt.date(2025, 1, 1)
MEDDPICC = ["Metrics__c", "Economic_Buyer__c", "Decision_Criteria__c", "Decision_Process__c", "Paper_Process__c",
            "Identify_Pain__c", "Champion__c", "Competition__c"]


# --- helpers -----------------------------------------------------------------------------------
def checksums(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def crm_files(root: Path, stem: str) -> list[Path]:
    return sorted(p for p in (root / "crm").glob("*.csv") if re.split(r"__|\.", p.name)[0] == stem)


# --- determinism --------------------------------------------------------------------------------
def test_same_seed_gives_identical_files_and_another_seed_differs(xs_zones):
    (a, sa), (b, sb), (c, _) = xs_zones["a"], xs_zones["b"], xs_zones["c"]
    ha, hb, hc = checksums(a), checksums(b), checksums(c)
    assert ha == hb
    assert sa["rows"] == sb["rows"] and sa["files"] == sb["files"]
    differing = [k for k in ha if hc.get(k) != ha[k]]
    assert len(differing) > len(ha) / 2
    assert checksums(xs_zones["fy_a"][0]) == checksums(xs_zones["fy_b"][0])  # also with a fiscal year
    for name in ("CurrencyType", "DatedConversionRate", "Organization"):
        assert f"crm/{name}.csv" in ha


# --- layout and volumes ---------------------------------------------------------------------------
def test_layout_and_volumes_at_scale_s(zone):
    root, s = zone
    for sub in ("crm", "gong", "activity"):
        assert (root / sub).is_dir()
    rows = s["rows"]
    # the month files (~166k rows) plus the SDRs' sequence touches (~200k: 8 SDRs x ~50 a business day)
    assert 300_000 <= rows["activities"] <= 450_000
    assert 150_000 <= sum(n for f, n in s["files"].items() if f.startswith("activity/activities_2")) <= 300_000
    assert 20_000 <= rows["Task"] + rows["Event"] <= 60_000
    assert 5_000 <= rows["gong_calls"] <= 15_000
    sellers = s["sellers"]
    assert len(sellers) == 40
    assert {v["role"] for v in sellers.values()} == {"AE", "AM", "CSM", "SDR"}
    teams = {(v["manager_id"], v["role"]) for v in sellers.values()}
    assert len(teams) == 5
    users = read_csv(root / "crm/User.csv").filter(pl.col("IsActive") == "TRUE")
    managers = {v["manager_id"] for v in sellers.values()}
    slms = set(users.filter(pl.col("Id").is_in(list(managers)))["ManagerId"].to_list())
    assert len(slms) == 2
    assert sum(s["files"].values()) == sum(rows.values())


def test_nothing_is_dated_after_as_of(zone, gong):
    root, _ = zone
    end = dt.datetime.combine(AS_OF, dt.time.max, tzinfo=dt.UTC)
    ts_columns = {"CreatedDate", "LastModifiedDate", "SystemModstamp", "StartDateTime", "EndDateTime",
                  "created_date", "last_modified_date", "system_modstamp", "_fivetran_synced"}
    for f in sorted((root / "crm").glob("*.csv")):
        df = read_csv(f)
        for col in ts_columns & set(df.columns):
            values = [v for v in df[col].drop_nulls().unique().to_list()]
            assert max(utc(v) for v in values) <= end, (f.name, col)
        if "ActivityDate" in df.columns:
            assert df["ActivityDate"].drop_nulls().max() <= AS_OF.isoformat(), f.name
    opp = latest_opportunities(root).filter(bool_true("IsClosed"))
    closes = [v for v in opp["CloseDate"].to_list() if re.fullmatch(r"\d{4}-\d\d-\d\d", v)]
    assert max(closes) <= AS_OF.isoformat()
    quota = read_csv(root / "crm/ForecastingQuota.csv")
    assert quota["StartDate"].max() <= AS_OF.isoformat()
    for f in sorted((root / "activity").glob("activities_*.csv")):
        occurred = [v for v in read_csv(f)["occurred_at"].unique().to_list() if v != "yesterday"]
        times = [utc(v) for v in occurred]
        assert max(times) <= end and min(times).date() >= SPAN_START, f.name
    for _, page in gong["calls"]:
        for c in page["calls"]:
            if "started" in c["metaData"]:
                assert SPAN_START <= utc(c["metaData"]["started"]).date() <= AS_OF
    for _, page in gong["answered_scorecards"]:
        for a in page["answeredScorecards"]:
            assert utc(a["reviewTime"]) <= end


# --- the landing-zone contract ---------------------------------------------------------------------
def test_every_required_column_is_present_under_either_naming(zone):
    root, _ = zone
    for obj in salesforce_objects("Sales_Role__c", MEDDPICC):
        files = crm_files(root, obj.file_stems[0])
        assert files, obj.name
        for f in files:
            header = {to_snake(h) for h in read_csv(f).columns}
            missing = set(obj.required_columns) - header
            assert not missing, (f.name, missing)
            for group in obj.one_of:
                assert header & set(group), (f.name, group)
    for f in sorted((root / "activity").glob("activities*.csv")):
        header = set(read_csv(f).columns)
        assert set(ACTIVITIES.required_columns) <= header, f.name
        assert header & {"rep_id", "rep_email"}, f.name
    assert "rep_email" in read_csv(sorted((root / "activity").glob("activities_*.csv"))[0]).columns


def test_some_objects_use_el_snake_case_naming(zone):
    root, _ = zone
    snake = []
    for f in sorted((root / "crm").glob("*.csv")):
        cols = read_csv(f).columns
        if all(c == to_snake(c) for c in cols) and "_fivetran_synced" in cols:
            snake.append(f.name)
    assert "Contact.csv" in snake
    api = read_csv(root / "crm/Opportunity.csv").columns
    assert "StageName" in api and "Economic_Buyer__c" in api


def test_the_generators_copy_of_to_snake_matches_the_loaders(zone):
    """The generator imports nothing from the product, so it keeps its own to_snake: the two
    must name every generated header (and the EL tools' odd shapes) alike."""
    from coaching_sample_generator.writers import to_snake as generator_to_snake

    root, _ = zone
    headers = (pl.read_csv(f, n_rows=1, infer_schema=False).columns for f in sorted((root / "crm").glob("*.csv")))
    names = {c for cols in headers for c in cols}
    names |= {"StageName", "Economic_Buyer__c", "Pricebook2Id", "_fivetran_deleted", " Id ", "HTTPStatus2xx"}
    assert {n: generator_to_snake(n) for n in names} == {n: to_snake(n) for n in names}


def test_salesforce_ids_and_mixed_formats(zone):
    root, _ = zone
    prefixes = {"User": "005", "UserRole": "00E", "Account": "001", "Contact": "003", "Opportunity": "006",
                "OpportunityContactRole": "00k", "Task": "00T", "Event": "00U", "ForecastingQuota": "0J9",
                "Period": "026", "OpportunityHistory": "008", "OpportunityFieldHistory": "017",
                "Organization": "00D", "DatedConversionRate": "04w"}
    for stem, prefix in prefixes.items():
        for f in crm_files(root, stem):
            df = read_csv(f)
            ids = df["Id" if "Id" in df.columns else "id"].drop_nulls()
            assert ids.str.len_chars().eq(18).all() and ids.str.starts_with(prefix).all(), f.name
    styles = set()
    for f in sorted((root / "crm").glob("*.csv")):
        df = read_csv(f)
        for col in ("IsDeleted", "is_deleted", "IsClosed", "IsActive", "IsPrimary"):
            if col in df.columns:
                styles |= set(df[col].drop_nulls().unique().to_list())
    assert {"true", "false", "TRUE", "FALSE", "1", "0"} <= styles
    created = read_csv(root / "crm/Opportunity.csv")["CreatedDate"]
    assert created.str.ends_with(".000+0000").all()
    events = read_csv(crm_files(root, "Event")[0])["StartDateTime"]
    assert events.str.ends_with("Z").all()
    log = read_csv(sorted((root / "activity").glob("activities_2*.csv"))[1])["occurred_at"]
    assert log.str.contains(r"-0[5-8]:00$").any() and log.str.ends_with("Z").any()


# --- planted mess -------------------------------------------------------------------------------
def _check_quarantine_rows(root: Path) -> None:
    files = {q["file"] for q in QUARANTINE}
    assert files == {"crm/Opportunity__zz_late.csv", "crm/Task__zz_late.csv", "gong/calls_9999.json",
                     "activity/activities_zz_late.csv", "gong/calls_9998.json"}
    opp = read_csv(root / "crm/Opportunity__zz_late.csv")
    assert opp[0, "OwnerId"] is None
    assert opp[1, "CloseDate"] == "31/02/2025"
    assert float(opp[2, "Amount"]) < 0
    tasks = read_csv(root / "crm/Task__zz_late.csv")
    assert tasks[0, "Id"] == tasks[1, "Id"] and tasks.row(0) != tasks.row(1)
    assert tasks["Id"].n_unique() == tasks.height - 1
    with pytest.raises(json.JSONDecodeError):
        json.loads((root / "gong/calls_9999.json").read_text())
    assert read_csv(root / "activity/activities_zz_late.csv")[0, "occurred_at"] == "yesterday"
    late = json.loads((root / "gong/calls_9998.json").read_text())["calls"]
    assert "started" not in late[0]["metaData"]
    assert all("started" in c["metaData"] for c in late[1:])
    rows = {(q["file"], q["row"]) for q in QUARANTINE}
    assert ("crm/Task__zz_late.csv", 1) in rows and ("crm/Task__zz_late.csv", 2) in rows
    assert ("gong/calls_9998.json", 1) in rows and ("activity/activities_zz_late.csv", 1) in rows
    assert ("gong/calls_9999.json", 0) in rows


def test_planted_quarantine_rows_are_where_the_docstring_says(zone, xs_zones):
    root, s = zone
    _check_quarantine_rows(root)
    _check_quarantine_rows(xs_zones["c"][0])  # another scale and seed
    assert s["quarantine"] == QUARANTINE
    import coaching_sample_generator as gen
    for q in QUARANTINE:
        assert q["file"] in gen.__doc__
    # nothing else in the zone would be quarantined for the same reasons
    opp = pl.concat([read_csv(f) for f in crm_files(root, "Opportunity")], how="diagonal")
    assert opp["OwnerId"].null_count() == 1
    assert (opp["Amount"].cast(pl.Float64) < 0).sum() == 1
    assert opp["CloseDate"].str.to_date(strict=False).null_count() == 1
    for f in crm_files(root, "Task"):
        if f.name != "Task__zz_late.csv":
            assert read_csv(f)["Id"].n_unique() == read_csv(f).height


def test_opportunity_redelivery_newer_wins_and_one_older_row_loses(zone):
    root, s = zone
    base = read_csv(root / "crm/Opportunity.csv")
    delta_file = root / f"crm/Opportunity__{AS_OF.isoformat()}_delta.csv"
    delta = read_csv(delta_file)
    both = delta.join(base, on="Id", suffix="_base")
    newer = both.filter(pl.struct("SystemModstamp", "SystemModstamp_base").map_elements(
        lambda r: utc(r["SystemModstamp"]) > utc(r["SystemModstamp_base"]), return_dtype=pl.Boolean))
    assert newer.filter(~bool_true("IsClosed_base") & bool_true("IsClosed")).height >= 1
    last = delta.row(delta.height - 1, named=True)
    old = base.filter(pl.col("Id") == last["Id"]).row(0, named=True)
    assert utc(last["SystemModstamp"]) < utc(old["SystemModstamp"])
    assert s["redelivery"]["opportunity"]["stale_redelivery"]["row"] == delta.height
    roles = read_csv(root / "crm/Opportunity__roles.csv")  # the AMs' renewals and expansions: new Ids only
    assert roles.join(pl.concat([base, delta], how="diagonal"), on="Id").height == 0
    assert latest_opportunities(root).height < base.height + delta.height + roles.height


def test_sparse_fields_and_suspicious_rows(zone):
    root, _ = zone
    opp = read_csv(root / "crm/Opportunity.csv")
    for f in MEDDPICC + ["NextStep"]:
        filled = opp[f].drop_nulls().str.strip_chars().str.len_chars().gt(0).sum()
        assert 0 < filled < 0.5 * opp.height, f
    assert opp.filter(bool_true("IsDeleted")).height > 0
    late = read_csv(root / "crm/Opportunity__zz_late.csv")
    users = set(read_csv(root / "crm/User.csv")["Id"])
    assert late[3, "OwnerId"] not in users
    assert late[4, "CloseDate"] < late[4, "CreatedDate"][:10]
    roles = set(read_csv(root / "crm/OpportunityContactRole.csv")["Role"])
    assert {"Champion", "Economic Buyer", "Economic Decision Maker", "Decision Maker", "Evaluator"} <= roles
    fh = read_csv(root / "crm/OpportunityFieldHistory.csv")
    slips = fh.filter(pl.col("Field") == "CloseDate")
    assert slips.height > 0 and (slips["NewValue"] > slips["OldValue"]).all()
    quota = read_csv(root / "crm/ForecastingQuota.csv")
    assert 0 < quota["PeriodId"].null_count() < quota.height
    assert set(read_csv(root / "crm/Period.csv")["Type"]) == {"Month", "Quarter", "Year"}
    types = set()
    for f in sorted((root / "activity").glob("activities_2*.csv")):
        types |= set(read_csv(f)["activity_type"].unique().to_list())
    assert {"call", "email", "meeting", "demo", "social", "task", "other", "Email", "voicemail"} <= types
