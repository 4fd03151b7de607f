-- overall_rank follows SQL RANK() over attainment among the role's sellers in the quarter:
-- it is set exactly on the rows with an attainment and equals 1 + the number of sellers of
-- the role and quarter with a strictly higher attainment; total_reps is the number of
-- ranked sellers of the role and quarter on every row. A coaching need always comes with
-- its recommended action, and only where the role has a Top 25% group (total_reps > 0).
with performance as (
    select * from {{ ref('rep_performance') }}
),

expected_ranks as (
    select
        performance.rep_id,
        performance.fiscal_quarter,
        1 + count(better.rep_id) as expected_rank
    from performance
    left join performance as better
        on performance.role = better.role
        and performance.fiscal_quarter = better.fiscal_quarter
        and better.attainment > performance.attainment
    where performance.attainment is not null
    group by performance.rep_id, performance.fiscal_quarter
),

ranked_per_group as (
    select role, fiscal_quarter, count(attainment) as ranked_sellers
    from performance
    group by role, fiscal_quarter
)

select performance.rep_id, performance.fiscal_quarter
from performance
inner join ranked_per_group
    on performance.role = ranked_per_group.role
    and performance.fiscal_quarter = ranked_per_group.fiscal_quarter
left join expected_ranks
    on performance.rep_id = expected_ranks.rep_id
    and performance.fiscal_quarter = expected_ranks.fiscal_quarter
where performance.overall_rank is distinct from expected_ranks.expected_rank
   or performance.total_reps <> ranked_per_group.ranked_sellers
   or (performance.primary_coaching_need is null) <> (performance.recommended_action is null)
   or (performance.primary_coaching_need is not null and performance.total_reps = 0)
