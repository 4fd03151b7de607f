-- One row per deal owner and fiscal quarter of int_fiscal_quarters with a deal that counts
-- in the quarter: closed (won or lost) in the quarter's window, won from the fiscal year
-- start to the window end (year to date), or still open with its CloseDate in the quarter.
-- A quarter's window is [quarter_start, window_end = least(quarter_end, as_of)].
-- Decision (contract): a deal whose CloseDate is after as_of has not closed yet on as_of,
-- even when the extract shows it closed: it counts as open pipeline, in no closed metric.
with as_of as (
    select as_of from {{ ref('int_as_of') }}
),

quarters as (
    select fiscal_quarter, quarter_start, quarter_end, window_end, fiscal_year_start
    from {{ ref('int_fiscal_quarters') }}
),

deals as (
    select
        deals.owner_id as rep_id,
        deals.amount,
        deals.close_date,
        deals.stakeholder_count,
        deals.days_to_meeting,
        deals.has_champion,
        deals.has_economic_buyer,
        deals.sales_cycle_days,
        deals.is_closed and deals.close_date <= as_of.as_of as is_closed_on_as_of,
        deals.is_won and deals.close_date <= as_of.as_of as is_won_on_as_of
    from {{ ref('int_deal_facts') }} as deals, as_of
),

-- Each deal with the quarters whose fiscal year, up to the quarter's end, holds its
-- CloseDate, and in which of the three ways it counts there.
deal_quarters as (
    select
        quarters.fiscal_quarter,
        deals.*,
        deals.is_closed_on_as_of
            and deals.close_date between quarters.quarter_start and quarters.window_end as is_closed_in_window,
        deals.is_won_on_as_of
            and deals.close_date <= quarters.window_end as is_won_year_to_date,
        -- The full quarter, not only the elapsed window: an open deal expected to close
        -- later this quarter is this quarter's pipeline.
        not deals.is_closed_on_as_of
            and deals.close_date >= quarters.quarter_start as is_open_in_quarter
    from deals
    inner join quarters
        on deals.close_date between quarters.fiscal_year_start and quarters.quarter_end
)

select
    rep_id,
    fiscal_quarter,
    cast(coalesce(sum(amount) filter (where is_closed_in_window and is_won_on_as_of), 0) as decimal(18, 2))
        as closed_won_amount,
    count(*) filter (where is_closed_in_window and is_won_on_as_of) as won_count,
    count(*) filter (where is_closed_in_window and not is_won_on_as_of) as lost_count,
    -- Exact mean, rounded to the cent; won deals without an amount are left out.
    {{ money_mean('case when is_closed_in_window and is_won_on_as_of then amount end') }} as avg_deal_size,
    avg(sales_cycle_days) filter (where is_closed_in_window and is_won_on_as_of) as avg_sales_cycle_days,
    avg(stakeholder_count) filter (where is_closed_in_window) as avg_stakeholders,
    -- avg skips deals without a meeting (null days_to_meeting).
    avg(days_to_meeting) filter (where is_closed_in_window) as avg_days_to_meeting,
    avg(cast(has_champion as double)) filter (where is_closed_in_window) as champion_identification_rate,
    avg(cast(has_economic_buyer as double)) filter (where is_closed_in_window) as economic_buyer_rate,
    cast(coalesce(sum(amount) filter (where is_won_year_to_date), 0) as decimal(18, 2)) as ytd_closed_won_amount,
    cast(coalesce(sum(amount) filter (where is_open_in_quarter), 0) as decimal(18, 2)) as open_pipeline_amount
from deal_quarters
group by rep_id, fiscal_quarter
having bool_or(is_closed_in_window or is_won_year_to_date or is_open_in_quarter)
