-- One row per book and fiscal month (int_fiscal_months): the health of the accounts in the
-- book from the cs/ health snapshots (stg_cs__health_snapshots), for the AM and CSM rows of
-- role_metrics. Two kinds of book (roles contract): 'owner' - the accounts a user owns (an
-- AM's book) - and 'csm' - the accounts whose CSM is the user (int_accounts.csm_id).
-- Decisions: the book is today's (accounts have no owner or CSM history), the same in
-- every month. An account's health in a month is its latest snapshot dated in that month
-- (on or before as_of); nps and csat are the means of the month's snapshots that carry one.
-- A tier drop: the account's tier in the month ranks below its tier in the month before
-- (both months need a snapshot). The book's figures are over the accounts with a snapshot
-- in the month; without any cs/ health data every health figure is null, not 0.
{%- set trend_months = role_setting('health_trend_months') | int %}
with as_of as (
    select as_of from {{ ref('int_as_of') }}
),

months as (
    select month_start, month_end from {{ ref('int_fiscal_months') }}
),

coverage as (
    select has_cs_health from {{ ref('int_source_coverage') }}
),

books as (
    select owner_id as rep_id, 'owner' as book_kind, account_id
    from {{ ref('int_accounts') }}
    where owner_id is not null
    union all
    select csm_id, 'csm', account_id
    from {{ ref('int_accounts') }}
    where csm_id is not null
),

snapshots as (
    select
        snapshots.account_id,
        snapshots.snapshot_date,
        cast(date_trunc('month', snapshots.snapshot_date) as date) as month_start,
        snapshots.health_score,
        snapshots.health_tier_rank,
        snapshots.nps,
        snapshots.csat
    from {{ ref('stg_cs__health_snapshots') }} as snapshots, as_of
    where snapshots.snapshot_date <= as_of.as_of
),

account_months as (
    select
        account_id,
        month_start,
        arg_max(health_score, snapshot_date) as health_score,
        arg_max(health_tier_rank, snapshot_date) as health_tier_rank,
        avg(nps) as nps,
        avg(csat) as csat
    from snapshots
    group by account_id, month_start
),

account_changes as (
    select
        current_month.*,
        previous_month.health_tier_rank as previous_tier_rank,
        current_month.health_tier_rank < previous_month.health_tier_rank as dropped_tier
    from account_months as current_month
    left join account_months as previous_month
        on current_month.account_id = previous_month.account_id
        and previous_month.month_start = cast(current_month.month_start - interval 1 month as date)
),

book_sizes as (
    select rep_id, book_kind, count(distinct account_id) as book_accounts
    from books
    group by rep_id, book_kind
),

book_months as (
    select
        books.rep_id,
        books.book_kind,
        account_changes.month_start,
        count(*) as accounts_with_health,
        avg(account_changes.health_score) as mean_health_score,
        count(*) filter (where account_changes.health_tier_rank <= 2) as at_risk_accounts,
        count(*) filter (where account_changes.dropped_tier) as tier_drops,
        avg(account_changes.nps) as nps_mean,
        avg(account_changes.csat) as csat_mean
    from books
    inner join account_changes on books.account_id = account_changes.account_id
    group by books.rep_id, books.book_kind, account_changes.month_start
),

-- Every book in every month, so a month without snapshots is a gap, not a missing row.
book_grid as (
    select
        book_sizes.rep_id,
        book_sizes.book_kind,
        book_sizes.book_accounts,
        months.month_start,
        year(months.month_start) * 12 + month(months.month_start) as month_index,
        coverage.has_cs_health,
        book_months.accounts_with_health,
        book_months.mean_health_score,
        book_months.at_risk_accounts,
        book_months.tier_drops,
        book_months.nps_mean,
        book_months.csat_mean
    from book_sizes
    cross join months
    cross join coverage
    left join book_months
        on book_sizes.rep_id = book_months.rep_id
        and book_sizes.book_kind = book_months.book_kind
        and months.month_start = book_months.month_start
)

select
    rep_id,
    book_kind,
    month_start,
    book_accounts,
    has_cs_health,
    case when has_cs_health then coalesce(accounts_with_health, 0) end as accounts_with_health,
    mean_health_score,
    case when has_cs_health then coalesce(at_risk_accounts, 0) end as at_risk_accounts,
    case when has_cs_health then coalesce(tier_drops, 0) end as tier_drops,
    nps_mean,
    csat_mean,
    -- Points per month: least-squares slope over the last health_trend_months months (the
    -- months with a value; null with fewer than two). Rounded to 6 decimals: a flat book's
    -- slope is float noise around 0 (1e-15 either side) that differs with the order rows are
    -- read in, so an incremental night and a full refresh would disagree on it.
    {%- for column, name in [('mean_health_score', 'health_trend'), ('nps_mean', 'nps_trend'), ('csat_mean', 'csat_trend')] %}
    round(regr_slope({{ column }}, month_index) over (
        partition by rep_id, book_kind order by month_start
        rows between {{ trend_months - 1 }} preceding and current row
    ), 6) as {{ name }}{{ ',' if not loop.last }}
    {%- endfor %}
from book_grid
