-- One row per AE and fiscal month of int_seller_months: attainment vs pace, forecast
-- accuracy of the last closed quarters and discount depth (roles contract, AE), before the
-- minimum-sample rule and the benchmarks (role_metrics applies them).
-- attainment_vs_pace: (won + open Commit closing in the month's fiscal quarter) /
-- (quarter quota x quota_pace), all as of the window end (least(month_end, as_of)): won =
-- deals won with CloseDate from the quarter start to the window end; open Commit = deals
-- still open at the window end whose ForecastCategory and CloseDate at the window end (their
-- latest OpportunityHistory row then, else the deal as extracted) are Commit and in the
-- quarter; quota_pace = elapsed share of the quarter at the window end.
-- forecast_accuracy: int_forecast_snapshots of the last quarter that ended on or before the
-- window end; forecast_quarters_out_of_band counts the closed quarters in a row, ending at
-- that one, whose accuracy lies outside roles.forecast_band (a quarter without a Commit
-- snapshot ends the run).
-- discount_depth: won deals closed in the window (window_start..window_end): the mean
-- line-item discount weighted by the line's total price (corporate currency, the deal's
-- rate). A line's discount is its Discount, else 1 - UnitPrice / ListPrice when both are
-- given, else 0 (Salesforce leaves Discount empty when none was given).
{%- set band = role_setting('forecast_band') %}
with as_of as (
    select as_of from {{ ref('int_as_of') }}
),

ae_months as (
    select rep_id, month_start, fiscal_quarter, quarter_start, quarter_end, window_start, window_end, quota_pace
    from {{ ref('int_seller_months') }}
    where role = 'AE'
),

coverage as (
    select has_line_items, has_opportunity_history from {{ ref('int_source_coverage') }}
),

deals as (
    select opportunity_id, owner_id, amount, amount_local, conversion_rate, created_date, close_date,
        forecast_category, is_won, is_closed_by_as_of
    from {{ ref('int_deal_facts') }}
),

-- Each history row as a validity interval (macros/history_intervals.sql).
history as (
    {{ opportunity_history_intervals(['close_date', 'forecast_category']) }}
),

won_in_quarter as (
    select ae_months.rep_id, ae_months.month_start, sum(deals.amount) as won_amount
    from ae_months
    inner join deals
        on deals.owner_id = ae_months.rep_id
        and deals.close_date between ae_months.quarter_start and ae_months.window_end
    where deals.is_won and deals.is_closed_by_as_of
    group by ae_months.rep_id, ae_months.month_start
),

-- Deals of the AE open at the window end (created by then, not closed by then).
open_at_window_end as (
    select ae_months.rep_id, ae_months.month_start, ae_months.quarter_start, ae_months.quarter_end,
        ae_months.window_end, deals.*
    from ae_months
    inner join deals
        on deals.owner_id = ae_months.rep_id
        and deals.created_date <= ae_months.window_end
    where not (deals.is_closed_by_as_of and deals.close_date <= ae_months.window_end)
),

open_as_then as (
    select
        open_deals.rep_id,
        open_deals.month_start,
        open_deals.quarter_start,
        open_deals.quarter_end,
        open_deals.amount,
        coalesce(history.forecast_category, open_deals.forecast_category) as forecast_category,
        coalesce(history.close_date, open_deals.close_date) as close_date
    from open_at_window_end as open_deals
    left join history
        on open_deals.opportunity_id = history.opportunity_id
        and open_deals.window_end >= history.valid_from
        and open_deals.window_end < history.valid_until
),

open_commit as (
    select rep_id, month_start, sum(amount) as commit_open_amount
    from open_as_then
    where lower(forecast_category) = 'commit'
      and close_date between quarter_start and quarter_end
    group by rep_id, month_start
),

-- Every closed quarter of every AE, to count out-of-band quarters in a row.
closed_quarters as (
    select
        reps.rep_id,
        quarters.fiscal_quarter,
        quarters.quarter_start,
        quarters.quarter_end,
        snapshots.won_amount,
        snapshots.commit_amount,
        snapshots.forecast_accuracy,
        coalesce(
            snapshots.forecast_accuracy < {{ band['low'] }} or snapshots.forecast_accuracy > {{ band['high'] }},
            false
        ) as is_out_of_band
    from (select distinct rep_id from ae_months) as reps
    cross join {{ ref('int_fiscal_quarters') }} as quarters
    cross join as_of
    left join {{ ref('int_forecast_snapshots') }} as snapshots
        on reps.rep_id = snapshots.rep_id
        and quarters.fiscal_quarter = snapshots.fiscal_quarter
    where quarters.quarter_end <= as_of.as_of
),

quarter_runs as (
    select
        *,
        sum(case when is_out_of_band then 0 else 1 end) over (
            partition by rep_id order by quarter_start rows between unbounded preceding and current row
        ) as in_band_so_far
    from closed_quarters
),

quarter_streaks as (
    select
        *,
        sum(case when is_out_of_band then 1 else 0 end) over (
            partition by rep_id, in_band_so_far order by quarter_start
            rows between unbounded preceding and current row
        ) as out_of_band_run,
        lag(fiscal_quarter) over (partition by rep_id order by quarter_start) as previous_quarter,
        lag(forecast_accuracy) over (partition by rep_id order by quarter_start) as previous_accuracy
    from quarter_runs
),

-- The last quarter ended by each AE month's window end.
month_forecasts as (
    select ae_months.rep_id, ae_months.month_start, quarter_streaks.*
        exclude (rep_id)
    from ae_months
    inner join quarter_streaks
        on ae_months.rep_id = quarter_streaks.rep_id
        and quarter_streaks.quarter_end <= ae_months.window_end
    qualify row_number() over (
        partition by ae_months.rep_id, ae_months.month_start order by quarter_streaks.quarter_start desc
    ) = 1
),

line_items as (
    select
        items.opportunity_id,
        {{ to_corporate('coalesce(items.total_price_local, items.quantity * items.unit_price_local)',
                        'deals.conversion_rate') }} as line_amount,
        coalesce(
            items.discount_share,
            case
                when items.list_price_local > 0 and items.unit_price_local is not null
                    then greatest(0, 1 - cast(items.unit_price_local as double) / cast(items.list_price_local as double))
            end,
            0
        ) as discount_share
    from {{ ref('stg_salesforce__opportunity_line_items') }} as items
    inner join deals on items.opportunity_id = deals.opportunity_id
),

discounts as (
    select
        ae_months.rep_id,
        ae_months.month_start,
        sum(cast(line_items.line_amount as double) * line_items.discount_share) as discount_weighted,
        sum(line_items.line_amount) as line_amount
    from ae_months
    inner join deals
        on deals.owner_id = ae_months.rep_id
        and deals.close_date between ae_months.window_start and ae_months.window_end
        and deals.is_won
        and deals.is_closed_by_as_of
    inner join line_items on deals.opportunity_id = line_items.opportunity_id
    where line_items.line_amount is not null
    group by ae_months.rep_id, ae_months.month_start
),

quotas as (
    select rep_id, fiscal_quarter, quota_amount from {{ ref('int_rep_quarter_quota') }}
)

select
    ae_months.rep_id,
    ae_months.month_start,
    cast(coalesce(won_in_quarter.won_amount, 0) + coalesce(open_commit.commit_open_amount, 0) as decimal(18, 2))
        as attainment_vs_pace_numerator,
    cast(quotas.quota_amount * ae_months.quota_pace as decimal(18, 2)) as attainment_vs_pace_denominator,
    month_forecasts.fiscal_quarter as forecast_quarter,
    cast(month_forecasts.won_amount as decimal(18, 2)) as forecast_accuracy_numerator,
    cast(month_forecasts.commit_amount as decimal(18, 2)) as forecast_accuracy_denominator,
    case when coverage.has_opportunity_history then month_forecasts.forecast_accuracy end as forecast_accuracy,
    case when coverage.has_opportunity_history then month_forecasts.previous_accuracy end
        as forecast_accuracy_previous,
    case
        when coverage.has_opportunity_history and month_forecasts.forecast_accuracy is not null
            then cast(month_forecasts.out_of_band_run as integer)
    end as forecast_quarters_out_of_band,
    -- Money: the discounted share of the won line amount, rounded to the cent.
    case when coverage.has_line_items then cast(coalesce(discounts.discount_weighted, 0) as decimal(18, 2)) end
        as discount_depth_numerator,
    case when coverage.has_line_items then cast(coalesce(discounts.line_amount, 0) as decimal(18, 2)) end
        as discount_depth_denominator
from ae_months
cross join coverage
left join won_in_quarter using (rep_id, month_start)
left join open_commit using (rep_id, month_start)
left join month_forecasts using (rep_id, month_start)
left join quotas on ae_months.rep_id = quotas.rep_id and ae_months.fiscal_quarter = quotas.fiscal_quarter
left join discounts using (rep_id, month_start)
