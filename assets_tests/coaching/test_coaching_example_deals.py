"""Example deals behind a coaching event (coaching/example_deals.py) on a hand-made book of
deals, and how the manager digest lists an event's examples (digests/documents.examples_of)."""

import datetime as dt
import json
from decimal import Decimal

import polars as pl

from coaching_pipeline.coaching.evidence import SCHEMAS, Evidence, conform
from coaching_pipeline.coaching.example_deals import deals_by_rep, example_deals
from coaching_pipeline.config import load_settings
from coaching_pipeline.digests.documents import examples_of

CFG = load_settings(None).coaching  # 90-day deal window, late stage at probability 60, early = 30 days
D = dt.date(2026, 11, 9)  # the assessment: closed deals of 2026-08-11..2026-11-08, open at D


def deal(i, close, *, closed=True, won=False, cycle=60, amount="10000.00", medd=None, champ=True, eb=True):
    return {"opportunity_id": f"O{i}", "opportunity_name": f"Deal {i}", "owner_id": "R1",
            "amount": Decimal(amount), "created_date": close - dt.timedelta(days=cycle), "close_date": close,
            "is_closed": closed, "is_won": won, "deal_status": "won" if won else "lost" if closed else "open",
            "meddpicc_completeness": medd, "has_champion": champ, "has_economic_buyer": eb, "sales_cycle_days": cycle}


DEALS = [
    deal(1, dt.date(2026, 11, 2)),  # lost, reached a late stage on 2026-10-20
    deal(2, dt.date(2026, 10, 1), cycle=20),  # lost early (20 days)
    deal(3, dt.date(2026, 9, 15), cycle=95),  # lost, slow
    deal(4, dt.date(2026, 8, 1)),  # lost before the window
    deal(5, dt.date(2026, 10, 10), won=True, amount="5000.00"),
    deal(6, dt.date(2026, 9, 1), won=True, amount="25000.00"),
    deal(7, dt.date(2026, 12, 15), closed=False, medd=0.25, champ=False),
    deal(8, dt.date(2027, 1, 20), closed=False, medd=0.5, eb=False, cycle=120),
    deal(9, dt.date(2027, 2, 1), closed=False, medd=0.125, cycle=150),
]


def evidence() -> Evidence:
    deals = conform(pl.DataFrame(DEALS, infer_schema_length=None), SCHEMAS["deals"])
    stages = conform(pl.DataFrame([{"opportunity_id": "O1", "probability": 60.0, "created_date": dt.date(2026, 10, 20)},
                                   {"opportunity_id": "O3", "probability": 40.0, "created_date": dt.date(2026, 9, 1)}]),
                     SCHEMAS["stage_history"])
    moved = conform(pl.DataFrame([{"opportunity_id": "O6", "field_name": "CloseDate", "old_value": "2026-08-15",
                                   "new_value": "2026-09-01", "created_date": dt.date(2026, 8, 10)}]),
                    SCHEMAS["close_date_history"])
    return Evidence(deals=deals, stage_history=stages, close_date_history=moved)


def picked(component: str) -> list[tuple[str, str]]:
    rep_deals = deals_by_rep(evidence(), CFG)["R1"]
    event = {"status": "open", "_weakest": component, "last_assessed_on": D}
    return [(d["opportunity_id"], d["detail"]) for d in json.loads(example_deals(event, rep_deals, CFG))]


def test_the_deals_behind_each_deal_component():
    assert picked("win_rate") == [("O1", "lost"), ("O2", "lost"), ("O3", "lost")]  # latest first; O4 is too old
    assert picked("late_stage_win_rate") == [("O1", "lost after reaching a late stage")]
    assert picked("early_disqualification_rate") == [("O3", "lost after 95 days"), ("O1", "lost after 60 days")]
    assert picked("deal_size_vs_role_median") == [("O5", "won"), ("O6", "won")]  # smallest first
    assert picked("close_date_kept_rate") == [("O6", "close date moved later")]
    assert picked("meddpicc_completeness") == [("O9", "MEDDPICC 13% filled"), ("O7", "MEDDPICC 25% filled"),
                                               ("O8", "MEDDPICC 50% filled")]
    assert picked("champion_and_eb_rate") == [("O8", "no economic buyer"), ("O7", "no champion")]  # latest close first


def test_no_examples_where_deals_cannot_show_the_gap():
    rep_deals = deals_by_rep(evidence(), CFG)["R1"]
    assert example_deals({"status": "open", "_weakest": "talk_ratio", "last_assessed_on": D}, rep_deals, CFG) is None
    assert example_deals({"status": "resolved", "_weakest": "win_rate", "last_assessed_on": D}, rep_deals, CFG) is None
    assert example_deals({"status": "open", "_weakest": "win_rate", "last_assessed_on": D}, None, CFG) == "[]"


def test_the_digest_lists_up_to_three_examples_with_safe_links_only():
    calls = json.dumps([{"call_id": "1", "title": "Intro <b>", "url": "https://app.gong.io/call?id=1",
                         "call_date": "2026-11-02"},
                        {"call_id": "2", "title": "Demo", "url": "javascript:alert(1)", "call_date": "2026-11-03"}])
    deals = json.dumps([{"opportunity_name": "Deal 7", "close_date": "2026-12-15", "detail": "no champion"},
                        {"opportunity_name": "Deal 8", "close_date": "2027-01-20", "detail": "no economic buyer"}])
    assert examples_of({"example_calls": calls, "example_deals": deals}) == [
        {"title": "Intro <b>", "url": "https://app.gong.io/call?id=1", "date": "2026-11-02", "detail": None},
        {"title": "Demo", "url": None, "date": "2026-11-03", "detail": None},
        {"title": "Deal 7", "url": None, "date": "2026-12-15", "detail": "no champion"}]
    assert examples_of({"example_calls": None, "example_deals": "not json"}) == []
