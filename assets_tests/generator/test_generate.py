"""Tests of the synthetic landing-zone generator (coaching_sample_generator, sample_generator/).

One S landing zone is generated per module; determinism and the scale/seed independence of
the planted quarantine rows use the internal XS scale (same shape, fewer sellers), as does
the non-January fiscal year. Zones and currencies are checked on the files (exact
conversions with Decimal, offsets against zoneinfo) and, for every scale, on the org alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from coaching_sample_generator import QUARANTINE, SUSPICIOUS, generate_landing_zone
from coaching_sample_generator.common import ZONES, Calendar
from coaching_sample_generator.org import SCALES, build_org

from coaching_pipeline.ingest.objects import ACTIVITIES, salesforce_objects, to_snake

# The module fixture builds once: its tests stay on one pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("generate")

AS_OF = dt.date(2026, 11, 13)
SPAN_START = dt.date(2025, 1, 1)
MEDDPICC = ["Metrics__c", "Economic_Buyer__c", "Decision_Criteria__c", "Decision_Process__c", "Paper_Process__c",
            "Identify_Pain__c", "Champion__c", "Competition__c"]
SELLER_ROLE_NAME = re.compile(r"SDR|BDR|Development Rep|Customer Success|CSM|Account Manager|Account Executive|\bAE\b",
                              re.I)


@pytest.fixture(scope="module")
def zone(tmp_path_factory):
    out = tmp_path_factory.mktemp("landing_s")
    summary = generate_landing_zone(out, scale="S", seed=42, as_of=AS_OF)
    return out, summary


@pytest.fixture(scope="module")
def gong(zone):
    """Every parseable Gong page of the S zone, parsed once: stem -> [(file name, page)]."""
    root, _ = zone
    pages: dict[str, list] = {}
    for f in sorted((root / "gong").glob("*.json")):
        if f.name == "calls_9999.json":
            continue
        stem = re.sub(r"_\d{4}$", "", f.stem)
        pages.setdefault(stem, []).append((f, json.loads(f.read_text())))
    return pages


@pytest.fixture(scope="module")
def calls_s(zone, gong):
    return external_calls(zone[0], zone[1], gong)


@pytest.fixture(scope="module")
def xs_zones(tmp_path_factory):
    runs = {}
    for name, seed, fy in (("a", 42, 1), ("b", 42, 1), ("c", 43, 1), ("fy_a", 42, 2), ("fy_b", 42, 2)):
        out = tmp_path_factory.mktemp(f"landing_xs_{name}")
        runs[name] = (out, generate_landing_zone(out, scale="XS", seed=seed, as_of=AS_OF, fiscal_year_start_month=fy))
    return runs


# --- helpers -----------------------------------------------------------------------------------
def checksums(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def read_csv(path: Path | str) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


def crm_files(root: Path, stem: str) -> list[Path]:
    return sorted(p for p in (root / "crm").glob("*.csv") if re.split(r"__|\.", p.name)[0] == stem)


def utc(text: str) -> dt.datetime:
    t = dt.datetime.fromisoformat(text)
    return t.astimezone(dt.UTC) if t.tzinfo else t.replace(tzinfo=dt.UTC)


def bool_true(col: str) -> pl.Expr:
    return pl.col(col).str.to_lowercase().is_in(["true", "1"])


def latest_opportunities(root: Path) -> pl.DataFrame:
    files = [root / "crm/Opportunity.csv"] + sorted((root / "crm").glob("Opportunity__*.csv"))
    frames = [read_csv(f).with_columns(_file=pl.lit(f.name)) for f in files]
    opp = pl.concat(frames, how="diagonal")
    opp = opp.filter(pl.col("OwnerId").is_not_null())
    opp = opp.with_columns(_ms=pl.col("SystemModstamp").map_elements(lambda s: utc(s), return_dtype=pl.Datetime("us", "UTC")))
    return opp.sort("_ms", "_file").group_by("Id", maintain_order=True).last().filter(~bool_true("IsDeleted"))


def external_calls(root: Path, summary: dict, gong: dict) -> pl.DataFrame:
    """External calls (deduplicated by id, last delivered wins) mapped to Salesforce sellers."""
    users = read_csv(root / "crm/User.csv")
    by_email = {e.lower(): i for e, i in zip(users["Email"], users["Id"])}
    gong_to_sf = {}
    for _, page in gong["users"]:
        for u in page["users"]:
            gong_to_sf[str(u["id"])] = by_email.get(u["emailAddress"].lower())
    calls = {}
    for _, page in gong["calls"]:
        for c in page["calls"]:
            calls[str(c["metaData"]["id"])] = c
    rows = []
    for c in calls.values():
        m = c["metaData"]
        if m.get("scope") != "External" or "started" not in m:
            continue
        stats = {s["name"]: s["value"] for s in c["interaction"]["interactionStats"]}
        rows.append({"rep": gong_to_sf.get(str(m["primaryUserId"])), "started": utc(m["started"]),
                     "questions": c["interaction"].get("questions", {}).get("companyCount"),
                     "talk_ratio": stats.get("Talk Ratio")})
    return pl.DataFrame(rows).filter(pl.col("rep").is_in(list(summary["sellers"])))


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
    assert 150_000 <= rows["activities"] <= 300_000
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


# --- Gong pages ---------------------------------------------------------------------------------
def test_gong_pages_parse_and_have_records_and_cursor(zone, gong):
    root, _ = zone
    with pytest.raises(json.JSONDecodeError):
        json.loads((root / "gong/calls_9999.json").read_text())
    payload_key = {"users": "users", "calls": "calls", "transcripts": "callTranscripts",
                   "scorecards": "scorecards", "answered_scorecards": "answeredScorecards"}
    numeric_ids = 0
    for stem, key in payload_key.items():
        pages = [(f, p) for f, p in gong[stem] if f.name != "calls_9998.json"]
        assert pages, stem
        for n, (f, page) in enumerate(pages):
            assert isinstance(page["requestId"], str)
            rec = page["records"]
            assert rec["currentPageSize"] == len(page[key]) and rec["currentPageNumber"] == n
            assert ("cursor" in rec) == (n < len(pages) - 1), f.name
            assert rec["totalRecords"] >= len(page[key])
    late = json.loads((root / "gong/calls_9998.json").read_text())
    assert "cursor" not in late["records"]
    trackers = {"Next Steps", "Pricing", "Competitors", "Objections", "Budget", "Timing", "Decision Process",
                "Filler Words", "Call Intro", "Demo"}
    for _, page in gong["calls"]:
        for c in page["calls"]:
            m = c["metaData"]
            numeric_ids += isinstance(m["id"], int)
            assert re.fullmatch(r"\d{19}", str(m["id"])) and re.fullmatch(r"\d{19}", str(m["primaryUserId"]))
            assert {t["name"] for t in c["content"]["trackers"]} == trackers
            speakers = {p["speakerId"] for p in c["parties"]}
            assert len(speakers) == len(c["parties"])
    for _, page in gong["users"]:
        numeric_ids += sum(isinstance(u["id"], int) for u in page["users"])
    assert numeric_ids > 0
    questions = [q for _, p in gong["scorecards"] for sc in p["scorecards"] for q in sc["questions"]]
    assert {q["questionText"].split(":")[0] for q in questions} >= {"Discovery", "Presentation", "Demo", "Objections",
                                                                     "Closing", "Overall"}


def test_the_same_call_arrives_on_two_pages(zone, gong):
    root, _ = zone
    seen: dict[str, list[str]] = {}
    for f, page in gong["calls"]:
        for c in page["calls"]:
            seen.setdefault(str(c["metaData"]["id"]), []).append(f.name)
    twice = {k: v for k, v in seen.items() if len(v) > 1}
    assert any(v == ["calls_0001.json", "calls_0002.json"] for v in twice.values())
    assert sum("calls_9998.json" in v for v in twice.values()) == 2


def test_transcripts_and_scorecards_join_their_calls(zone, gong):
    root, _ = zone
    speakers = {}
    for _, page in gong["calls"]:
        for c in page["calls"]:
            speakers[str(c["metaData"]["id"])] = {p["speakerId"] for p in c["parties"]}
    for _, page in gong["transcripts"][:3]:
        for t in page["callTranscripts"]:
            for block in t["transcript"]:
                assert block["speakerId"] in speakers[str(t["callId"])]
                assert all(0 <= s["start"] <= s["end"] for s in block["sentences"])
    ranges = {q["questionId"]: (q["minRange"], q["maxRange"])
              for _, p in gong["scorecards"] for sc in p["scorecards"] for q in sc["questions"]}
    for _, page in gong["answered_scorecards"][:3]:
        for a in page["answeredScorecards"]:
            assert str(a["callId"]) in speakers
            for ans in a["answers"]:
                lo, hi = ranges[ans["questionId"]]
                if ans["score"] is not None:
                    assert lo <= ans["score"] <= hi


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
    assert latest_opportunities(root).height < base.height + delta.height


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


# --- planted signal ------------------------------------------------------------------------------
def test_top_quartile_by_latent_skill_outperforms_the_rest(zone, calls_s):
    root, s = zone
    top = [k for k, v in s["sellers"].items() if v["top"]]
    assert len(top) == sum(max(1, round(0.25 * n)) for n in (18, 8, 7, 7))
    group = pl.when(pl.col("rep").is_in(top)).then(pl.lit("top")).otherwise(pl.lit("rest"))
    calls = calls_s.with_columns(g=group)
    conv = calls.group_by("rep", "g").agg(pl.col("questions", "talk_ratio").mean()).group_by("g").agg(
        pl.col("questions", "talk_ratio").mean())
    conv = {r["g"]: r for r in conv.to_dicts()}
    assert conv["top"]["questions"] > conv["rest"]["questions"] + 3
    assert conv["top"]["talk_ratio"] < conv["rest"]["talk_ratio"] - 0.08
    opp = latest_opportunities(root).rename({"OwnerId": "rep"}).with_columns(g=group)
    closed = opp.filter(bool_true("IsClosed"))
    win = closed.group_by("rep", "g").agg(bool_true("IsWon").mean().alias("win")).group_by("g").agg(pl.col("win").mean())
    win = dict(zip(win["g"], win["win"]))
    assert win["top"] > win["rest"] + 0.1
    ocr = read_csv(root / "crm/OpportunityContactRole.csv").group_by("OpportunityId").len()
    roles = opp.join(ocr, left_on="Id", right_on="OpportunityId").group_by("g").agg(pl.col("len").mean())
    roles = dict(zip(roles["g"], roles["len"]))
    assert roles["top"] >= 4 and roles["rest"] <= 2.2


def test_planted_escalation_patterns(zone, calls_s):
    root, s = zone
    calls = calls_s
    monday = AS_OF - dt.timedelta(days=AS_OF.weekday())

    def window_mean(rep: str, weeks_before: int) -> float:
        end = monday - dt.timedelta(weeks=weeks_before)
        w = calls.filter((pl.col("rep") == rep) & (pl.col("started").dt.date() < end)
                         & (pl.col("started").dt.date() >= end - dt.timedelta(days=30)))
        return w["questions"].mean()

    p = s["planted"]
    # (a) collapse: above target before, below target at each of the last 4+ weekly windows
    assert window_mean(p["collapse"], 12) > 11
    assert all(window_mean(p["collapse"], k) < 11 for k in range(0, 5))
    # (b) flagged at the first two backfilled weeks, then a >10% jump that stays below target
    r12, r11, r10 = (window_mean(p["reset"], k) for k in (12, 11, 10))
    assert r12 < 11 and abs(r11 / r12 - 1) < 0.1 and r10 / r11 > 1.1
    assert all(window_mean(p["reset"], k) < 11 for k in range(0, 10))
    # (c) flagged a few weeks, then back above target
    assert window_mean(p["resolved"], 8) < 11 and window_mean(p["resolved"], 1) > 11
    # improvers improve, decliners decline over the last 16 weeks
    for rep in p["improvers"]:
        assert window_mean(rep, 0) > window_mean(rep, 16)
    for rep in p["decliners"]:
        assert window_mean(rep, 0) < window_mean(rep, 16)
    # (d) an AE far below 50% attainment in the current quarter
    q_start = dt.date(AS_OF.year, 3 * ((AS_OF.month - 1) // 3) + 1, 1).isoformat()
    rep = p["low_attainment"]
    assert s["sellers"][rep]["role"] == "AE"
    quota = read_csv(root / "crm/ForecastingQuota.csv").filter(
        (pl.col("QuotaOwnerId") == rep) & (pl.col("StartDate") == q_start))
    won = latest_opportunities(root).filter((pl.col("OwnerId") == rep) & bool_true("IsWon")
                                            & (pl.col("CloseDate") >= q_start))
    assert won["Amount"].cast(pl.Float64).sum() < 0.25 * float(quota[0, "QuotaAmount"])


def test_sellers_have_external_calls_every_month(zone, calls_s):
    root, s = zone
    calls = calls_s
    for k in range(0, 90, 3):
        end = AS_OF - dt.timedelta(weeks=k)
        w = calls.filter((pl.col("started").dt.date() <= end) & (pl.col("started").dt.date() > end - dt.timedelta(days=30)))
        counts = w.group_by("rep").len()
        assert counts.height == len(s["sellers"]) and counts["len"].min() >= 3


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


# --- stale pipeline and fiscal year -------------------------------------------------------------------
def test_open_deals_past_their_close_date_at_every_size(zone, xs_zones):
    for root, _ in (zone, xs_zones["a"], xs_zones["c"]):
        opp = latest_opportunities(root).filter(~bool_true("IsClosed"))
        close = opp["CloseDate"].str.to_date(strict=False).drop_nulls()
        past = [(AS_OF - d).days for d in close.to_list() if d < AS_OF]
        assert sum(1 <= p <= 90 for p in past) >= 5, root
        assert sum(p > 90 for p in past) >= 5 and max(past) > 150, root


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
