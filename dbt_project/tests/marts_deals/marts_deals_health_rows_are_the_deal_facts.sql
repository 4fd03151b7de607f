{{ config(meta={'dagster': {'ref': {'name': 'deal_health_scores'}}}) }}
-- Row-count rule of deal_health_scores: exactly one row per opportunity of int_deal_facts
-- (every non-deleted opportunity created on or before as_of), no more, no fewer.
-- Returns the opportunities missing from either side.
with mart as (
    select opportunity_id from {{ ref('deal_health_scores') }}
),

facts as (
    select opportunity_id from {{ ref('int_deal_facts') }}
)

select coalesce(mart.opportunity_id, facts.opportunity_id) as opportunity_id,
    case when mart.opportunity_id is null then 'missing from the mart' else 'not a deal of int_deal_facts' end as problem
from mart
full outer join facts on mart.opportunity_id = facts.opportunity_id
where mart.opportunity_id is null or facts.opportunity_id is null
