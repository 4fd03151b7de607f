{{ config(meta={'dagster': {'ref': {'name': 'rep_performance'}}}) }}
-- The top_* columns of rep_performance are the 'Top 25%' row of top_performer_patterns for
-- the seller's role and quarter (null when that row does not exist). The two models
-- compute the group separately; this keeps them in step (to float precision: the means
-- may be summed in a different order).
{%- set pairs = [
    ('top_avg_stakeholders', 'avg_stakeholders'),
    ('top_avg_days_to_meeting', 'avg_days_to_meeting'),
    ('top_champion_rate', 'champion_identification_rate'),
    ('top_eb_rate', 'economic_buyer_rate'),
    ('top_avg_win_rate', 'win_rate'),
    ('top_daily_30d', 'avg_daily_activities_30d'),
] %}
select performance.rep_id, performance.fiscal_quarter
from {{ ref('rep_performance') }} as performance
left join {{ ref('top_performer_patterns') }} as patterns
    on performance.role = patterns.role
    and performance.fiscal_quarter = patterns.fiscal_quarter
    and patterns."group" = 'Top 25%'
where false
{%- for top_column, group_column in pairs %}
   or (performance.{{ top_column }} is null) <> (patterns.{{ group_column }} is null)
   or abs(performance.{{ top_column }} - patterns.{{ group_column }})
      > 1e-9 * greatest(1, abs(patterns.{{ group_column }}))
{%- endfor %}
