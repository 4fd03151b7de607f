{{ config(meta={'dagster': {'ref': {'name': 'int_gong_calls'}}}) }}
-- A call linked by the contact fallback is linked to an open deal owned by the call's rep.
select calls.call_id, calls.rep_id, calls.opportunity_id
from {{ ref('int_gong_calls') }} as calls
left join {{ ref('stg_salesforce__opportunities') }} as opportunities
    on calls.opportunity_id = opportunities.opportunity_id
where calls.link_method = 'contact_fallback'
  and (opportunities.opportunity_id is null
       or opportunities.is_closed
       or opportunities.owner_id is distinct from calls.rep_id)
