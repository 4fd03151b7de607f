-- One row per deal owner and fiscal quarter (int_fiscal_quarters) with a Commit snapshot or
-- a won deal: the rep's Commit-category amount as OpportunityHistory shows it on the
-- quarter's snapshot day, the amount won in the quarter and their ratio, forecast accuracy
-- (roles contract, AE).
-- Snapshot day: the quarter's first business day (Mon-Fri) + roles.forecast_snapshot_days
-- (default 14). A deal is in the Commit snapshot when its latest OpportunityHistory row
-- created on or before that day has ForecastCategory 'Commit' (any case) and a CloseDate in
-- the quarter; its amount is that row's Amount (the deal's Amount when the row has none),
-- converted at the deal's rate (int_deal_facts.conversion_rate). Won: deals won by as_of
-- with CloseDate in the quarter, whether they were committed or not.
-- Without OpportunityHistory there is no snapshot: commit_amount and the accuracy are null.
{%- set snapshot_days = role_setting('forecast_snapshot_days') | int %}
with as_of as (
    select as_of from {{ ref('int_as_of') }}
),

quarters as (
    select
        fiscal_quarter,
        quarter_start,
        quarter_end,
        window_end,
        cast(quarter_start
             + case isodow(quarter_start) when 6 then 2 when 7 then 1 else 0 end
             + {{ snapshot_days }} as date) as snapshot_date
    from {{ ref('int_fiscal_quarters') }}
),

deals as (
    select opportunity_id, owner_id, amount, amount_local, conversion_rate, close_date, is_won,
        is_closed_by_as_of
    from {{ ref('int_deal_facts') }}
),

-- Each history row as a validity interval (macros/history_intervals.sql).
history as (
    {{ opportunity_history_intervals(['amount', 'close_date', 'forecast_category']) }}
),

-- Each deal's latest history row on each quarter's snapshot day (an interval join, not a
-- join of every quarter with every earlier row).
snapshot_rows as (
    select
        quarters.fiscal_quarter,
        quarters.quarter_start,
        quarters.quarter_end,
        history.opportunity_id,
        history.amount,
        history.close_date,
        history.forecast_category
    from quarters
    inner join history
        on quarters.snapshot_date >= history.valid_from
        and quarters.snapshot_date < history.valid_until
),

commits as (
    select
        snapshot_rows.fiscal_quarter,
        deals.owner_id as rep_id,
        count(*) as commit_deals,
        sum({{ to_corporate('coalesce(snapshot_rows.amount, deals.amount_local)', 'deals.conversion_rate') }})
            as commit_amount
    from snapshot_rows
    inner join deals on snapshot_rows.opportunity_id = deals.opportunity_id
    where lower(snapshot_rows.forecast_category) = 'commit'
      and snapshot_rows.close_date between snapshot_rows.quarter_start and snapshot_rows.quarter_end
    group by snapshot_rows.fiscal_quarter, deals.owner_id
),

won as (
    select
        quarters.fiscal_quarter,
        deals.owner_id as rep_id,
        count(*) as won_deals,
        coalesce(sum(deals.amount), 0.00) as won_amount
    from deals
    inner join quarters on deals.close_date between quarters.quarter_start and quarters.quarter_end
    where deals.is_won and deals.is_closed_by_as_of
    group by quarters.fiscal_quarter, deals.owner_id
)

select
    rep_id,
    fiscal_quarter,
    quarters.quarter_start,
    quarters.quarter_end,
    quarters.snapshot_date,
    -- A quarter is closed once as_of reaches its last day.
    quarters.quarter_end <= as_of.as_of as is_closed_quarter,
    cast(commits.commit_amount as decimal(18, 2)) as commit_amount,
    coalesce(commits.commit_deals, 0) as commit_deals,
    cast(coalesce(won.won_amount, 0.00) as decimal(18, 2)) as won_amount,
    coalesce(won.won_deals, 0) as won_deals,
    cast(coalesce(won.won_amount, 0.00) as double) / nullif(cast(commits.commit_amount as double), 0)
        as forecast_accuracy
from commits
full outer join won using (fiscal_quarter, rep_id)
inner join quarters using (fiscal_quarter)
cross join as_of
