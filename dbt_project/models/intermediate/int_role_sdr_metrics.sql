-- One row per SDR and fiscal month of int_seller_months: touches, meetings, responses by
-- sequence step and cadence, and qualified opportunities in the month itself (roles
-- contract, SDR: SDR rates are monthly, not over the role window), before the
-- minimum-sample rule and the benchmarks (role_metrics applies them).
-- Decisions (written in role_metrics' YAML too):
-- - a touch: an activity of the SDR (int_activities: Task, Event or activity-log row) of
--   type email, call or social, dated in the month (up to as_of);
-- - a response: a touch whose outcome (activity log, outcome_kind) is replied,
--   meeting_booked or connected;
-- - a meeting booked: an activity of the SDR in the month whose outcome is meeting_booked.
--   When the org's activity log carries no outcome at all, the SDR's meetings and demos
--   (Events, activity-log meetings) in the month are the meetings booked instead, so the
--   metric is not 0 for an org that never exports outcomes;
-- - qualified_conversion: opportunities the SDR sourced (int_opportunity_kinds.sdr_id)
--   created in the month that reached the qualified Probability by as_of / meetings booked
--   in the month.
-- Response lists need outcomes: without any delivered outcome they are null; the step list
-- also needs sequence steps (int_source_coverage.has_sequences), the cadence list a
-- delivered cadence_type.
{%- set step_min = [min_sample_for('response_by_step', ['response_rate_by_step']), 1] | max %}
{%- set cadence_min = [min_sample_for('response_by_cadence', ['response_rate_by_cadence']), 1] | max %}
with sdr_months as (
    select rep_id, month_start, window_end
    from {{ ref('int_seller_months') }}
    where role = 'SDR'
),

coverage as (
    select has_sequences from {{ ref('int_source_coverage') }}
),

log_details as (
    select activity_key, outcome_kind, sequence_step, cadence_type
    from {{ ref('stg_activity__activities') }}
),

delivered as (
    select
        count(outcome_kind) > 0 as has_outcomes,
        count(cadence_type) > 0 as has_cadences
    from log_details
),

activities as (
    select
        sdr_months.rep_id,
        sdr_months.month_start,
        activities.activity_type,
        activities.activity_type in ('email', 'call', 'social') as is_touch,
        log_details.outcome_kind,
        log_details.sequence_step,
        log_details.cadence_type,
        coalesce(log_details.outcome_kind in ('replied', 'meeting_booked', 'connected'), false) as is_response
    from sdr_months
    inner join {{ ref('int_activities') }} as activities
        on activities.rep_id = sdr_months.rep_id
        and activities.activity_date between sdr_months.month_start and sdr_months.window_end
    -- An equality on one expression (not origin = ... and source_id = ...), so DuckDB
    -- hash-joins instead of looping over every pair.
    left join log_details
        on case when activities.origin = 'activity_log' then activities.source_id end = log_details.activity_key
),

month_counts as (
    select
        rep_id,
        month_start,
        count(*) filter (where is_touch) as touches,
        count(*) filter (where outcome_kind = 'meeting_booked') as meetings_by_outcome,
        count(*) filter (where activity_type in ('meeting', 'demo')) as meetings_by_activity
    from activities
    group by rep_id, month_start
),

-- Response rates per sequence step and per cadence type, each against the median of the
-- month's SDRs for the same step or cadence (macros/role_metric_helpers.sql).
step_lists as (
    {{ response_rates('sequence_step', 'cast(sequence_step as integer)', step_min, 'response_by_step') }}
),

cadence_lists as (
    {{ response_rates('cadence_type', 'cadence_type', cadence_min, 'response_by_cadence') }}
),

qualified as (
    select
        sdr_months.rep_id,
        sdr_months.month_start,
        count(*) filter (where kinds.is_qualified) as qualified_opportunities,
        count(*) as sourced_opportunities
    from sdr_months
    inner join {{ ref('int_opportunity_kinds') }} as kinds
        on kinds.sdr_id = sdr_months.rep_id
        and kinds.created_date between sdr_months.month_start and sdr_months.window_end
    group by sdr_months.rep_id, sdr_months.month_start
)

select
    sdr_months.rep_id,
    sdr_months.month_start,
    coalesce(month_counts.touches, 0) as touches,
    case
        when delivered.has_outcomes then coalesce(month_counts.meetings_by_outcome, 0)
        else coalesce(month_counts.meetings_by_activity, 0)
    end as meetings_booked,
    case when delivered.has_outcomes then 'outcome' else 'meeting_activity' end as meetings_booked_source,
    coalesce(qualified.qualified_opportunities, 0) as qualified_opportunities,
    coalesce(qualified.sourced_opportunities, 0) as sourced_opportunities,
    case when delivered.has_outcomes and coverage.has_sequences then coalesce(step_lists.response_by_step, []) end
        as response_by_step,
    case when delivered.has_outcomes and delivered.has_cadences then coalesce(cadence_lists.response_by_cadence, []) end
        as response_by_cadence
from sdr_months
cross join coverage
cross join delivered
left join month_counts using (rep_id, month_start)
left join step_lists using (rep_id, month_start)
left join cadence_lists using (rep_id, month_start)
left join qualified using (rep_id, month_start)
