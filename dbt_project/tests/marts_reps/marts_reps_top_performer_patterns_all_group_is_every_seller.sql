{{ config(meta={'dagster': {'ref': {'name': 'top_performer_patterns'}}}) }}
-- Every role and quarter of rep_performance has an 'All' row whose rep_count is the number
-- of sellers of that role with a rep_performance row in the quarter, and no 'All' row
-- exists without them.
with sellers_per_role as (
    select fiscal_quarter, role, count(*) as sellers
    from {{ ref('rep_performance') }}
    group by fiscal_quarter, role
),

all_rows as (
    select fiscal_quarter, role, rep_count
    from {{ ref('top_performer_patterns') }}
    where "group" = 'All'
)

select
    coalesce(sellers_per_role.fiscal_quarter, all_rows.fiscal_quarter) as fiscal_quarter,
    coalesce(sellers_per_role.role, all_rows.role) as role,
    sellers_per_role.sellers,
    all_rows.rep_count
from sellers_per_role
full outer join all_rows
    on sellers_per_role.fiscal_quarter = all_rows.fiscal_quarter
    and sellers_per_role.role = all_rows.role
where sellers_per_role.sellers is distinct from all_rows.rep_count
