{{ config(meta={'dagster': {'ref': {'name': 'role_metrics'}}}) }}
-- In role_metrics a count-based rate is set exactly when its denominator reaches the
-- metric's minimum sample (roles.min_sample, or roles.min_sample_by_metric[<column>]), and
-- then equals numerator / denominator. Each failing row is a seller, month and metric with
-- the rate, its numerator and denominator and the minimum sample applied.
{%- set count_rates = [
    ('renewal_rate', []), ('renewals_opened_late_share', ['renewals_opened_late']),
    ('expansion_conversion', []), ('ttv_attainment', []), ('milestones_on_time', []),
    ('escalation_rate', []), ('meeting_acceptance', []), ('qualified_conversion', [])] %}
with metrics as (
    select * from {{ ref('role_metrics') }}
),

rates as (
    {%- for rate, other_names in count_rates %}
    select rep_id, month_start, '{{ rate }}' as metric, {{ rate }} as rate,
        cast({{ rate }}_numerator as bigint) as numerator, cast({{ rate }}_denominator as bigint) as denominator,
        {{ [min_sample_for(rate, other_names), 1] | max }} as min_sample
    from metrics
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
    union all
    select rep_id, month_start, 'stage_conversions ' || entry.stage_pair, entry.rate, entry.converted,
        entry.left_stage, {{ [min_sample_for('stage_conversions', ['stage_conversion']), 1] | max }}
    from (select rep_id, month_start, unnest(stage_conversions) as entry from metrics)
    union all
    select rep_id, month_start, 'response_by_step ' || entry.sequence_step, entry.rate, entry.responses,
        entry.touches, {{ [min_sample_for('response_by_step', ['response_rate_by_step']), 1] | max }}
    from (select rep_id, month_start, unnest(response_by_step) as entry from metrics)
)

select *
from rates
where (denominator >= min_sample) <> (rate is not null)
   or abs(rate - cast(numerator as double) / denominator) > 1e-9
