"""Shared helpers of the skill assessment tests (plain module, no tests): hand-made evidence
(coaching/evidence.py frames) and readers of component scores and weekly assessments. The
assessment date is Monday 2025-06-02 (DAY); settings are the defaults of settings.yaml."""

from __future__ import annotations

import datetime as dt

import polars as pl

from coaching_pipeline.coaching.evidence import SCHEMAS, Evidence
from coaching_pipeline.coaching.skills import OUTPUT_SCHEMA, assess_week, component_scores
from coaching_pipeline.config import SELLER_ROLES, load_settings

D = dt.date
DAY = D(2025, 6, 2)  # a Monday
CFG = load_settings().coaching  # the defaults, whatever $COACHING_CONFIG says


def ago(days: int) -> dt.date:
    return DAY - dt.timedelta(days=days)


def frame(name: str, rows: list[dict]) -> pl.DataFrame:
    schema = SCHEMAS[name]
    for row in rows:
        assert set(row) <= set(schema), f"unknown columns for {name}: {set(row) - set(schema)}"
    return pl.DataFrame([{k: row.get(k) for k in schema} for row in rows], schema=schema)


def user(uid, role="AE", manager="MGR", active=True):
    return {"user_id": uid, "user_name": f"User {uid}", "role": role, "is_seller": role in SELLER_ROLES,
            "is_active": active, "manager_id": manager, "slm_id": "SLM", "team_id": f"{manager}|{role}"}


def call(cid, rep, days_ago, external=True, **metrics):
    return {"call_id": cid, "rep_id": rep, "call_date": ago(days_ago), "is_external": external, **metrics}


def deal(oid, owner, created_ago, close_ago, status, amount=None, **facts):
    """close_ago < 0: a close date after d. Champion and economic buyer are False unless
    given, as int_deal_facts gives them in an org with MEDDPICC fields or contact roles;
    None is an org without either (not delivered)."""
    created, close = ago(created_ago), ago(close_ago)
    closed = status != "open"
    return {"opportunity_id": oid, "owner_id": owner, "amount": amount, "created_date": created,
            "close_date": close, "is_closed": closed, "is_won": status == "won", "deal_status": status,
            "sales_cycle_days": (close - created).days if closed else None,
            "has_champion": False, "has_economic_buyer": False, **facts}


def evidence(users=(), calls=(), answers=(), questions=(), deals=(), stages=(), close_dates=(), quota=(),
             line_items=()):
    return Evidence(
        users=frame("users", [user("MGR", role="MANAGER", manager=None), *users]),
        calls=frame("calls", list(calls)),
        scorecard_answers=frame("scorecard_answers", list(answers)),
        scorecard_questions=frame("scorecard_questions", list(questions)),
        deals=frame("deals", list(deals)),
        stage_history=frame("stage_history", list(stages)),
        close_date_history=frame("close_date_history", list(close_dates)),
        quota_periods=frame("quota_periods", list(quota)),
        line_items=frame("line_items", list(line_items)),
    )


def components_of(ev, rep, day=DAY):
    """{component: (value rounded 4, evidence_count, score rounded 3)} of one rep."""
    rows = component_scores(ev, day, CFG).filter(pl.col("rep_id") == rep).to_dicts()
    return {r["component"]: (None if r["value"] is None else round(r["value"], 4), r["evidence_count"],
                              None if r["score"] is None else round(r["score"], 3)) for r in rows}


def assess_week_checked(ev, day=DAY):
    out = assess_week(ev, day, CFG)
    assert out.schema == pl.Schema(OUTPUT_SCHEMA)
    # one row per seller x (six skills + overall)
    assert out.group_by("rep_id").len()["len"].to_list() == [7] * out["rep_id"].n_unique()
    return out


def rows_of(assessment, rep):
    return {r["skill"]: r for r in assessment.filter(pl.col("rep_id") == rep).to_dicts()}
