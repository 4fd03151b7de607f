-- int_as_of must hold exactly one row: every intermediate model cross-joins it.
select count(*) as row_count
from {{ ref('int_as_of') }}
having count(*) <> 1
