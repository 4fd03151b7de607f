-- One row per seller per fiscal quarter (every seller x every quarter of
-- int_fiscal_quarters): quota and attainment, deal and conversation metrics, the team and
-- the role's 'Top 25%' group for comparison, and the primary coaching need.
-- A quarter's window is [quarter_start, window_end = least(quarter_end, as_of)]; "closed in
-- the quarter" means is_closed and close_date inside the window.
-- The per-rep-quarter aggregates come from the intermediate layer: deals
-- (int_rep_quarter_deals), quota (int_rep_quarter_quota) and External calls
-- (int_rep_quarter_calls); this model adds the activity mean, the rates, the ranking, the
-- team and 'Top 25%' comparisons and the coaching gaps.
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

with quarters as (
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

-- Sums over nothing are 0 (a rep-quarter without a row in an aggregate), means stay null.
rep_metrics as (
    select
        rep_quarters.*,
        quota.quota_amount,
        coalesce(deals.closed_won_amount, 0.00) as closed_won_amount,
        coalesce(deals.ytd_closed_won_amount, 0.00) as ytd_closed_won_amount,
        quota.ytd_quota_amount,
        coalesce(deals.won_count, 0) as won_count,
        coalesce(deals.lost_count, 0) as lost_count,
        deals.avg_deal_size,
        deals.avg_sales_cycle_days,
        deals.avg_stakeholders,
        deals.avg_days_to_meeting,
        deals.champion_identification_rate,
        deals.economic_buyer_rate,
        coalesce(deals.open_pipeline_amount, 0.00) as open_pipeline_amount,
        coalesce(calls.calls_count, 0) as calls_count,
        calls.avg_talk_ratio,
        calls.avg_questions_per_call,
        calls.avg_longest_monologue_s,
        calls.avg_patience_s,
        daily_activity.avg_daily_activities_30d
    from rep_quarters
    left join {{ ref('int_rep_quarter_quota') }} as quota using (fiscal_quarter, rep_id)
    left join {{ ref('int_rep_quarter_deals') }} as deals using (fiscal_quarter, rep_id)
    left join {{ ref('int_rep_quarter_calls') }} as calls using (fiscal_quarter, rep_id)
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
    -- percents, counts and days with one decimal; macros/number_text.sql says why they round
    -- twice).
    case primary_coaching_need
        when 'multithreading' then
            'Engage more people on each deal: your closed deals averaged '
            || {{ one_decimal('need_rep_value') }} || ' stakeholders vs ' || {{ one_decimal('need_top_value') }}
            || ' for the Top 25% of ' || role || 's.'
        when 'speed_to_meeting' then
            'Book the first meeting sooner: your deals took ' || {{ one_decimal('need_rep_value') }}
            || ' days from creation to the first meeting vs ' || {{ one_decimal('need_top_value') }}
            || ' days for the Top 25% of ' || role || 's.'
        when 'champion_identification' then
            'Identify a champion on more deals: ' || {{ whole_percent('need_rep_value') }}
            || '% of your closed deals had one vs ' || {{ whole_percent('need_top_value') }}
            || '% for the Top 25% of ' || role || 's.'
        when 'economic_buyer_access' then
            'Get to the economic buyer on more deals: ' || {{ whole_percent('need_rep_value') }}
            || '% of your closed deals had one identified vs ' || {{ whole_percent('need_top_value') }}
            || '% for the Top 25% of ' || role || 's.'
        when 'win_rate' then
            'Qualify harder and focus on winnable deals: your win rate was '
            || {{ whole_percent('need_rep_value') }} || '% vs '
            || {{ whole_percent('need_top_value') }} || '% for the Top 25% of ' || role || 's.'
        when 'activity_volume' then
            'Raise your daily activity: you averaged ' || {{ one_decimal('need_rep_value') }}
            || ' calls, emails, meetings and demos per business day over the last {{ window_days }} days vs '
            || {{ one_decimal('need_top_value') }} || ' for the Top 25% of ' || role || 's.'
    end as recommended_action
from final
cross join {{ ref('int_corporate_currency') }} as corporate
