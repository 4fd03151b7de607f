-- One row per fiscal quarter x role x group: the mean of the rep-level metrics of
-- rep_performance over the group's members (means ignore nulls: a rep without a value adds
-- nothing; avg_deal_size is money: its exact mean, rounded to the cent). A group without
-- members has no row.
{%- set top_share = var('top_group_share') %}
{%- set metrics = [
    'attainment', 'win_rate', 'avg_deal_size', 'avg_sales_cycle_days', 'avg_stakeholders',
    'avg_days_to_meeting', 'champion_identification_rate', 'economic_buyer_rate',
    'avg_daily_activities_30d', 'avg_talk_ratio', 'avg_questions_per_call',
    'avg_longest_monologue_s', 'avg_patience_s',
] %}

with reps as (
    select
        *,
        -- The 'Top 25%' rule, the same as rep_performance's top_* columns.
        overall_rank <= ceil({{ top_share }} * total_reps) as is_top_group
    from {{ ref('rep_performance') }}
),

-- A rep can be in several groups (e.g. Top Performers, Top 25% and All).
group_members as (
    select 'Top Performers (100%+ attainment)' as group_name, 1 as group_order, *
    from reps
    where attainment >= 1.0
    union all
    select 'Top 25%', 2, *
    from reps
    where is_top_group
    union all
    -- Ranked (non-null attainment) and not in the Top 25%.
    select 'Rest', 3, *
    from reps
    where overall_rank is not null and not is_top_group
    union all
    select 'All', 4, *
    from reps
)

select
    fiscal_quarter,
    role,
    group_name as "group",
    count(*) as rep_count
    {%- for metric in metrics %},
    {%- if metric == 'avg_deal_size' %}
    {{ money_mean(metric) }} as {{ metric }}
    {%- else %}
    avg({{ metric }}) as {{ metric }}
    {%- endif %}
    {%- endfor %}
from group_members
group by fiscal_quarter, role, group_name, group_order
order by fiscal_quarter, role, group_order
