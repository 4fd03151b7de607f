"""What every table and column of schema `coaching` means, stored in DuckDB itself as
COMMENT ON TABLE / COMMENT ON COLUMN, the way dbt's persist_docs documents the marts: an
analyst reads them with `select table_name, comment from duckdb_tables()` or
`duckdb_columns()`, in the warehouse and in the published copy (publish._copy_comments).

`comment_coaching_tables` writes every comment in one pass and refuses (UndocumentedColumn,
before writing anything) a coaching table or column that exists in the database without a
description here, so a new column cannot ship undocumented. schema.ensure_schema calls
`document_coaching_tables`, which costs one catalog query when the comments are already
current and runs the pass otherwise (a new warehouse, an older one, a table created since,
a description edited here); it never writes on a read-only connection.

Timestamps are naive TIMESTAMP columns holding UTC. Defaults quoted below (thresholds,
windows) are those of settings.yaml `coaching:`, which may change them.
"""

from __future__ import annotations

import duckdb

from ..db import is_read_only, transaction
from .state_dates import SCHEMA

_REP = ("Seller's CRM User Id: joins marts.sellers.rep_id (and intermediate.int_users.user_id, "
        "marts.rep_performance.rep_id).")
_MANAGER = ("User Id of the seller's manager (first-line manager): marts.sellers.manager_id, "
            "a user in intermediate.int_users.")
_SLM = ("User Id of the second-line manager (the manager's manager): marts.sellers.slm_id; "
        "null when the manager has no manager in the CRM.")
_ROLE = "Sales role of the seller: AE, AM, CSM or SDR (as in marts.sellers.role)."
_EVENT = "Coaching event (coaching_log.coaching_id)"

TABLES: dict[str, str] = {
    "skill_assessment_log": (
        "Weekly skill scores, one row per seller x skill x assessment_date (a Monday): the six skills "
        "(discovery, qualification, presentation, objection_handling, negotiation, closing) plus 'overall'. "
        "Conversation evidence is the seller's External Gong calls (and answered scorecards) of the 30 days "
        "before the assessment date; deal evidence the deals closed in the 90 days before it plus the open "
        "deals. Append-only and kept across runs: a week already logged is never rewritten (only `coaching "
        "state purge` removes weeks). Every coaching event, history row and automatic escalation is "
        "re-derived from this table."
    ),
    "coaching_log": (
        "Coaching events, one row per seller x pattern x opening week: a skill gap found at a weekly "
        "assessment opens an event with a recommended action that waits for the manager's approval; the "
        "rep sees only approved_action, never a pending or dismissed recommendation. Re-derived from "
        "skill_assessment_log at every weekly run without touching the decision columns (approval_status, "
        "decided_by, decided_at, decision_note, approved_action). Its weekly clock is in coaching_history, "
        "its escalations in escalations, the audit of decisions in decisions."
    ),
    "coaching_history": (
        "The weekly persistence clock of each coaching event: one row per event x weekly assessment from "
        "the week it opened until the week it resolved (or the latest week). Rewritten with coaching_log "
        "at every replay. Join to coaching_log on coaching_id."
    ),
    "escalations": (
        "Escalations of a seller to their manager and/or second-line manager (SLM), one row each. Rules: "
        "persistence (same skill gap at 3 consecutive weekly assessments without a 10% improvement, to the "
        "SLM, again every 3 more weeks), attainment (AE below 50% of quota with fewer than 42 days left in "
        "the quarter, to manager and SLM), bottom_quartile (overall score in the bottom quartile of the "
        "role for 30+ days, to the manager) and manual (a manager's on-demand escalation with a note, to "
        "the SLM). Without an SLM, what goes to the SLM goes to the manager. Automatic rows are re-derived "
        "from skill_assessment_log at each weekly run; manual rows are never changed."
    ),
    "daily_flags": (
        "Point alerts for managers (never shown to the rep) raised by the nightly run: attainment (an AE "
        "below 50% of quota with fewer than 42 days left in the quarter) and large_deal_red (an open deal "
        "above 100,000 in the corporate currency falling into the red health band of "
        "marts.deal_health_scores). One row per seller x rule x week x deal: a flag already raised that "
        "week is not raised again. Append-only."
    ),
    "decisions": (
        "Audit of what managers did, one row per action, append-only and never purged: approving, "
        "modifying or dismissing a coaching event (coaching_log keeps only the outcome) and manual "
        "escalations. Dated by the wall clock (UTC) when the action was taken."
    ),
    "applied_decisions": (
        "What the coaching step applied from the decisions store (the workbench and `coaching approvals`, "
        "`coaching escalate`): one row per store decision or escalation request, written in the same "
        "transaction as its change to coaching_log / escalations, so each is applied exactly once even if "
        "the run stops before the store marks it applied. Append-only."
    ),
    "action_outcomes": (
        "What reps did with their next best actions (marts.next_best_actions), copied whole from the "
        "decisions store at the start of each run: done, or deferred until a date (hidden until then). "
        "One row per outcome recorded; a later outcome for the same deal, or an undo, sets undone_at."
    ),
    "process_gaps": (
        "Process gaps: a role cohort where more than half of the scored sellers (at least 4) have the same skill "
        "gap at one weekly assessment, e.g. an org that does not fill MEDDPICC. Reported once (to the SLM and on "
        "the data page) instead of a coaching event per seller: nobody's row is flagged for that skill that week. "
        "One row per role x skill x assessment_date; derived from skill_assessment_log by every replay."
    ),
    "state_purges": (
        "Internal audit of `coaching state purge --after DATE`: one row per purge that changed something "
        "(it removed coaching state dated after DATE and replayed the weeks left). Dry runs and purges "
        "that changed nothing are not recorded. Not published to analytics.duckdb."
    ),
    "llm_cache": (
        "Internal cache of the AI narratives of the monthly rep digests (strengths, improvement, this "
        "week) written by Claude, keyed by the hash of everything sent, so re-rendering a month costs no "
        "tokens and gives the same text. Failed answers are never cached. Holds no transcript or name, "
        "only validated answers. Not published to analytics.duckdb."
    ),
}

COLUMNS: dict[str, dict[str, str]] = {
    "skill_assessment_log": {
        "rep_id": _REP,
        "role": _ROLE + " Role at the assessment: cohort_percentile compares sellers of the same role.",
        "manager_id": _MANAGER + " Manager at the assessment.",
        "assessment_date": "Monday of the weekly assessment; the evidence windows end the day before.",
        "skill": "discovery, qualification, presentation, objection_handling, negotiation, closing, or overall "
                 "(weighted mean of the non-null skills: 20/15/20/15/15/15%, renormalised).",
        "score": "Score 0-100 (1 decimal): mean of the skill's non-null component scores. Null = insufficient "
                 "data (no component had enough evidence), never 0.",
        "level": "Level of the score: Expert (90-100), Proficient (75-89.9), Developing (60-74.9), Needs "
                 "Coaching (40-59.9), Critical (< 40); null when score is null.",
        "components": "JSON list, every component of the skill in a fixed order, null ones included: {component, "
                      "value, target_low, target_high, score, evidence_count}. value and target in the "
                      "component's unit (count, seconds for *_s, share 0-1 for ratios and rates, multiple for "
                      "deal_size_vs_role_median, 0-100 for scorecard_*; target_high 1000000 = no upper "
                      "bound); score 0-100, null when evidence_count (calls or deals) is below the minimum "
                      "(3). For 'overall': the six skills, value = skill score, target 70-100.",
        "gap_detected": "True when score < 70 (a gap: may open a coaching event); false when score is null.",
        "severity": "Severity of a gap: high (score < 40), medium (40-59.9), low (60-69.9); null without a gap.",
        "evidence_source": "JSON list of the evidence behind the non-null components, among gong_calls, "
                           "scorecards, crm_deals; '[]' when none.",
        "trend": "improving / stable / deteriorating: change of the score since the same skill 7 days earlier "
                 "(recomputed on that week's evidence), improving or deteriorating at 5 points or more; null "
                 "when either score is null.",
        "cohort_percentile": "Percentile 0-100 (1 decimal) of the score among sellers of the same role and skill "
                             "at this assessment_date ((rank - 1) / (n - 1) x 100, tied scores sharing their "
                             "mid-rank); null when score is null and for a cohort of one (no peer). Below 25 on "
                             "'overall' = bottom quartile; below 35 on a skill with a gap opens an event.",
        "weakest_component": "The lowest-scoring non-null component (e.g. questions_per_call); for 'overall', the "
                             "lowest skill. Null when score is null.",
        "weakest_value": "Value of weakest_component in its unit (see components; for 'overall' the skill score).",
        "weakest_target": "Target band of weakest_component as text in its unit, e.g. '11-14', '>= 1', "
                          "'0-150', '100' (scorecards); '70-100' for 'overall'.",
    },
    "coaching_log": {
        "coaching_id": "Id of the coaching event: 'C' + 12 hex digits of a hash of rep_id, pattern_key and "
                       "opened_on. Joins coaching_history, escalations and decisions on coaching_id.",
        "rep_id": _REP,
        "rep_name": "Seller's name (intermediate.int_users.user_name) at the latest replay; null when unknown.",
        "role": _ROLE + " Role of the seller's latest assessment.",
        "manager_id": _MANAGER + " The seller's current manager: the only user who may decide on the event.",
        "slm_id": _SLM,
        "pattern_key": "What the event is about: 'skill:<skill>' (e.g. skill:discovery), the skill of "
                       "skill_assessment_log that showed the gap.",
        "pattern_detected": "Plain text of the latest flagged assessment with its numbers, e.g. 'Discovery 55.0 "
                            "(Needs Coaching): 8.2 questions per call vs target 11-14'.",
        "recommended_action": "Action the engine recommends for the latest flagged assessment; shown to the rep "
                              "only once approved (see approved_action).",
        "opened_on": "assessment_date of the first flagged assessment (week 1 of the clock).",
        "last_assessed_on": "assessment_date of the latest scored assessment folded into the event (for a "
                            "resolved event, the week that resolved it).",
        "weeks_flagged": "Current week of the persistence clock (1, 2, ...): +1 per consecutive flagged weekly "
                         "assessment, back to 1 after a 10% relative improvement; a multiple of 3 escalates. "
                         "Not a total count of flagged weeks.",
        "escalated_to_slm": "True once the persistence rule escalated the event (to the SLM, or to the manager "
                            "when there is no SLM: see escalations.escalated_to).",
        "escalation_date": "assessment_date of the first persistence escalation; null if never escalated.",
        "escalation_reason": "Text of the first persistence escalation (scores and dates behind it).",
        "resolution_date": "assessment_date at which the pattern was no longer flagged; null while open.",
        "improvement_detected": "True when the event resolved (score back at or above 70); false while open.",
        "status": "open or resolved.",
        "approval_status": "The manager's decision: pending_approval (new, default), approved, modified or "
                           "dismissed (kept, never shown to the rep). Never changed by a replay.",
        "decided_by": "User Id of the manager who decided (the seller's manager at the time); null while "
                      "pending.",
        "decided_at": "When the manager decided (timestamp, UTC); null while pending.",
        "decision_note": "The manager's note on a dismissal; null otherwise.",
        "approved_action": "What the rep may see: recommended_action when approved, the manager's own text "
                           "when modified; null when pending or dismissed.",
        "sample_size": "Evidence behind the latest flagged week: the evidence_count of the skill's weakest "
                       "component (External calls, scorecard answers, closed or open deals); null when unknown.",
        "benchmark_value": "The score the seller was compared with at the latest flagged week: the 35th "
                           "percentile (cohort_gap_percentile) of the role cohort's scores that week.",
        "benchmark_cohort": "That benchmark's cohort in words, e.g. '35th percentile of 18 AE sellers scored "
                            "on 2026-11-09'.",
        "surfaced_on": "assessment_date the event got one of the seller's 3 focus-area slots (max_open_focus_areas) "
                       "and went to the manager; null while queued.",
        "example_calls": "JSON list of up to 3 of the seller's External Gong calls of the 30 days before the latest "
                         "assessment that show the gap most (call_id, title, url, call_date, value of the weakest "
                         "component), worst first; [] when none has the metric; null when the weakest component is "
                         "not a per-call metric or the event is resolved.",
        "example_deals": "JSON list of up to 3 of the seller's deals of the latest assessment's windows that show the "
                         "gap (opportunity_id, opportunity_name, close_date, amount, detail), e.g. the lost deals "
                         "behind a low win rate or the least complete open deals behind MEDDPICC completeness; [] "
                         "when none does; null when the weakest component is not a deal one or the event is resolved.",
        "queued": "True: open but waiting for a free focus-area slot (the seller has 3 more severe or older ones); "
                  "shown to the manager as queued, not offered for a decision, still escalated. False otherwise.",
    },
    "coaching_history": {
        "coaching_id": _EVENT + " this week belongs to.",
        "assessment_date": "Monday of the weekly assessment (skill_assessment_log.assessment_date).",
        "flagged": "True: the gap was still there; false: the week that resolved the event; null: the skill "
                   "had insufficient data that week (the clock did not move).",
        "metric_value": "The skill's score that week (0-100, skill_assessment_log.score); null with "
                        "insufficient data.",
        "clock_week": "Persistence clock after this week (coaching_log.weeks_flagged then); null on the "
                      "resolving week.",
        "clock_reset": "True when the score improved by 10% or more (relative) on the previous scored week and "
                       "the clock restarted at week 1.",
        "escalated": "True when the clock reached 3 (or 6, 9, ...) this week and raised a persistence "
                     "escalation (escalations.rule = 'persistence').",
    },
    "escalations": {
        "escalation_id": "Id of the escalation: 'E' + 12 hex digits of a hash of rule, rep_id, pattern_key and "
                         "escalation_date (manual: of rep, manager and time).",
        "rep_id": _REP,
        "role": _ROLE,
        "rule": "Why: persistence, attainment, bottom_quartile or manual (see the table's description).",
        "pattern_key": "skill:<skill> (persistence), metric:attainment, metric:overall_bottom_quartile, or "
                       "manual.",
        "coaching_id": _EVENT + " escalated, for rule persistence; null for the other rules.",
        "escalated_to": "Who is notified: slm, manager, or manager_and_slm. 'manager' also where a seller "
                        "without an SLM had an escalation meant for the SLM (the reason then says so).",
        "manager_id": _MANAGER,
        "slm_id": _SLM,
        "escalation_date": "assessment_date (Monday) whose assessment triggered it; for a manual escalation "
                           "the UTC date it was made.",
        "reason": "Plain text with the numbers behind the escalation (scores, dates, attainment, percentiles) "
                  "or, for manual, the manager's note.",
        "history": "JSON list, oldest first, of the weeks behind it. persistence: the event's coaching_history "
                   "rows; attainment: {assessment_date, attainment (share 0-1), days_left} of the quarter; "
                   "bottom_quartile: {assessment_date, overall_score, cohort_percentile} of the streak; manual: "
                   "the last 12 overall assessments {assessment_date, overall_score, level, cohort_percentile}.",
        "escalated_by": "User Id of the manager who escalated manually; null for automatic rules.",
        "escalated_at": "When the manual escalation was made (timestamp, UTC); null for automatic rules.",
    },
    "daily_flags": {
        "flag_id": "Id of the flag: 'F' + 12 hex digits of a hash of rep_id, rule, flag_week and opportunity_id.",
        "rep_id": _REP,
        "manager_id": _MANAGER + " The flag's recipient.",
        "rule": "attainment (AE below 50% of quota, fewer than 42 days left) or large_deal_red (open deal above "
                "100,000 in the red health band).",
        "flag_week": "Monday of flag_date: a flag is raised at most once per seller, rule, week and deal.",
        "flag_date": "Date of the nightly run (its as_of) that first raised the flag.",
        "detail": "Plain text for the manager: attainment and days left, or the deal, its amount, health score "
                  "and risk reasons.",
        "opportunity_id": "The deal of a large_deal_red flag (CRM Opportunity Id: "
                          "marts.deal_health_scores.opportunity_id); null for attainment.",
    },
    "decisions": {
        "decision_id": "Increasing number of the action, in the order actions were taken.",
        "coaching_id": _EVENT + " decided on; null for a manual escalation.",
        "rep_id": _REP,
        "decision": "approved, modified, dismissed (on a coaching event) or escalated (manual escalation).",
        "decided_by": "User Id of the manager who acted (the seller's manager).",
        "decided_at": "When the manager acted (timestamp, UTC).",
        "action_text": "Action the rep may see after it: the recommended action (approved) or the manager's "
                       "text (modified); null for dismissed and escalated.",
        "note": "The manager's note: the reason of a dismissal (optional) or of a manual escalation.",
    },
    "applied_decisions": {
        "store_uuid": "Id of the decisions store the row came from (its store_identity), so a new store "
                      "whose ids restart is never taken for rows already applied.",
        "store_kind": "decision (a manager's approve / modify / dismiss) or escalation_request (a manual "
                      "escalation).",
        "store_id": "Id of the row in the store's decision or escalation_request table.",
        "applied_at": "When the coaching step applied it (timestamp, UTC).",
        "result": "applied; unknown_event (its coaching event is no longer in coaching_log: nothing changed); "
                  "refused (the warehouse refused it, see detail: nothing changed).",
        "detail": "Why it was not applied; null when applied.",
    },
    "action_outcomes": {
        "outcome_id": "Id of the outcome in the decisions store.",
        "opportunity_id": "The deal of the next best action (marts.next_best_actions.opportunity_id).",
        "rep_id": _REP,
        "outcome": "done, or deferred (until deferred_until).",
        "deferred_until": "The date a deferred action shows again; null when done.",
        "reason": "The rep's reason (optional).",
        "decided_by": "User Id of who marked it (the rep).",
        "decided_at": "When it was marked (timestamp, UTC).",
        "undone_at": "When it was withdrawn or replaced by a later outcome for the same deal (UTC); null "
                     "while it holds.",
        "copied_at": "When the coaching step copied it from the store (timestamp, UTC).",
    },
    "process_gaps": {
        "role": _ROLE,
        "skill": "The skill of the gap (skill_assessment_log.skill).",
        "assessment_date": "Monday of the weekly assessment.",
        "scored_sellers": "Sellers of the role with a score for the skill that week.",
        "sellers_with_gap": "Of them, those below the gap threshold (70).",
        "share_with_gap": "sellers_with_gap / scored_sellers (above 0.5 for a process gap).",
        "median_score": "Median score of the sellers of the role with a score that week.",
        "common_weakest_component": "The weakest component most of the sellers with the gap share (ties: "
                                    "alphabetical); null when none is known.",
    },
    "state_purges": {
        "purge_id": "Increasing number of the purge.",
        "purged_at": "When the purge ran (timestamp, UTC).",
        "after_date": "The purge's --after DATE: rows dated strictly after it were removed.",
        "purged_by": "Who purged: the --by value, else the operating-system user.",
        "rows_removed": "JSON {table: rows removed} over every coaching state table.",
        "rows_rederived": "JSON {table: rows the replay of the remaining weeks rewrote or added}.",
        "dry_run": "Always false: dry runs are not recorded.",
    },
    "llm_cache": {
        "cache_key": "SHA-256 (hex) of the prompt version, model, system prompt, output schema and the rep's "
                     "metrics sent.",
        "model": "Claude model id that wrote the answer.",
        "prompt_version": "Version of the digest prompt the answer was obtained with.",
        "response": "The validated answer, JSON {strengths, improvement, this_week}: lists of sentences.",
        "input_tokens": "Input tokens billed for the answer.",
        "output_tokens": "Output tokens billed for the answer.",
        "created_at": "When the answer was first obtained (timestamp, UTC).",
    },
}


class UndocumentedColumn(RuntimeError):
    """A coaching table or column exists in the database without a description here."""


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _catalog(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str | None], str | None]:
    """{(table, None): table comment, (table, column): column comment} of the coaching tables
    of the connection's database (one query)."""
    where = f"where database_name = current_database() and schema_name = '{SCHEMA}'"
    rows = con.execute(
        f"select table_name, null, comment from duckdb_tables() {where} "
        f"union all select table_name, column_name, comment from duckdb_columns() {where}"
    ).fetchall()
    return {(table, column): comment for table, column, comment in rows}


def _doc(table: str, column: str | None) -> str | None:
    return TABLES.get(table) if column is None else COLUMNS.get(table, {}).get(column)


def _comment_all(con: duckdb.DuckDBPyConnection, catalog: dict[tuple[str, str | None], str | None]) -> int:
    undocumented = sorted(
        f"{SCHEMA}.{t}" + ("" if c is None else f".{c}") for t, c in catalog if not (_doc(t, c) or "").strip()
    )
    if undocumented:
        raise UndocumentedColumn(
            f"{', '.join(undocumented)} {'has' if len(undocumented) == 1 else 'have'} no description: "
            "describe every coaching table (TABLES) and column (COLUMNS) in "
            "coaching_pipeline/coaching/table_docs.py, for the analysts who read the comments"
        )
    statements = [
        f'COMMENT ON TABLE {SCHEMA}."{t}" IS {_sql_text(_doc(t, c))}' if c is None
        else f'COMMENT ON COLUMN {SCHEMA}."{t}"."{c}" IS {_sql_text(_doc(t, c))}'
        for t, c in sorted(catalog, key=lambda key: (key[0], key[1] or ""))
    ]
    with transaction(con):  # one transaction: atomic, and half the cost of autocommit
        for statement in statements:
            con.execute(statement)
    return len(statements)


def comment_coaching_tables(con: duckdb.DuckDBPyConnection) -> int:
    """COMMENT ON every table of schema `coaching` that exists and on each of its columns, in
    one transaction (the caller's when one is open). Raises UndocumentedColumn naming every
    table or column without a description, before writing anything. Returns the statements
    issued."""
    return _comment_all(con, _catalog(con))


def document_coaching_tables(con: duckdb.DuckDBPyConnection) -> int:
    """comment_coaching_tables when a coaching table or column lacks its comment or carries
    another text than the one here; else nothing (one catalog query). Never writes on a
    read-only connection. Returns the statements issued."""
    catalog = _catalog(con)
    if all(comment is not None and comment == _doc(t, c) for (t, c), comment in catalog.items()):
        return 0
    if is_read_only(con):
        return 0
    return _comment_all(con, catalog)
