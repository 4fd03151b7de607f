{{ config(meta={'dagster': {'ref': {'name': 'next_best_actions'}}}) }}
-- Row-count rule of next_best_actions: exactly one row per open deal of deal_health_scores
-- that is not green, no more, no fewer. Returns the deals missing from either side.
with actions as (
    select opportunity_id from {{ ref('next_best_actions') }}
),

open_not_green as (
    select opportunity_id
    from {{ ref('deal_health_scores') }}
    where not is_closed
      and health_band <> 'green'
)

select coalesce(actions.opportunity_id, open_not_green.opportunity_id) as opportunity_id,
    case when actions.opportunity_id is null then 'missing from next_best_actions' else 'not an open non-green deal' end as problem
from actions
full outer join open_not_green on actions.opportunity_id = open_not_green.opportunity_id
where actions.opportunity_id is null or open_not_green.opportunity_id is null
