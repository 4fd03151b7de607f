{{ config(meta={'dagster': {'ref': {'name': 'next_best_actions'}}}) }}
-- Row-count rule of next_best_actions: exactly one row per open deal of deal_health_scores
-- that is not green, no more, no fewer; and a deal whose close date passed gets the
-- close-date task (mart contract), checked here rather than in a test node of its own.
-- Returns the deals missing from either side, and stale deals given another action.
with actions as (
    select opportunity_id, action_type, action_reason, close_date from {{ ref('next_best_actions') }}
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

union all

select actions.opportunity_id, 'close date passed, not the close-date task' as problem
from actions
cross join {{ ref('int_as_of') }} as as_of
where actions.close_date < as_of.as_of
  and (actions.action_type <> 'task'
       or actions.action_reason not like 'Update the close date or close the deal: close date passed % ago')
