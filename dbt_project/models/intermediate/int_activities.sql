-- One row per activity dated on or before as_of: Salesforce Tasks and Events and the
-- activity log, classified per the landing-zone table. Gong calls are conversations, not
-- activities, and are not here (see int_gong_calls).
with as_of as (
    select as_of from {{ ref('int_as_of') }}
),

opportunities as (
    select opportunity_id from {{ ref('stg_salesforce__opportunities') }}
),

-- Salesforce user of each email (active first, then smallest id): activity-log rows that
-- name their rep by email only.
users_by_email as (
    select user_id, email_lower
    from {{ ref('stg_salesforce__users') }}
    where email_lower is not null
    qualify row_number() over (
        partition by email_lower order by is_active desc nulls last, user_id
    ) = 1
),

tasks as (
    select
        'task:' || task_id as activity_key,
        'task' as origin,
        task_id as source_id,
        owner_id as rep_id,
        activity_date,
        cast(null as timestamp) as started_at,
        case
            when lower(task_subtype) = 'call' then 'call'
            when lower(task_subtype) in ('email', 'listemail') then 'email'
            when lower(task_subtype) = 'linkedin' then 'social'
            else 'task'
        end as activity_type,
        task_subtype as delivered_type,
        subject,
        what_id,
        who_id as contact_id,
        account_id
    from {{ ref('stg_salesforce__tasks') }}
),

events as (
    select
        'event:' || event_id as activity_key,
        'event' as origin,
        event_id as source_id,
        owner_id as rep_id,
        activity_date,
        started_at,
        case
            when lower(event_type) = 'demo' or contains(lower(subject), 'demo') then 'demo'
            else 'meeting'
        end as activity_type,
        event_type as delivered_type,
        subject,
        what_id,
        who_id as contact_id,
        account_id
    from {{ ref('stg_salesforce__events') }}
),

salesforce_activities as (
    select
        activity.* exclude (what_id),
        -- WhatId can name any object (account, case, ...): only an opportunity links a deal.
        opportunities.opportunity_id
    from (select * from tasks union all by name select * from events) as activity
    left join opportunities on activity.what_id = opportunities.opportunity_id
),

activity_log as (
    select
        'activity_log:' || log.activity_key as activity_key,
        'activity_log' as origin,
        log.activity_key as source_id,
        coalesce(log.rep_id, users_by_email.user_id) as rep_id,
        log.activity_date,
        log.occurred_at as started_at,
        -- Staging already maps anything outside the contract's list to 'other'.
        log.activity_type,
        log.activity_type_delivered as delivered_type,
        cast(null as varchar) as subject,
        log.contact_id,
        log.account_id,
        log.opportunity_id
    from {{ ref('stg_activity__activities') }} as log
    left join users_by_email on log.rep_email_lower = users_by_email.email_lower
),

all_activities as (
    select * from salesforce_activities
    union all by name
    select * from activity_log
)

select
    activity_key,
    origin,
    source_id,
    rep_id,
    activity_date,
    started_at,
    activity_type,
    delivered_type,
    subject,
    opportunity_id,
    contact_id,
    account_id
from all_activities, as_of
where all_activities.activity_date <= as_of.as_of
