-- One row per seller per fiscal quarter (every seller x every quarter of
-- int_fiscal_quarters): quota and attainment, deal and conversation metrics, the team and
-- the role's 'Top 25%' group for comparison, and the primary coaching need.
-- A quarter's window is [quarter_start, window_end = least(quarter_end, as_of)]; "closed in
-- the quarter" means is_closed and close_date inside the window.
{%- set top_share = var('top_group_share') %}
{%- set gap_threshold = var('coaching_gap_threshold') %}
{%- set window_days = var('activity_window_days') | int %}
{#- The coaching metrics in the contract's order (ties go to the earlier one):
    (need, rep-level column, top column, which direction is better). -#}
{%- set coaching_metrics = [
    ('multithreading', 'avg_stakeholders', 'top_avg_stakeholders', 'higher'),
    ('speed_to_meeting', 'avg_days_to_meeting', 'top_avg_days_to_meeting', 'lower'),
    ('champion_identification', 'champion_identification_rate', 'top_champion_rate', 'higher'),
    ('economic_buyer_access', 'economic_buyer_rate', 'top_eb_rate', 'higher'),
    ('win_rate', 'win_rate', 'top_avg_win_rate', 'higher'),
    ('activity_volume', 'avg_daily_activities_30d', 'top_daily_30d', 'higher'),
] %}

with as_of as (
    select as_of from {{ ref('int_as_of') }}
),

quarters as (
    select
        fiscal_quarter,
        quarter_start,
        quarter_end,
        window_end,
        is_current_quarter,
        days_in_quarter,
        elapsed_days,
        fiscal_year_start
    from {{ ref('int_fiscal_quarters') }}
),

sellers as (
    select
        user_id as rep_id,
        user_name as rep_name,
        role,
        manager_id,
        manager_name,
        slm_id,
        team_id
    from {{ ref('int_users') }}
    where is_seller
),

-- The grain: every seller in every quarter.
rep_quarters as (
    select sellers.*, quarters.*
    from sellers
    cross join quarters
),

deals as (
    select
        deals.opportunity_id,
        deals.owner_id as rep_id,
        deals.amount,
        deals.close_date,
        deals.stakeholder_count,
        deals.days_to_meeting,
        deals.has_champion,
        deals.has_economic_buyer,
        deals.sales_cycle_days,
        -- A close dated after as_of has not happened yet on as_of.
        deals.is_closed and deals.close_date <= as_of.as_of as is_closed_on_as_of,
        deals.is_won and deals.close_date <= as_of.as_of as is_won_on_as_of
    from {{ ref('int_deal_facts') }} as deals, as_of
),

-- Deals closed (won or lost) inside the quarter's window.
closed_deal_metrics as (
    select
        quarters.fiscal_quarter,
        deals.rep_id,
        sum(deals.amount) filter (where deals.is_won_on_as_of) as closed_won_amount,
        count(*) filter (where deals.is_won_on_as_of) as won_count,
        count(*) filter (where not deals.is_won_on_as_of) as lost_count,
        -- Exact mean, rounded to the cent; deals without an amount are left out.
        {{ money_mean('case when deals.is_won_on_as_of then deals.amount end') }} as avg_deal_size,
        avg(deals.sales_cycle_days) filter (where deals.is_won_on_as_of) as avg_sales_cycle_days,
        avg(deals.stakeholder_count) as avg_stakeholders,
        -- avg skips deals without a meeting (null days_to_meeting).
        avg(deals.days_to_meeting) as avg_days_to_meeting,
        avg(cast(deals.has_champion as double)) as champion_identification_rate,
        avg(cast(deals.has_economic_buyer as double)) as economic_buyer_rate
    from deals
    inner join quarters
        on deals.close_date between quarters.quarter_start and quarters.window_end
    where deals.is_closed_on_as_of
    group by quarters.fiscal_quarter, deals.rep_id
),

-- Won amount from the start of the fiscal year to the quarter's window end.
ytd_won as (
    select
        quarters.fiscal_quarter,
        deals.rep_id,
        sum(deals.amount) as ytd_closed_won_amount
    from deals
    inner join quarters
        on deals.close_date between quarters.fiscal_year_start and quarters.window_end
    where deals.is_won_on_as_of
    group by quarters.fiscal_quarter, deals.rep_id
),

-- Open pipeline of the quarter: deals still open on as_of whose CloseDate falls anywhere in
-- the quarter (the full quarter, not only the elapsed window: an open deal expected to
-- close later this quarter is this quarter's pipeline).
open_pipeline as (
    select
        quarters.fiscal_quarter,
        deals.rep_id,
        sum(deals.amount) as open_pipeline_amount
    from deals
    inner join quarters
        on deals.close_date between quarters.quarter_start and quarters.quarter_end
    where not deals.is_closed_on_as_of
    group by quarters.fiscal_quarter, deals.rep_id
),

-- Quota of a window, pro rata by day: each overlapping quota row adds quota_amount x
-- overlap_days / coverage_days, exactly, and the sum is rounded to the cent once. A quota
-- row in an unknown currency (null quota_amount) adds nothing.
quota_windows as (
    select
        quarters.fiscal_quarter,
        quota.rep_id,
        quota.quota_amount,
        quota.coverage_days,
        least(quota.coverage_end, quarters.quarter_end)
            - greatest(quota.coverage_start, quarters.quarter_start) + 1 as quarter_overlap_days,
        least(quota.coverage_end, quarters.window_end)
            - greatest(quota.coverage_start, quarters.fiscal_year_start) + 1 as ytd_overlap_days
    from {{ ref('int_quota_periods') }} as quota
    inner join quarters
        on quota.coverage_start <= quarters.quarter_end
        and quota.coverage_end >= quarters.fiscal_year_start
    where quota.quota_amount is not null
),

quarter_quota as (
    select
        fiscal_quarter,
        rep_id,
        {{ pro_rata_to_money('sum(' ~ pro_rata_share('quota_amount', 'quarter_overlap_days', 'coverage_days') ~ ')') }}
            as quota_amount
    from quota_windows
    where quarter_overlap_days > 0
    group by fiscal_quarter, rep_id
),

ytd_quota as (
    select
        fiscal_quarter,
        rep_id,
        {{ pro_rata_to_money('sum(' ~ pro_rata_share('quota_amount', 'ytd_overlap_days', 'coverage_days') ~ ')') }}
            as ytd_quota_amount
    from quota_windows
    where ytd_overlap_days > 0
    group by fiscal_quarter, rep_id
),

-- External Gong calls started in the window; avg skips calls missing a stat.
call_metrics as (
    select
        quarters.fiscal_quarter,
        calls.rep_id,
        count(*) as calls_count,
        avg(calls.talk_ratio) as avg_talk_ratio,
        avg(calls.questions_company_count) as avg_questions_per_call,
        avg(calls.longest_monologue_s) as avg_longest_monologue_s,
        avg(calls.patience_s) as avg_patience_s
    from {{ ref('int_gong_calls') }} as calls
    inner join quarters
        on calls.call_date between quarters.quarter_start and quarters.window_end
    where calls.is_external
    group by quarters.fiscal_quarter, calls.rep_id
),

-- Mean activity_count of the rep_activities rows on Mon-Fri in the N calendar days ending
-- at the window end (days before the seller's first activity have no row).
daily_activity as (
    select
        quarters.fiscal_quarter,
        days.rep_id,
        avg(days.activity_count) as avg_daily_activities_30d
    from {{ ref('rep_activities') }} as days
    inner join quarters
        on days.activity_date between quarters.window_end - {{ window_days - 1 }} and quarters.window_end
    where days.is_business_day
    group by quarters.fiscal_quarter, days.rep_id
),

rep_metrics as (
    select
        rep_quarters.*,
        quarter_quota.quota_amount,
        coalesce(closed_deal_metrics.closed_won_amount, 0.00) as closed_won_amount,
        coalesce(ytd_won.ytd_closed_won_amount, 0.00) as ytd_closed_won_amount,
        ytd_quota.ytd_quota_amount,
        coalesce(closed_deal_metrics.won_count, 0) as won_count,
        coalesce(closed_deal_metrics.lost_count, 0) as lost_count,
        closed_deal_metrics.avg_deal_size,
        closed_deal_metrics.avg_sales_cycle_days,
        closed_deal_metrics.avg_stakeholders,
        closed_deal_metrics.avg_days_to_meeting,
        closed_deal_metrics.champion_identification_rate,
        closed_deal_metrics.economic_buyer_rate,
        coalesce(open_pipeline.open_pipeline_amount, 0.00) as open_pipeline_amount,
        coalesce(call_metrics.calls_count, 0) as calls_count,
        call_metrics.avg_talk_ratio,
        call_metrics.avg_questions_per_call,
        call_metrics.avg_longest_monologue_s,
        call_metrics.avg_patience_s,
        daily_activity.avg_daily_activities_30d
    from rep_quarters
    left join quarter_quota using (fiscal_quarter, rep_id)
    left join ytd_quota using (fiscal_quarter, rep_id)
    left join closed_deal_metrics using (fiscal_quarter, rep_id)
    left join ytd_won using (fiscal_quarter, rep_id)
    left join open_pipeline using (fiscal_quarter, rep_id)
    left join call_metrics using (fiscal_quarter, rep_id)
    left join daily_activity using (fiscal_quarter, rep_id)
),

rep_rates as (
    select
        *,
        -- Null when the quota is null or 0.
        closed_won_amount / nullif(quota_amount, 0) as attainment,
        elapsed_days / days_in_quarter as quota_pace,
        -- Null whenever the quarter has no quota (contract), else YTD won / YTD quota.
        case
            when nullif(quota_amount, 0) is not null
                then ytd_closed_won_amount / nullif(ytd_quota_amount, 0)
        end as ytd_attainment,
        -- Count-based; null without a closed deal.
        won_count / nullif(won_count + lost_count, 0) as win_rate
    from rep_metrics
),

-- Rank by attainment among the role's sellers with an attainment in the quarter (RANK():
-- ties share the best rank); unranked rows get null, total_reps is on every row.
ranked as (
    select
        *,
        case
            when attainment is not null
                then rank() over (
                    partition by role, fiscal_quarter, attainment is null
                    order by attainment desc
                )
        end as overall_rank,
        count(attainment) over (partition by role, fiscal_quarter) as total_reps
    from rep_rates
),

with_history as (
    select
        *,
        lag(attainment) over (partition by rep_id order by quarter_start) as prev_quarter_attainment,
        lag(overall_rank) over (partition by rep_id order by quarter_start) as prev_quarter_rank,
        count(*) over (partition by team_id, fiscal_quarter) as team_size,
        avg(win_rate) over (partition by team_id, fiscal_quarter) as team_avg_win_rate,
        {{ money_mean('avg_deal_size', 'over (partition by team_id, fiscal_quarter)') }} as team_avg_deal_size,
        avg(avg_sales_cycle_days) over (partition by team_id, fiscal_quarter) as team_avg_cycle,
        avg(avg_stakeholders) over (partition by team_id, fiscal_quarter) as team_avg_stakeholders,
        avg(avg_daily_activities_30d) over (partition by team_id, fiscal_quarter) as team_avg_daily_30d
    from ranked
),

-- The role's 'Top 25%' group (overall_rank <= ceil(share x total_reps)): the same means
-- as top_performer_patterns' 'Top 25%' row (checked by a data test). A role without a
-- ranked seller has no group, so its top columns stay null.
top_group as (
    select
        role,
        fiscal_quarter,
        avg(avg_stakeholders) as top_avg_stakeholders,
        avg(avg_days_to_meeting) as top_avg_days_to_meeting,
        avg(champion_identification_rate) as top_champion_rate,
        avg(economic_buyer_rate) as top_eb_rate,
        avg(win_rate) as top_avg_win_rate,
        avg(avg_daily_activities_30d) as top_daily_30d
    from ranked
    where overall_rank <= ceil({{ top_share }} * total_reps)
    group by role, fiscal_quarter
),

with_top as (
    select
        with_history.*,
        top_group.top_avg_stakeholders,
        top_group.top_avg_days_to_meeting,
        top_group.top_champion_rate,
        top_group.top_eb_rate,
        top_group.top_avg_win_rate,
        top_group.top_daily_30d
    from with_history
    left join top_group using (role, fiscal_quarter)
),

-- One row per rep, quarter and coaching metric with its relative gap to the top group
-- (positive = the rep is behind). Skipped: a null value, a null top or a top of 0.
coaching_gaps as (
    {%- for need, rep_column, top_column, better in coaching_metrics %}
    select
        rep_id,
        fiscal_quarter,
        '{{ need }}' as need,
        {{ loop.index }} as need_order,
        {{ rep_column }} as rep_value,
        {{ top_column }} as top_value,
        {%- if better == 'higher' %}
        ({{ top_column }} - {{ rep_column }}) / {{ top_column }} as gap
        {%- else %}
        ({{ rep_column }} - {{ top_column }}) / {{ top_column }} as gap
        {%- endif %}
    from with_top
    where {{ rep_column }} is not null
      and {{ top_column }} is not null
      and {{ top_column }} <> 0
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

-- The largest gap, when it exceeds the threshold (strictly); ties: the contract's order.
primary_needs as (
    select *
    from coaching_gaps
    where gap > {{ gap_threshold }}
    qualify row_number() over (partition by rep_id, fiscal_quarter order by gap desc, need_order) = 1
),

final as (
    select
        with_top.*,
        primary_needs.need as primary_coaching_need,
        primary_needs.rep_value as need_rep_value,
        primary_needs.top_value as need_top_value
    from with_top
    left join primary_needs using (rep_id, fiscal_quarter)
)

select
    rep_id,
    rep_name,
    role,
    manager_id,
    manager_name,
    slm_id,
    team_id,
    fiscal_quarter,
    quarter_start,
    quarter_end,
    window_end,
    is_current_quarter,
    corporate.corporate_iso_code as currency,
    cast(quota_amount as decimal(18, 2)) as quota_amount,
    cast(closed_won_amount as decimal(18, 2)) as closed_won_amount,
    attainment,
    quota_pace,
    cast(ytd_closed_won_amount as decimal(18, 2)) as ytd_closed_won_amount,
    cast(ytd_quota_amount as decimal(18, 2)) as ytd_quota_amount,
    ytd_attainment,
    prev_quarter_attainment,
    won_count,
    lost_count,
    win_rate,
    avg_deal_size,
    avg_sales_cycle_days,
    avg_stakeholders,
    avg_days_to_meeting,
    champion_identification_rate,
    economic_buyer_rate,
    cast(open_pipeline_amount as decimal(18, 2)) as open_pipeline_amount,
    calls_count,
    avg_talk_ratio,
    avg_questions_per_call,
    avg_longest_monologue_s,
    avg_patience_s,
    avg_daily_activities_30d,
    team_size,
    team_avg_win_rate,
    team_avg_deal_size,
    team_avg_cycle,
    team_avg_stakeholders,
    team_avg_daily_30d,
    -- A ratio, not money: the one place deal sizes meet a division.
    (avg_deal_size - team_avg_deal_size) / nullif(team_avg_deal_size, 0) as deal_size_vs_team_pct,
    avg_sales_cycle_days - team_avg_cycle as cycle_vs_team,
    overall_rank,
    total_reps,
    -- The role's 'Top 25%' group of the quarter (the same rule as the top_* columns and
    -- top_performer_patterns); false when unranked.
    coalesce(overall_rank <= ceil({{ top_share }} * total_reps), false) as is_top_25,
    prev_quarter_rank,
    top_avg_stakeholders,
    top_avg_days_to_meeting,
    top_champion_rate,
    top_eb_rate,
    top_avg_win_rate,
    top_daily_30d,
    primary_coaching_need,
    -- One sentence naming the rep's value and the top group's value (rates as whole
    -- percents, counts and days with one decimal).
    case primary_coaching_need
        when 'multithreading' then
            'Engage more people on each deal: your closed deals averaged '
            || printf('%.1f', need_rep_value) || ' stakeholders vs ' || printf('%.1f', need_top_value)
            || ' for the Top 25% of ' || role || 's.'
        when 'speed_to_meeting' then
            'Book the first meeting sooner: your deals took ' || printf('%.1f', need_rep_value)
            || ' days from creation to the first meeting vs ' || printf('%.1f', need_top_value)
            || ' days for the Top 25% of ' || role || 's.'
        when 'champion_identification' then
            'Identify a champion on more deals: ' || cast(round(need_rep_value * 100) as integer)
            || '% of your closed deals had one vs ' || cast(round(need_top_value * 100) as integer)
            || '% for the Top 25% of ' || role || 's.'
        when 'economic_buyer_access' then
            'Get to the economic buyer on more deals: ' || cast(round(need_rep_value * 100) as integer)
            || '% of your closed deals had one identified vs ' || cast(round(need_top_value * 100) as integer)
            || '% for the Top 25% of ' || role || 's.'
        when 'win_rate' then
            'Qualify harder and focus on winnable deals: your win rate was '
            || cast(round(need_rep_value * 100) as integer) || '% vs '
            || cast(round(need_top_value * 100) as integer) || '% for the Top 25% of ' || role || 's.'
        when 'activity_volume' then
            'Raise your daily activity: you averaged ' || printf('%.1f', need_rep_value)
            || ' calls, emails, meetings and demos per business day over the last {{ window_days }} days vs '
            || printf('%.1f', need_top_value) || ' for the Top 25% of ' || role || 's.'
    end as recommended_action
from final
cross join {{ ref('int_corporate_currency') }} as corporate
