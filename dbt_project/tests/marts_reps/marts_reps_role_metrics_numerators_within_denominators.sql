{{ config(meta={'dagster': {'ref': {'name': 'role_metrics'}}}) }}
-- In role_metrics every count-based rate's numerator lies within [0, denominator], and so do
-- the counts inside the stage and response lists. qualified_conversion is left out: it is a
-- cohort ratio (qualified opportunities created in the month / the month's meetings) that can
-- exceed 1. Each failing row is a seller, month and metric with both numbers.
{%- set count_rates = ['renewal_rate', 'renewals_opened_late_share', 'expansion_conversion', 'ttv_attainment',
                       'milestones_on_time', 'escalation_rate', 'meeting_acceptance'] %}
with metrics as (
    select * from {{ ref('role_metrics') }}
),

pairs as (
    {%- for rate in count_rates %}
    select rep_id, month_start, '{{ rate }}' as metric,
        cast({{ rate }}_numerator as bigint) as numerator, cast({{ rate }}_denominator as bigint) as denominator
    from metrics
    union all
    {%- endfor %}
    select rep_id, month_start, 'stage_conversions ' || entry.stage_pair, entry.converted, entry.left_stage
    from (select rep_id, month_start, unnest(stage_conversions) as entry from metrics)
    union all
    select rep_id, month_start, 'response_by_step ' || entry.sequence_step, entry.responses, entry.touches
    from (select rep_id, month_start, unnest(response_by_step) as entry from metrics)
    union all
    select rep_id, month_start, 'response_by_cadence ' || entry.cadence_type, entry.responses, entry.touches
    from (select rep_id, month_start, unnest(response_by_cadence) as entry from metrics)
    union all
    select rep_id, month_start, 'book_tier_drops', book_tier_drops, book_accounts
    from metrics
)

select *
from pairs
where numerator < 0
   or numerator > denominator
   -- book_tier_drops is null without cs/ health data while the book (CRM) is counted.
   or (metric <> 'book_tier_drops' and (numerator is null) <> (denominator is null))
