-- One row per open deal that is not green: what the deal owner should do next (the action
-- for the component that lost the most health points), with whom, when, and how urgent it
-- is compared with the owner's other deals. Numbers come from var next_best_actions.
-- It reads deal_health_scores and the intermediate layer only.
{%- set nba = var('next_best_actions') %}
with settings as (
    select
        cast({{ nba['urgent_within_days'] }} as integer) as urgent_within_days,
        cast({{ nba['urgency_multiplier'] }} as double) as urgency_multiplier,
        cast('{{ nba['default_best_time'] | replace("'", "''") }}' as varchar) as default_best_time
),

as_of as (
    select as_of from {{ ref('int_as_of') }}
),

at_risk_deals as (
    select *
    from {{ ref('deal_health_scores') }}
    where not is_closed
      and health_band <> 'green'
),

-- Contact candidates, best first: 1 the primary contact role, 2 an economic buyer role,
-- 3 a champion role (int_deal_contact_roles; several of one kind: the earliest role, then
-- the smallest id) ...
role_contacts as (
    select
        contact_roles.opportunity_id,
        contact_roles.contact_id,
        case
            when contact_roles.is_primary then 1
            when contact_roles.is_economic_buyer_role then 2
            when contact_roles.is_champion_role then 3
        end as preference,
        cast(null as date) as touched_on,
        cast(null as timestamp) as touched_at,
        contact_roles.created_at as role_created_at
    from {{ ref('int_deal_contact_roles') }} as contact_roles
    inner join at_risk_deals on contact_roles.opportunity_id = at_risk_deals.opportunity_id
    where contact_roles.contact_id is not null
),

-- ... 4 the Contact (WhoId) of the latest Task or Event on the deal that names one, on or
-- before as_of (int_activities). Activity-log contacts are not used.
touched_contacts as (
    select
        activities.opportunity_id,
        activities.contact_id,
        4 as preference,
        activities.activity_date as touched_on,
        activities.started_at as touched_at,
        cast(null as timestamp) as role_created_at
    from {{ ref('int_activities') }} as activities
    inner join at_risk_deals on activities.opportunity_id = at_risk_deals.opportunity_id
    inner join {{ ref('int_contacts') }} as contacts on activities.contact_id = contacts.contact_id
    where activities.origin in ('task', 'event')
),

chosen_contacts as (
    select candidates.opportunity_id, candidates.contact_id, contacts.contact_name
    from (
        select * from role_contacts where preference is not null
        union all
        select * from touched_contacts
    ) as candidates
    left join {{ ref('int_contacts') }} as contacts on candidates.contact_id = contacts.contact_id
    qualify row_number() over (
        partition by candidates.opportunity_id
        order by
            candidates.preference,
            candidates.touched_on desc nulls last,
            candidates.touched_at desc nulls last,
            candidates.role_created_at nulls last,
            candidates.contact_id
    ) = 1
),

-- When the owner meets this account, in the owner's local time (int_activities and
-- int_gong_calls give started_at_local in the rep's zone): the owner's Events whose
-- AccountId is the deal's account (int_activities stops at as_of) ...
owner_event_starts as (
    select at_risk_deals.opportunity_id, events.started_at_local
    from at_risk_deals
    inner join {{ ref('int_activities') }} as events
        on events.rep_id = at_risk_deals.owner_id
        and events.account_id = at_risk_deals.account_id
    where events.origin = 'event'
),

-- ... and the owner's External Gong calls with the account: named in the call's context,
-- or the account of the call's linked opportunity (int_gong_call_accounts). int_gong_calls
-- stops at as_of.
owner_call_starts as (
    select at_risk_deals.opportunity_id, calls.started_at_local
    from at_risk_deals
    inner join {{ ref('int_gong_calls') }} as calls
        on calls.rep_id = at_risk_deals.owner_id
        and calls.is_external
    inner join {{ ref('int_gong_call_accounts') }} as call_accounts
        on calls.call_id = call_accounts.call_id
        and call_accounts.account_id = at_risk_deals.account_id
),

-- Local weekday and two-hour window (aligned on even local hours) of each start, counted
-- per deal.
slot_counts as (
    select
        opportunity_id,
        isodow(started_at_local) as weekday_number,
        strftime(started_at_local, '%a') as weekday_name,
        hour(started_at_local) // 2 * 2 as slot_start_hour,
        count(*) as start_count
    from (
        select * from owner_event_starts
        union all
        select * from owner_call_starts
    ) as starts
    group by all
),

-- The most frequent slot; ties go to the earliest in the week (Monday first), then the day.
best_slots as (
    select
        opportunity_id,
        weekday_name || ' '
            || lpad(cast(slot_start_hour as varchar), 2, '0') || ':00-'
            || lpad(cast(slot_start_hour + 2 as varchar), 2, '0') || ':00' as best_time
    from slot_counts
    qualify row_number() over (
        partition by opportunity_id
        order by start_count desc, weekday_number, slot_start_hour
    ) = 1
),

-- The zone best_time is in: the owner's (int_users.time_zone), else the fallback zone, as
-- int_activities and int_gong_calls date an unknown owner's rows.
owner_zones as (
    select at_risk_deals.opportunity_id, coalesce(users.time_zone, fallback_zone.time_zone) as best_time_zone
    from at_risk_deals
    left join {{ ref('int_users') }} as users on at_risk_deals.owner_id = users.user_id
    cross join {{ ref('int_fallback_time_zone') }} as fallback_zone
),

actions as (
    select
        at_risk_deals.owner_id as rep_id,
        at_risk_deals.opportunity_id,
        at_risk_deals.opportunity_name,
        at_risk_deals.account_id,
        at_risk_deals.account_name,
        at_risk_deals.amount,
        at_risk_deals.close_date,
        at_risk_deals.health_score,
        at_risk_deals.health_band,
        at_risk_deals.priority_action as action_type,
        case at_risk_deals.priority_action
            when 'call' then 'Call'
            when 'email' then 'Email'
            when 'meeting' then 'Meeting'
            when 'task' then 'Task'
            else 'No action'
        end as action_type_label,
        chosen_contacts.contact_id,
        chosen_contacts.contact_name,
        -- The reason behind priority_action (the top risk reason, risk_reasons[1], unless the
        -- close date passed) phrased as what to do.
        case at_risk_deals.priority_component
            when 'recency' then
                case
                    when at_risk_deals.days_since_last_touch is null then 'Make first contact: no touch recorded yet'
                    else 'Re-engage: ' || lower(at_risk_deals.risk_reasons[1])
                end
            when 'multithreading' then 'Multithread: ' || at_risk_deals.risk_reasons[1]
            when 'champion' then 'Find a champion: none identified yet'
            when 'economic_buyer' then 'Reach the economic buyer: not identified yet'
            when 'qualification' then 'Qualify: ' || at_risk_deals.risk_reasons[1]
            when 'velocity' then 'Accelerate: ' || lower(at_risk_deals.risk_reasons[1])
            -- A passed close date is the action whatever else the deal lost (deal_health_scores
            -- sets priority_component to hygiene), so this is not always risk_reasons[1].
            when 'hygiene' then
                'Update the close date or close the deal: close date passed '
                || (as_of.as_of - at_risk_deals.close_date)
                || case when as_of.as_of - at_risk_deals.close_date = 1 then ' day' else ' days' end || ' ago'
        end as action_reason,
        coalesce(best_slots.best_time, settings.default_best_time) as best_time,
        coalesce(owner_zones.best_time_zone, 'UTC') as best_time_zone,
        -- Money-weighted, so computed exactly and rounded to the cent once.
        cast(at_risk_deals.amount * (100 - at_risk_deals.health_score) * 0.01
            * case
                when at_risk_deals.close_date - as_of.as_of <= settings.urgent_within_days
                    then cast(settings.urgency_multiplier as decimal(9, 4))
                else 1
            end as decimal(18, 2)) as priority_score
    from at_risk_deals
    cross join as_of
    cross join settings
    left join chosen_contacts on at_risk_deals.opportunity_id = chosen_contacts.opportunity_id
    left join best_slots on at_risk_deals.opportunity_id = best_slots.opportunity_id
    left join owner_zones on at_risk_deals.opportunity_id = owner_zones.opportunity_id
)

select
    rep_id,
    opportunity_id,
    opportunity_name,
    account_id,
    account_name,
    amount,
    close_date,
    health_score,
    health_band,
    action_type,
    action_type_label,
    contact_id,
    contact_name,
    action_reason,
    best_time,
    best_time_zone,
    priority_score,
    row_number() over (
        partition by rep_id
        order by priority_score desc nulls last, amount desc nulls last, opportunity_id
    ) as rank_for_rep
from actions
