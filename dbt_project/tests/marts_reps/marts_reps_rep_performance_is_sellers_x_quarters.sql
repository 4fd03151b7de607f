{{ config(meta={'dagster': {'ref': {'name': 'rep_performance'}}}) }}
-- rep_performance holds exactly one row per seller x fiscal quarter of int_fiscal_quarters:
-- every missing, unexpected or duplicated (seller, quarter) is returned.
with expected as (
    select users.user_id as rep_id, quarters.fiscal_quarter
    from {{ ref('int_users') }} as users
    cross join {{ ref('int_fiscal_quarters') }} as quarters
    where users.is_seller
),

actual as (
    select rep_id, fiscal_quarter, count(*) as row_count
    from {{ ref('rep_performance') }}
    group by rep_id, fiscal_quarter
)

select
    coalesce(expected.rep_id, actual.rep_id) as rep_id,
    coalesce(expected.fiscal_quarter, actual.fiscal_quarter) as fiscal_quarter,
    case
        when actual.rep_id is null then 'missing row'
        when expected.rep_id is null then 'unexpected row'
        else 'duplicate row'
    end as problem
from expected
full outer join actual
    on expected.rep_id = actual.rep_id
    and expected.fiscal_quarter = actual.fiscal_quarter
where actual.rep_id is null
   or expected.rep_id is null
   or actual.row_count <> 1
