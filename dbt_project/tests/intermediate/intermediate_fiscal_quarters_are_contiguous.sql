-- Fiscal quarters follow each other without gap or overlap, and exactly the last one
-- contains as_of.
with quarters as (
    select
        *,
        lag(quarter_end) over (order by quarter_start) as previous_quarter_end,
        row_number() over (order by quarter_start desc) as position_from_last
    from {{ ref('int_fiscal_quarters') }}
)

select fiscal_quarter, quarter_start, previous_quarter_end, is_current_quarter
from quarters
where (previous_quarter_end is not null and quarter_start <> previous_quarter_end + 1)
   or is_current_quarter <> (position_from_last = 1)
