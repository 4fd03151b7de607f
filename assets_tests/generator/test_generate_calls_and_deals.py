"""Tests of the generated Gong calls and CRM deals (coaching_sample_generator, sample_generator/):
Gong pages, cursors, re-delivered calls, transcripts and scorecards; the planted signal (top
sellers' calls and deals, escalation patterns, external calls every month) and the stale open
pipeline at every size. The zones are built in conftest.py.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import polars as pl
import pytest

from .helpers import AS_OF, bool_true, latest_opportunities, read_csv, utc

# The session fixtures (conftest.py) are built once: every module using them is in this group,
# so pytest-xdist runs them all on one worker.
pytestmark = pytest.mark.xdist_group("generate")


@pytest.fixture(scope="module")
def calls_s(zone, gong):
    return external_calls(zone[0], zone[1], gong)


# --- helpers -----------------------------------------------------------------------------------
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
    # the rest are competent on most skills, so the margin is smaller than a planted gap's
    assert conv["top"]["questions"] > conv["rest"]["questions"] + 2
    assert conv["top"]["talk_ratio"] < conv["rest"]["talk_ratio"] - 0.03
    opp = latest_opportunities(root).rename({"OwnerId": "rep"}).with_columns(g=group)
    closed = opp.filter(bool_true("IsClosed"))
    win = closed.group_by("rep", "g").agg(bool_true("IsWon").mean().alias("win")).group_by("g").agg(pl.col("win").mean())
    win = dict(zip(win["g"], win["win"]))
    assert win["top"] > win["rest"] + 0.2
    ocr = read_csv(root / "crm/OpportunityContactRole.csv").group_by("OpportunityId").len()
    roles = opp.join(ocr, left_on="Id", right_on="OpportunityId").group_by("g").agg(pl.col("len").mean())
    roles = dict(zip(roles["g"], roles["len"]))
    assert roles["top"] >= 4 and roles["rest"] <= 2.2


def test_a_planted_gap_shows_in_its_own_metric_only(zone, calls_s):
    """A seller with a chronic discovery gap asks about half the questions of a seller without
    one; a presentation gap talks far more; the truth file beside the zone says who."""
    root, s = zone
    truth_file = Path(s["ground_truth"])
    assert truth_file.parent == root.parent and not truth_file.is_relative_to(root)
    truth = json.loads(truth_file.read_text())

    def reps(skill, kinds=None):
        return [g["rep_id"] for g in truth["gaps"] if g["skill"] == skill and (kinds is None or g["kind"] in kinds)]

    recent = calls_s.filter(pl.col("started").dt.date() >= AS_OF - dt.timedelta(days=30))
    chronic = recent.filter(pl.col("rep").is_in(reps("discovery", ("chronic",))))["questions"].mean()
    without = recent.filter(~pl.col("rep").is_in(reps("discovery")))["questions"].mean()
    assert chronic < 7 and without > 10.5
    talk_gap = calls_s.filter(pl.col("rep").is_in(reps("presentation")))["talk_ratio"].mean()
    talk_rest = calls_s.filter(~pl.col("rep").is_in(reps("presentation")))["talk_ratio"].mean()
    assert talk_gap > talk_rest + 0.08
    # the org-wide MEDDPICC gap is a process gap of every role; nobody else's gap is
    assert {(p["role"], p["skill"]) for p in truth["process_gaps"]} == {
        (r, "qualification") for r in ("AE", "SDR", "AM", "CSM")}
    thin = s["planted"]["thin_evidence"]
    assert thin and all(not g["detectable"] for g in truth["gaps"] if g["rep_id"] in thin and g["skill"] == "discovery")


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
    r12, r11, r8 = (window_mean(p["reset"], k) for k in (12, 11, 8))
    assert r12 < 11 and abs(r11 / r12 - 1) < 0.1 and r8 / r11 > 1.1
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


def test_sellers_have_external_calls_every_month_but_the_thin_evidence_ones(zone, calls_s):
    root, s = zone
    calls = calls_s
    for k in range(0, 90, 3):
        end = AS_OF - dt.timedelta(weeks=k)
        w = calls.filter((pl.col("started").dt.date() <= end) & (pl.col("started").dt.date() > end - dt.timedelta(days=30)))
        counts = dict(w.group_by("rep").len().iter_rows())
        thin = s["planted"]["thin_evidence"]
        assert all(counts.get(rep, 0) >= 3 for rep in s["sellers"] if rep not in thin)
        # the thin-evidence sellers stay below the 3 calls a conversation component needs
        assert all(counts.get(rep, 0) < 3 for rep in thin)


# --- stale pipeline -------------------------------------------------------------------------------
def test_open_deals_past_their_close_date_at_every_size(zone, xs_zones):
    for root, _ in (zone, xs_zones["a"], xs_zones["c"]):
        opp = latest_opportunities(root).filter(~bool_true("IsClosed"))
        close = opp["CloseDate"].str.to_date(strict=False).drop_nulls()
        past = [(AS_OF - d).days for d in close.to_list() if d < AS_OF]
        assert sum(1 <= p <= 90 for p in past) >= 5, root
        assert sum(p > 90 for p in past) >= 5 and max(past) > 150, root
