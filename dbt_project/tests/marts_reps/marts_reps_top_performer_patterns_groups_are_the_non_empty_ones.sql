{{ config(meta={'dagster': {'ref': {'name': 'top_performer_patterns'}}}) }}
-- top_performer_patterns has a row exactly for each non-empty group, with the group's
-- size: the members are recounted from rep_performance with the contract's rules. Returns
-- every group whose row is missing, unexpected (e.g. an empty group) or of the wrong size.
{%- set top_share = var('top_group_share') %}
with reps as (
    select
        fiscal_quarter,
        role,
        attainment,
        overall_rank,
        overall_rank <= ceil({{ top_share }} * total_reps) as is_top_group
    from {{ ref('rep_performance') }}
),

expected as (
    select fiscal_quarter, role, group_name, count(*) as rep_count
    from (
        select *, 'Top Performers (100%+ attainment)' as group_name from reps where attainment >= 1.0
        union all
        select *, 'Top 25%' from reps where is_top_group
        union all
        select *, 'Rest' from reps where overall_rank is not null and not is_top_group
        union all
        select *, 'All' from reps
    )
    group by fiscal_quarter, role, group_name
),

actual as (
    select fiscal_quarter, role, "group" as group_name, rep_count
    from {{ ref('top_performer_patterns') }}
)

select
    coalesce(expected.fiscal_quarter, actual.fiscal_quarter) as fiscal_quarter,
    coalesce(expected.role, actual.role) as role,
    coalesce(expected.group_name, actual.group_name) as group_name,
    expected.rep_count as expected_rep_count,
    actual.rep_count as actual_rep_count
from expected
full outer join actual
    on expected.fiscal_quarter = actual.fiscal_quarter
    and expected.role = actual.role
    and expected.group_name = actual.group_name
where expected.rep_count is distinct from actual.rep_count
   or actual.rep_count < 1
