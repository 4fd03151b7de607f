-- One row per quota owner and fiscal quarter of int_fiscal_quarters that a quota row
-- overlaps, in the quarter or in its fiscal year up to the window end: the quarter's quota
-- and the year-to-date quota, pro rata by day. Each overlapping quota row adds
-- quota_amount x overlap_days / coverage_days, exactly, and the sum is rounded to the cent
-- once (macros/money.sql). A quota row in an unknown currency (null quota_amount) adds
-- nothing.
with quarters as (
    select fiscal_quarter, quarter_start, quarter_end, window_end, fiscal_year_start
    from {{ ref('int_fiscal_quarters') }}
),

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
)

select
    rep_id,
    fiscal_quarter,
    -- The whole quarter (not only the elapsed window): the quarter's target.
    {{ pro_rata_to_money('sum(' ~ pro_rata_share('quota_amount', 'quarter_overlap_days', 'coverage_days')
                         ~ ') filter (where quarter_overlap_days > 0)') }} as quota_amount,
    {{ pro_rata_to_money('sum(' ~ pro_rata_share('quota_amount', 'ytd_overlap_days', 'coverage_days')
                         ~ ') filter (where ytd_overlap_days > 0)') }} as ytd_quota_amount
from quota_windows
group by rep_id, fiscal_quarter
having bool_or(quarter_overlap_days > 0 or ytd_overlap_days > 0)
