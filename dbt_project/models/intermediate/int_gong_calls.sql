-- One row per Gong call started on or before as_of, with its rep (Salesforce user), its
-- deal and account link, the host's interaction stats and the configured tracker counts.
-- call_date is the local date of the start in the rep's zone (int_users.time_zone; the
-- fallback zone when the host is no known user), as_of applies to it.
{%- set trackers = var('gong_trackers') %}
{#- The zones in use, one CASE branch each (macros/time_zone_helpers.sql, local_time). -#}
{%- set zones = time_zones_in_use(ref('int_users')) %}
with as_of as (
    select as_of from {{ ref('int_as_of') }}
),

-- A call's rep: metaData.primaryUserId -> Gong user -> email -> Salesforce user
-- (int_users_by_email: case-insensitive; active user first, then smallest id, should an
-- email repeat).
users_by_email as (
    select user_id, email_lower from {{ ref('int_users_by_email') }}
),

-- The UTC date is at most a day from the local one: later calls cannot be on or before as_of.
calls_with_rep as (
    select
        calls.*,
        users_by_email.user_id as rep_id
    from {{ ref('stg_gong__calls') }} as calls
    cross join as_of
    left join {{ ref('stg_gong__users') }} as gong_users
        on calls.primary_user_id = gong_users.gong_user_id
    left join users_by_email
        on gong_users.email_lower = users_by_email.email_lower
    where calls.call_date <= as_of.as_of + 1
),

zoned_calls as (
    select
        calls_with_rep.* exclude (call_date),
        coalesce(rep_zones.time_zone, fallback_zone.time_zone) as time_zone
    from calls_with_rep
    left join {{ ref('int_users') }} as rep_zones on calls_with_rep.rep_id = rep_zones.user_id
    cross join {{ ref('int_fallback_time_zone') }} as fallback_zone
),

local_calls as (
    select
        *,
        {{ local_time('started_at', 'time_zone', zones) }} as started_at_local
    from zoned_calls
),

calls as (
    select local_calls.*, cast(local_calls.started_at_local as date) as call_date
    from local_calls, as_of
    where cast(local_calls.started_at_local as date) <= as_of.as_of
),

call_reps as (
    select call_id, rep_id from calls
),

opportunities as (
    select * from {{ ref('stg_salesforce__opportunities') }}
),

context_objects as (
    select * from {{ ref('stg_gong__call_context_objects') }}
),

-- The Opportunity named in the call's context. Should a call name several, a known
-- opportunity is preferred, then the smallest id.
context_opportunity as (
    select
        context_objects.call_id,
        context_objects.object_id as opportunity_id
    from context_objects
    left join opportunities on context_objects.object_id = opportunities.opportunity_id
    where context_objects.object_type = 'Opportunity'
    qualify row_number() over (
        partition by context_objects.call_id
        order by (opportunities.opportunity_id is not null) desc, context_objects.object_id
    ) = 1
),

-- Same rule for the Account named in the context.
context_account as (
    select
        context_objects.call_id,
        context_objects.object_id as account_id
    from context_objects
    left join {{ ref('stg_salesforce__accounts') }} as accounts
        on context_objects.object_id = accounts.account_id
    where context_objects.object_type = 'Account'
    qualify row_number() over (
        partition by context_objects.call_id
        order by (accounts.account_id is not null) desc, context_objects.object_id
    ) = 1
),

-- Contact fallback for calls without a context opportunity: an External party whose email
-- matches a Contact holding a contact role on an OPEN opportunity owned by the call's rep
-- (and created on or before as_of). Several candidates: the latest created_date, then the
-- smallest opportunity_id.
-- The two sides are narrowed first and materialized: left to itself the planner joined
-- contact roles to every call's opportunities before the email match (4M rows, 15x slower).
fallback_parties as materialized (
    select
        parties.call_id,
        parties.email_lower,
        call_reps.rep_id
    from {{ ref('stg_gong__call_parties') }} as parties
    inner join call_reps on parties.call_id = call_reps.call_id
    where parties.is_external
      and parties.call_id not in (select call_id from context_opportunity)
),

open_deal_contacts as materialized (
    select
        contacts.email_lower,
        opportunities.opportunity_id,
        opportunities.owner_id,
        opportunities.created_date
    from {{ ref('stg_salesforce__contacts') }} as contacts
    inner join {{ ref('stg_salesforce__opportunity_contact_roles') }} as contact_roles
        on contacts.contact_id = contact_roles.contact_id
    inner join opportunities on contact_roles.opportunity_id = opportunities.opportunity_id
    cross join as_of
    where not opportunities.is_closed
      and opportunities.created_date <= as_of.as_of
),

contact_fallback as (
    select
        fallback_parties.call_id,
        open_deal_contacts.opportunity_id
    from fallback_parties
    inner join open_deal_contacts
        on fallback_parties.email_lower = open_deal_contacts.email_lower
        and fallback_parties.rep_id = open_deal_contacts.owner_id
    qualify row_number() over (
        partition by fallback_parties.call_id
        order by open_deal_contacts.created_date desc, open_deal_contacts.opportunity_id
    ) = 1
),

-- Configured trackers (var gong_trackers): one column each, null when the call does not
-- list a tracker of that name.
tracker_counts as (
    select
        call_id
        {%- for concept, tracker_name in trackers.items() %},
        max(case when tracker_name = '{{ tracker_name | replace("'", "''") }}' then tracker_count end) as tracker_{{ concept }}
        {%- endfor %}
    from {{ ref('stg_gong__call_trackers') }}
    group by call_id
)

select
    calls.call_id,
    calls.url,
    calls.title,
    call_reps.rep_id,
    calls.primary_user_id,
    calls.started_at,
    calls.call_date,
    calls.started_at_local,
    calls.time_zone,
    calls.scope,
    calls.is_external,
    calls.duration_seconds,
    coalesce(context_opportunity.opportunity_id, contact_fallback.opportunity_id) as opportunity_id,
    case
        when context_opportunity.opportunity_id is not null then 'context'
        when contact_fallback.opportunity_id is not null then 'contact_fallback'
    end as link_method,
    coalesce(context_account.account_id, linked_opportunity.account_id) as account_id,
    calls.talk_ratio,
    calls.questions_company_count,
    calls.questions_non_company_count,
    calls.longest_monologue_s,
    calls.patience_s,
    calls.longest_customer_story_s,
    calls.interactivity
    {%- for concept in trackers.keys() %},
    tracker_counts.tracker_{{ concept }}
    {%- endfor %}
from calls
left join call_reps on calls.call_id = call_reps.call_id
left join context_opportunity on calls.call_id = context_opportunity.call_id
left join contact_fallback on calls.call_id = contact_fallback.call_id
left join context_account on calls.call_id = context_account.call_id
left join opportunities as linked_opportunity
    on coalesce(context_opportunity.opportunity_id, contact_fallback.opportunity_id)
       = linked_opportunity.opportunity_id
left join tracker_counts on calls.call_id = tracker_counts.call_id
