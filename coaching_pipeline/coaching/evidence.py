"""The evidence of the weekly skill assessment, read once from the warehouse.

The intermediate tables hold the whole history (as of the latest run); `skills.assess_week`
filters them by date, so one read serves any number of weekly assessments (a backfill).
Every frame has a fixed schema (`SCHEMAS`): frames given to `Evidence` are cast to it, and
missing frames or columns become empty / null, so tests can build evidence by hand.

Empty and null mean "not delivered" (issue 19, not delivered is not zero), as the warehouse
gives them: an empty close_date_history is an org without CloseDate history (no
close-date-kept rate for anyone); a null meddpicc_completeness, has_champion or
has_economic_buyer is a deal of an org without that source (int_deal_facts,
int_source_coverage), left out of the component, never counted as 0 or false.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import duckdb
import polars as pl

S, F, INT, B, D = pl.Utf8, pl.Float64, pl.Int64, pl.Boolean, pl.Date
MONEY = pl.Decimal(18, 2)  # exact, in the corporate currency (int_deal_facts, int_quota_periods)

SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "users": {
        "user_id": S, "user_name": S, "role": S, "is_seller": B, "is_active": B,
        "manager_id": S, "slm_id": S, "team_id": S,
    },
    "calls": {
        "call_id": S, "rep_id": S, "call_date": D, "started_at": pl.Datetime("us"), "is_external": B,
        "talk_ratio": F, "questions_company_count": F, "longest_monologue_s": F, "patience_s": F,
        "longest_customer_story_s": F, "tracker_next_steps": F, "tracker_objection": F,
        "url": S, "title": S, "opportunity_id": S,
    },
    "scorecard_answers": {
        "scorecard_id": S, "call_id": S, "reviewed_user_id": S, "question_id": S, "score": F,
        "not_applicable": B,
    },
    "scorecard_questions": {
        "scorecard_id": S, "question_id": S, "question_text": S, "min_range": F, "max_range": F,
    },
    "deals": {
        "opportunity_id": S, "opportunity_name": S, "owner_id": S, "amount": MONEY, "created_date": D, "close_date": D,
        "is_closed": B, "is_won": B, "deal_status": S, "meddpicc_completeness": F,
        "has_champion": B, "has_economic_buyer": B, "sales_cycle_days": INT,
    },
    "stage_history": {"opportunity_id": S, "probability": F, "created_date": D},
    "close_date_history": {
        "opportunity_id": S, "field_name": S, "old_value": S, "new_value": S, "created_date": D,
    },
    "quota_periods": {
        "rep_id": S, "coverage_start": D, "coverage_end": D, "coverage_days": INT, "quota_amount": MONEY,
    },
    "line_items": {"opportunity_id": S, "quantity": F, "unit_price_local": MONEY, "discount_share": F},
}

# The warehouse query behind each frame (all dates: the assessment filters by date).
QUERIES: dict[str, str] = {
    "users": "from intermediate.int_users",
    "calls": "from intermediate.int_gong_calls",
    "scorecard_answers": "from staging.stg_gong__scorecard_answers",
    "scorecard_questions": "from staging.stg_gong__scorecard_questions",
    "deals": "from intermediate.int_deal_facts",
    "stage_history": "from staging.stg_salesforce__opportunity_history where probability is not null",
    "close_date_history": (
        "from staging.stg_salesforce__opportunity_field_history where lower(field_name) = 'closedate'"
    ),
    "quota_periods": "from intermediate.int_quota_periods",
    "line_items": "from staging.stg_salesforce__opportunity_line_items",
}


def conform(frame: pl.DataFrame | None, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """`frame` with exactly the columns of `schema`, cast to its types (missing: null)."""
    if frame is None:
        return pl.DataFrame(schema=schema)
    columns = []
    for name, dtype in schema.items():
        if name not in frame.columns:
            columns.append(pl.lit(None, dtype=dtype).alias(name))
        elif dtype == pl.Datetime("us") and isinstance(frame.schema[name], pl.Datetime):
            # time zone dropped (kept as UTC wall time): only the order of calls matters here
            column = pl.col(name)
            if frame.schema[name].time_zone is not None:
                column = column.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
            columns.append(column.cast(dtype).alias(name))
        else:
            columns.append(pl.col(name).cast(dtype).alias(name))
    return frame.select(columns)


@dataclass(frozen=True)
class Evidence:
    """Frames of the assessment inputs (see SCHEMAS for the columns of each)."""

    users: pl.DataFrame | None = None  # intermediate.int_users
    calls: pl.DataFrame | None = None  # intermediate.int_gong_calls
    scorecard_answers: pl.DataFrame | None = None  # staging.stg_gong__scorecard_answers
    scorecard_questions: pl.DataFrame | None = None  # staging.stg_gong__scorecard_questions
    deals: pl.DataFrame | None = None  # intermediate.int_deal_facts
    stage_history: pl.DataFrame | None = None  # staging.stg_salesforce__opportunity_history
    close_date_history: pl.DataFrame | None = None  # ..._opportunity_field_history, CloseDate only
    quota_periods: pl.DataFrame | None = None  # intermediate.int_quota_periods
    line_items: pl.DataFrame | None = None  # staging.stg_salesforce__opportunity_line_items (discounts)

    def __post_init__(self) -> None:
        for field in fields(self):
            object.__setattr__(self, field.name, conform(getattr(self, field.name), SCHEMAS[field.name]))


def load_evidence(con: duckdb.DuckDBPyConnection) -> Evidence:
    """Read every evidence table once (all dates) from the warehouse behind `con`."""
    frames = {}
    for name, source in QUERIES.items():
        columns = ", ".join(SCHEMAS[name])
        frames[name] = con.execute(f"select {columns} {source}").pl()
    return Evidence(**frames)


def sellers(evidence: Evidence) -> pl.DataFrame:
    """rep_id, role, manager_id, is_active of every seller of the evidence (one row each)."""
    return (
        evidence.users.filter(pl.col("is_seller").fill_null(False))
        .select(pl.col("user_id").alias("rep_id"), "role", "manager_id", "is_active")
        .unique("rep_id", keep="first")
    )
