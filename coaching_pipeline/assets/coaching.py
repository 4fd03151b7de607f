"""Coaching assets: the weekly skill assessment with the coaching log and escalations it
drives (Monday partitions), and the nightly daily flags. The logic lives in
coaching_pipeline.coaching; these assets read the warehouse, call it and record counts."""

import datetime as dt

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
    multi_asset,
)

from .. import preflight
from ..coaching import rules, state
from ..coaching.evidence import load_evidence
from ..coaching.purge import warehouse_replay
from ..coaching.schema import ensure_schema
from ..coaching.skills import assess_week
from ..coaching.state_dates import check_dates, check_weeks
from ..coaching.wording import NO_SLM_NOTE
from ..config import settings, utc_today
from ..partitions import WEEKLY_PARTITIONS, requested_keys
from ..resources import WRITER_POOL, RunSettings, Warehouse
from .decisions_store import APPLIED_DECISIONS

ASSESSMENTS = AssetKey(["coaching", "skill_assessment_log"])
COACHING_LOG = AssetKey(["coaching", "coaching_log"])
ESCALATIONS = AssetKey(["coaching", "escalations"])
DAILY_FLAGS = AssetKey(["coaching", "daily_flags"])

_EVIDENCE_MODELS = [
    AssetKey(["intermediate", name])
    for name in ("int_users", "int_gong_calls", "int_deal_facts", "int_quota_periods")
] + [
    AssetKey(["staging", name])
    for name in (
        "stg_gong__scorecard_answers",
        "stg_gong__scorecard_questions",
        "stg_salesforce__opportunity_history",
        "stg_salesforce__opportunity_field_history",
        "stg_salesforce__opportunity_line_items",
    )
]
# The role patterns (role_patterns.py) are read from the mart by the replay.
ROLE_METRICS = AssetKey(["marts", "role_metrics"])


@multi_asset(
    specs=[
        AssetSpec(ASSESSMENTS, deps=_EVIDENCE_MODELS, group_name="coaching", kinds={"duckdb", "polars"},
                  description="Weekly skill scores per seller (six skills and overall), append-only."),
        AssetSpec(COACHING_LOG, deps=[ASSESSMENTS, APPLIED_DECISIONS, ROLE_METRICS], group_name="coaching", kinds={"duckdb", "polars"},
                  description="Coaching events behind the manager approval gate, with their persistence clock."),
        AssetSpec(ESCALATIONS, deps=[ASSESSMENTS, ROLE_METRICS], group_name="coaching", kinds={"duckdb", "polars"},
                  description="Escalations to managers and second-line managers with their weekly history."),
    ],
    partitions_def=WEEKLY_PARTITIONS,
    backfill_policy=BackfillPolicy.single_run(),
    pool=WRITER_POOL,
)
def weekly_coaching(context: AssetExecutionContext, warehouse: Warehouse, run: RunSettings):
    # A backfill of a range of weeks is one run (BackfillPolicy.single_run): every week of
    # the range is assessed, then the log is replayed once.
    weeks_run = sorted(dt.date.fromisoformat(key) for key in requested_keys(context, WEEKLY_PARTITIONS))
    # Dagster runs a range reaching past the last partition and fails only when it records
    # the output, after the state is written: refuse such weeks before touching anything.
    today, as_of = utc_today(), run.as_of_date()
    check_weeks(weeks_run, as_of=as_of, today=today)
    cfg = settings().coaching
    with warehouse.connect() as con:
        understood = _preflight(context, con)
        if understood.nothing_to_coach:  # a plain sentence, not a crash on empty evidence
            raise Failure(description=understood.nothing_to_coach,
                          metadata={"preflight": MetadataValue.md(understood.markdown())})
        ensure_schema(con)
        evidence = load_evidence(con)
        done = state.assessed_weeks(con)
        # Re-running a week changes nothing: its rows are written once.
        saved = sum(
            state.save_assessments(con, assess_week(evidence, week, cfg), as_of=as_of, today=today)
            for week in weeks_run if week not in done
        )
        weeks = state.assessed_weeks(con)
        # The log is a fold over every week assessed so far, so weeks run out of order
        # (a backfill) end in the same state as weeks run in order; `coaching state purge`
        # persists the same replay.
        counts = state.apply_replay(con, warehouse_replay(con, cfg, evidence), today=today)
        run_rows = con.execute(
            "select count(*), count(*) filter (where gap_detected) from coaching.skill_assessment_log "
            "where assessment_date between ? and ?",
            [weeks_run[0], weeks_run[-1]],
        ).fetchone()
        totals = con.execute(
            "select (select count(*) from coaching.coaching_log), "
            "(select count(*) from coaching.coaching_log where status = 'open'), "
            "(select count(*) from coaching.coaching_log where approval_status = 'pending_approval' and status = 'open' "
            "and not coalesce(queued, false)), "
            "(select count(*) from coaching.escalations), "
            "(select count(*) from coaching.skill_assessment_log)"
        ).fetchone()
        # process gaps of the latest week, reported once here instead of an event per seller
        gaps = con.execute(
            "select role, skill, sellers_with_gap, scored_sellers, common_weakest_component, assessment_date "
            "from coaching.process_gaps where assessment_date = (select max(assessment_date) from "
            "coaching.process_gaps) order by role, skill").fetchall()
        # the missing link the coaching contract asks the run to name
        without_slm = con.execute(
            "select count(*), count(distinct manager_id), string_agg(distinct coalesce(manager_id, '?'), ', ') "
            "from coaching.escalations where slm_id is null and escalated_to = 'manager' and reason like ?",
            [f"%{NO_SLM_NOTE}"],
        ).fetchone()
    already = [week.isoformat() for week in weeks_run if week in done]
    context.log.info(
        f"weeks {weeks_run[0]}..{weeks_run[-1]}: {saved} rows assessed"
        f"{f', already assessed {already}' if already else ''}; replay {counts}"
    )
    yield MaterializeResult(
        asset_key=ASSESSMENTS,
        metadata={
            "assessment_dates": ", ".join(week.isoformat() for week in weeks_run),
            "already_assessed": ", ".join(already) or "none",
            "rows_written": saved,
            "rows_in_run_weeks": run_rows[0],
            "gaps_in_run_weeks": run_rows[1],
            "weeks_assessed": len(weeks),
            "dagster/row_count": totals[4],
            "preflight": MetadataValue.md(understood.markdown()),
        },
    )
    if gaps:
        context.log.warning(f"process gaps on {gaps[0][5]} (no event per seller): " + "; ".join(
            f"{role} {skill} {with_gap} of {scored}" for role, skill, with_gap, scored, _, _ in gaps))
    yield MaterializeResult(
        asset_key=COACHING_LOG,
        metadata={
            **{f"replay_{k}": v for k, v in counts.items()},
            "dagster/row_count": totals[0],
            "open_events": totals[1],
            "pending_approval": totals[2],
            "process_gaps_latest_week": MetadataValue.md(_process_gaps_table(gaps)),
        },
    )
    if without_slm[0]:
        context.log.warning(
            f"{without_slm[0]} escalation(s) meant for a second-line manager went to the manager instead: "
            f"managers without a manager in the CRM: {without_slm[2]}"
        )
    yield MaterializeResult(asset_key=ESCALATIONS, metadata={
        "dagster/row_count": totals[3],
        "sent_to_manager_no_slm": without_slm[0],
        "managers_without_manager": without_slm[2] or "none",
    })


def _process_gaps_table(gaps: list[tuple]) -> str:
    """The latest week's process gaps as the run's metadata shows them (Markdown)."""
    if not gaps:
        return "No process gap: no role cohort has more than half of its sellers below 70 on one skill."
    lines = [f"Process gaps on {gaps[0][5]}: reported once, no coaching event per seller.", "",
             "| role | skill | sellers below 70 | most common weakest component |", "|---|---|---|---|"]
    lines += [f"| {role} | {skill} | {with_gap} of {scored} | {component or 'n/a'} |"
              for role, skill, with_gap, scored, component, _ in gaps]
    return "\n".join(lines)


@asset(
    key=DAILY_FLAGS,
    deps=[AssetKey(["marts", "rep_performance"]), AssetKey(["marts", "deal_health_scores"]), APPLIED_DECISIONS],
    group_name="coaching",
    pool=WRITER_POOL,
    kinds={"duckdb", "polars"},
    description="Point alerts for managers from the nightly run (attainment rule, large deal "
    "falling to red), once per rep, rule and week.",
)
def daily_flags(context: AssetExecutionContext, warehouse: Warehouse, run: RunSettings) -> MaterializeResult:
    with warehouse.connect() as con:
        understood = _preflight(context, con)  # the nightly's first step after dbt
        ensure_schema(con)
        run_date = run.as_of_date() or con.execute("select as_of from intermediate.int_as_of").fetchone()[0]
        # Refused even when no flag would be raised: a run dated after today is the mistake.
        check_dates("raise daily flags dated", [run_date], as_of=run_date)
        performance = con.execute("select * from marts.rep_performance where is_current_quarter").pl()
        deals = con.execute("select * from marts.deal_health_scores").pl()
        flags = rules.daily_flags(performance, deals, run_date, settings().coaching)
        raised = state.save_daily_flags(con, flags, as_of=run_date)
        total = con.execute("select count(*) from coaching.daily_flags").fetchone()[0]
    context.log.info(f"{len(flags)} flags as of {run_date}, {raised} new")
    return MaterializeResult(
        metadata={"run_date": run_date.isoformat(), "flags_found": len(flags), "flags_raised": raised,
                  "dagster/row_count": total, "preflight": MetadataValue.md(understood.markdown())}
    )


def _preflight(context: AssetExecutionContext, con) -> preflight.Preflight:
    """What the run understood of the data (coaching_pipeline/preflight.py), in the step's log."""
    understood = preflight.preflight(con)
    context.log.info("\n".join(understood.lines()))
    return understood
