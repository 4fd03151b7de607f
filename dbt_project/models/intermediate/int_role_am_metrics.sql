-- One row per AM and fiscal month of int_seller_months: renewal, expansion and NRR counts
-- and amounts of the AM's deals and book (roles contract, AM), before the minimum-sample
-- rule and the benchmarks (role_metrics applies them). The deals are the opportunities the
-- AM owns, by kind (int_opportunity_kinds); the book is the accounts the AM owns.
-- renewal_rate: renewals closed (by as_of) with CloseDate in the window: won / closed.
-- renewals_opened_late: renewals created in the window; late when created fewer than
-- roles.renewal_late_days (90) days before their due date: the EndDate of the account's
-- Contract whose EndDate is nearest the renewal's CloseDate (ties: the earlier), else -
-- no Contract for the account, or no crm/Contract at all - the renewal's CloseDate.
-- expansion_conversion: expansions closed in the window: won / closed.
-- nrr over the roles.nrr_months (12) months ending at the window end, of the AM's book:
-- from cs/ health ARR when the org delivered any ARR ('health_arr'): starting ARR = each
-- book account's latest ARR on or before the period start (accounts with ARR > 0 then);
-- its latest ARR by the window end is the ending ARR; expansion / contraction = the
-- increases / decreases of accounts still above 0, churn = the starting ARR of accounts at 0.
-- Else from the opportunities ('opportunities'): starting ARR = the amounts of the AM's
-- renewals closed in the period (the renewals due), churn = the lost ones, expansion = won
-- expansions closed in the period; contraction is not visible in opportunities (null).
{%- set late_days = role_setting('renewal_late_days') | int %}
{%- set nrr_months = role_setting('nrr_months') | int %}
with as_of as (
    select as_of from {{ ref('int_as_of') }}
),

am_months as (
    select
        rep_id, month_start, window_start, window_end,
        cast(window_end - to_months({{ nrr_months }}) as date) as nrr_start
    from {{ ref('int_seller_months') }}
    where role = 'AM'
),

kinds as (
    select * from {{ ref('int_opportunity_kinds') }} where opportunity_kind in ('renewal', 'expansion')
),

contracts as (
    select account_id, end_date from {{ ref('stg_salesforce__contracts') }}
),

renewal_due_dates as (
    select
        kinds.opportunity_id,
        coalesce(contracts.end_date, kinds.close_date) as due_date,
        case when contracts.end_date is not null then 'contract' else 'close_date' end as due_date_source
    from kinds
    left join contracts on kinds.account_id = contracts.account_id
    where kinds.opportunity_kind = 'renewal'
    qualify row_number() over (
        partition by kinds.opportunity_id
        order by abs(contracts.end_date - kinds.close_date) nulls last, contracts.end_date
    ) = 1
),

closed_in_window as (
    select
        am_months.rep_id,
        am_months.month_start,
        count(*) filter (where kinds.opportunity_kind = 'renewal') as renewals_closed,
        count(*) filter (where kinds.opportunity_kind = 'renewal' and kinds.is_won_by_as_of) as renewals_won,
        count(*) filter (where kinds.opportunity_kind = 'expansion') as expansions_closed,
        count(*) filter (where kinds.opportunity_kind = 'expansion' and kinds.is_won_by_as_of) as expansions_won
    from am_months
    inner join kinds
        on kinds.owner_id = am_months.rep_id
        and kinds.is_closed_by_as_of
        and kinds.close_date between am_months.window_start and am_months.window_end
    group by am_months.rep_id, am_months.month_start
),

renewals_created as (
    select
        am_months.rep_id,
        am_months.month_start,
        count(*) as renewals_created,
        count(*) filter (where due.due_date - kinds.created_date < {{ late_days }}) as renewals_late
    from am_months
    inner join kinds
        on kinds.owner_id = am_months.rep_id
        and kinds.opportunity_kind = 'renewal'
        and kinds.created_date between am_months.window_start and am_months.window_end
    inner join renewal_due_dates as due on kinds.opportunity_id = due.opportunity_id
    group by am_months.rep_id, am_months.month_start
),

-- NRR from the opportunities of the period.
nrr_opportunities as (
    select
        am_months.rep_id,
        am_months.month_start,
        sum(kinds.amount) filter (where kinds.opportunity_kind = 'renewal') as starting_arr,
        coalesce(sum(kinds.amount) filter (where kinds.opportunity_kind = 'expansion' and kinds.is_won_by_as_of), 0)
            as expansion,
        coalesce(sum(kinds.amount) filter (where kinds.opportunity_kind = 'renewal' and not kinds.is_won_by_as_of), 0)
            as churn
    from am_months
    inner join kinds
        on kinds.owner_id = am_months.rep_id
        and kinds.is_closed_by_as_of
        and kinds.close_date > am_months.nrr_start
        and kinds.close_date <= am_months.window_end
    group by am_months.rep_id, am_months.month_start
),

-- NRR from the ARR of the cs/ health snapshots.
arr_snapshots as (
    select snapshots.account_id, snapshots.snapshot_date, snapshots.arr
    from {{ ref('stg_cs__health_snapshots') }} as snapshots, as_of
    where snapshots.arr is not null and snapshots.snapshot_date <= as_of.as_of
),

book_arr as (
    select
        am_months.rep_id,
        am_months.month_start,
        accounts.account_id,
        arg_max(arr_snapshots.arr, arr_snapshots.snapshot_date)
            filter (where arr_snapshots.snapshot_date <= am_months.nrr_start) as starting_arr,
        arg_max(arr_snapshots.arr, arr_snapshots.snapshot_date) as ending_arr
    from am_months
    inner join {{ ref('int_accounts') }} as accounts on accounts.owner_id = am_months.rep_id
    inner join arr_snapshots
        on accounts.account_id = arr_snapshots.account_id
        and arr_snapshots.snapshot_date <= am_months.window_end
    group by am_months.rep_id, am_months.month_start, accounts.account_id
),

nrr_arr as (
    select
        rep_id,
        month_start,
        sum(starting_arr) as starting_arr,
        sum(greatest(ending_arr - starting_arr, 0)) filter (where ending_arr > 0) as expansion,
        sum(greatest(starting_arr - ending_arr, 0)) filter (where ending_arr > 0) as contraction,
        sum(starting_arr) filter (where ending_arr <= 0) as churn
    from book_arr
    where starting_arr > 0
    group by rep_id, month_start
),

arr_delivered as (
    select count(*) > 0 as has_arr from arr_snapshots
)

select
    am_months.rep_id,
    am_months.month_start,
    coalesce(closed_in_window.renewals_won, 0) as renewal_rate_numerator,
    coalesce(closed_in_window.renewals_closed, 0) as renewal_rate_denominator,
    coalesce(renewals_created.renewals_late, 0) as renewals_opened_late_share_numerator,
    coalesce(renewals_created.renewals_created, 0) as renewals_opened_late_share_denominator,
    coalesce(closed_in_window.expansions_won, 0) as expansion_conversion_numerator,
    coalesce(closed_in_window.expansions_closed, 0) as expansion_conversion_denominator,
    case when arr_delivered.has_arr then 'health_arr' else 'opportunities' end as nrr_source,
    cast(case when arr_delivered.has_arr then nrr_arr.starting_arr else nrr_opportunities.starting_arr end
         as decimal(18, 2)) as nrr_starting_arr,
    cast(case when arr_delivered.has_arr then coalesce(nrr_arr.expansion, 0) else nrr_opportunities.expansion end
         as decimal(18, 2)) as nrr_expansion,
    cast(case when arr_delivered.has_arr then coalesce(nrr_arr.contraction, 0) end as decimal(18, 2))
        as nrr_contraction,
    cast(case when arr_delivered.has_arr then coalesce(nrr_arr.churn, 0) else nrr_opportunities.churn end
         as decimal(18, 2)) as nrr_churn
from am_months
cross join arr_delivered
left join closed_in_window using (rep_id, month_start)
left join renewals_created using (rep_id, month_start)
left join nrr_opportunities using (rep_id, month_start)
left join nrr_arr using (rep_id, month_start)
