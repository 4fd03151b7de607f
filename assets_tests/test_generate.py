"""Tests of the synthetic landing-zone generator (coaching_pipeline.generate).

One S landing zone is generated per module; determinism and the scale/seed independence of
the planted quarantine rows use the internal XS scale (same shape, fewer sellers).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import polars as pl
import pytest

from coaching_pipeline.generate import QUARANTINE, generate_landing_zone
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
    for name, seed in (("a", 42), ("b", 42), ("c", 43)):
        out = tmp_path_factory.mktemp(f"landing_xs_{name}")
        runs[name] = (out, generate_landing_zone(out, scale="XS", seed=seed, as_of=AS_OF))
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
        if obj.name == "organization":
            continue  # optional (an org without it gets the configured defaults); not generated
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


def test_salesforce_ids_and_mixed_formats(zone):
    root, _ = zone
    prefixes = {"User": "005", "UserRole": "00E", "Account": "001", "Contact": "003", "Opportunity": "006",
                "OpportunityContactRole": "00k", "Task": "00T", "Event": "00U", "ForecastingQuota": "0J9",
                "Period": "026", "OpportunityHistory": "008", "OpportunityFieldHistory": "017"}
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
    import coaching_pipeline.generate as gen
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
