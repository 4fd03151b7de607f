-- One row per Gong call of int_gong_calls (started on or before as_of) and account the call
-- was with: every Account named in the call's context, and the account of the call's
-- linked opportunity (int_gong_calls.opportunity_id, when Salesforce knows it and it has
-- an account). int_gong_calls.account_id keeps one of them; this keeps them all.
with calls as (
    select call_id, opportunity_id from {{ ref('int_gong_calls') }}
)

select context_objects.call_id, context_objects.object_id as account_id
from {{ ref('stg_gong__call_context_objects') }} as context_objects
inner join calls on context_objects.call_id = calls.call_id
where context_objects.object_type = 'Account'
union
select calls.call_id, opportunities.account_id
from calls
inner join {{ ref('stg_salesforce__opportunities') }} as opportunities
    on calls.opportunity_id = opportunities.opportunity_id
where opportunities.account_id is not null
