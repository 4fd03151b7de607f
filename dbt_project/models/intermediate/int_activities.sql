-- One row per activity dated on or before as_of: Salesforce Tasks and Events and the
-- activity log, classified per the landing-zone table. Gong calls are conversations, not
-- activities, and are not here (see int_gong_calls).
--
-- Incremental (delete+insert on activity_key; macros/incremental_helpers.sql explains the
-- raw _loaded_at watermark). A run rebuilds only the activities a change since the last
-- build can touch:
--   - source rows loaded since (new, re-delivered, edited);
--   - rows whose staging (UTC) date is on or after the latest built day, which as_of
--     moving forward lets in (see below);
--   - Tasks and Events whose WhatId is an opportunity loaded since (it may now link);
--   - activity-log rows matched by email to a user loaded since, or whose matched user
--     changed or is gone (the match may now differ);
--   - every activity of a rep whose resolved time zone (int_users.time_zone; the fallback
--     zone for rows without a known rep) is not the one their rows were built in: a
--     changed User or Organization TimeZoneSidKey, or a changed default_time_zone.
-- Dates and local times are in the rep's zone (landing-zone contract, "Local time"): a
-- Task's ActivityDate is taken as it is, every timestamp (Event StartDateTime, activity-log
-- occurred_at, a Task's CreatedDate when it has no ActivityDate) gives the date of its local
-- time. Staging dates are UTC dates, at most one day from the local one: rows are rebuilt
-- from the latest built day on (not after it), so those that as_of moving forward lets in
-- are all there.
-- The post-hooks remove what a batch cannot: days after as_of (as_of moved back), Tasks and
-- Events deleted since, and links to opportunities deleted since. `dbt build --full-refresh`
-- rebuilds it all; assets_tests/dbt/test_incremental.py checks both give the same table.
{{
    config(
        materialized='incremental',
        unique_key='activity_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=[
            "delete from {{ this }} where activity_date > (select as_of from {{ ref('int_as_of') }})",
            "delete from {{ this }}
             where (origin = 'task' and source_id not in (select task_id from {{ ref('stg_salesforce__tasks') }}))
                or (origin = 'event' and source_id not in (select event_id from {{ ref('stg_salesforce__events') }}))",
            "update {{ this }} set opportunity_id = null
             where origin in ('task', 'event')
               and opportunity_id not in (select opportunity_id from {{ ref('stg_salesforce__opportunities') }})"
        ]
    )
}}

{#- Tasks and Events an incremental run rebuilds (the same rule for both). -#}
{%- set salesforce_batch %}
    {%- if is_incremental() %}
    where _loaded_at > (select loaded_through from last_build)
       or activity_date >= (select latest_date from last_build)
       or what_id in (select opportunity_id from new_opportunities)
       or coalesce(owner_id, '') in (select rep_key from rezoned_reps)
    {%- endif %}
{%- endset %}
{#- The zones in use, one CASE branch each (macros/time_zone_helpers.sql, local_time). -#}
{%- set zones = time_zones_in_use(ref('int_users')) %}

with as_of as (
    select as_of from {{ ref('int_as_of') }}
),

opportunities as (
    select opportunity_id from {{ ref('stg_salesforce__opportunities') }}
),

-- Each user's resolved zone; a row whose rep is not a known user takes the fallback zone.
rep_zones as (
    select user_id, time_zone from {{ ref('int_users') }}
),

fallback_zone as (
    select time_zone from {{ ref('int_fallback_time_zone') }}
),

-- The newest raw load any source of this model had seen when it was built; stored on
-- every row, so the next run knows what is new.
loaded_through as (
    select greatest(
        (select max(_loaded_at) from {{ ref('stg_salesforce__tasks') }}),
        (select max(_loaded_at) from {{ ref('stg_salesforce__events') }}),
        (select max(_loaded_at) from {{ ref('stg_activity__activities') }}),
        (select max(_loaded_at) from {{ ref('stg_salesforce__users') }}),
        (select max(_loaded_at) from {{ ref('stg_salesforce__opportunities') }})
    ) as loaded_through
),
{% if is_incremental() %}
-- What the last build had seen, and its latest activity day.
last_build as (
    select
        coalesce(max(_loaded_through), timestamp '0001-01-01') as loaded_through,
        coalesce(max(activity_date), date '0001-01-01') as latest_date
    from {{ this }}
),

new_opportunities as (
    select opportunity_id
    from {{ ref('stg_salesforce__opportunities') }}
    where _loaded_at > (select loaded_through from last_build)
),

changed_users as (
    select user_id, email_lower
    from {{ ref('stg_salesforce__users') }}
    where _loaded_at > (select loaded_through from last_build)
),

-- Activity-log rows whose rep came from the email match and whose matched user changed
-- or is gone.
rematched_log_rows as (
    select built.source_id
    from {{ this }} as built
    inner join {{ ref('stg_activity__activities') }} as log
        on built.source_id = log.activity_key
    where built.origin = 'activity_log'
      and log.rep_id is null
      and (
          built.rep_id in (select user_id from changed_users)
          or built.rep_id not in (select user_id from {{ ref('stg_salesforce__users') }})
      )
),

-- Reps (rep_key: rep_id, '' for rows without one) whose rows were built in another zone
-- than theirs now. One pass over the (rep, zone) pairs built, a few hundred.
rezoned_reps as (
    select coalesce(built.rep_id, '') as rep_key
    from (select distinct rep_id, time_zone from {{ this }}) as built
    left join rep_zones on built.rep_id = rep_zones.user_id
    cross join fallback_zone
    where built.time_zone is distinct from coalesce(rep_zones.time_zone, fallback_zone.time_zone)
),
{% endif %}

-- Salesforce user of each email (int_users_by_email): activity-log rows that name their
-- rep by email only.
users_by_email as (
    select user_id, email_lower from {{ ref('int_users_by_email') }}
),

tasks as (
    select
        'task:' || task_id as activity_key,
        'task' as origin,
        task_id as source_id,
        owner_id as rep_id,
        -- ActivityDate as it is; without one, the local date of CreatedDate.
        due_date as date_as_is,
        case when due_date is null then created_at end as timed_at,
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
        account_id,
        _loaded_at
    from {{ ref('stg_salesforce__tasks') }}
    {{- salesforce_batch }}
),

events as (
    select
        'event:' || event_id as activity_key,
        'event' as origin,
        event_id as source_id,
        owner_id as rep_id,
        cast(null as date) as date_as_is,
        started_at as timed_at,
        started_at,
        case
            when lower(event_type) = 'demo' or contains(lower(subject), 'demo') then 'demo'
            else 'meeting'
        end as activity_type,
        event_type as delivered_type,
        subject,
        what_id,
        who_id as contact_id,
        account_id,
        _loaded_at
    from {{ ref('stg_salesforce__events') }}
    {{- salesforce_batch }}
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
        cast(null as date) as date_as_is,
        log.occurred_at as timed_at,
        log.occurred_at as started_at,
        -- Staging already maps anything outside the contract's list to 'other'.
        log.activity_type,
        log.activity_type_delivered as delivered_type,
        cast(null as varchar) as subject,
        log.contact_id,
        log.account_id,
        log.opportunity_id,
        log._loaded_at
    from {{ ref('stg_activity__activities') }} as log
    left join users_by_email on log.rep_email_lower = users_by_email.email_lower
    {%- if is_incremental() %}
    where log._loaded_at > (select loaded_through from last_build)
       or log.activity_date >= (select latest_date from last_build)
       or log.rep_email_lower in (select email_lower from changed_users)
       or log.activity_key in (select source_id from rematched_log_rows)
       or coalesce(log.rep_id, users_by_email.user_id, '') in (select rep_key from rezoned_reps)
    {%- endif %}
),

all_activities as (
    select * from salesforce_activities
    union all by name
    select * from activity_log
),

zoned_activities as (
    select
        all_activities.*,
        coalesce(rep_zones.time_zone, fallback_zone.time_zone) as time_zone
    from all_activities
    left join rep_zones on all_activities.rep_id = rep_zones.user_id
    cross join fallback_zone
),

local_times as (
    select
        *,
        {{ local_time('timed_at', 'time_zone', zones) }} as timed_at_local
    from zoned_activities
),

local_activities as (
    select
        *,
        coalesce(date_as_is, cast(timed_at_local as date)) as activity_date
    from local_times
)

select
    activity_key,
    origin,
    source_id,
    rep_id,
    activity_date,
    started_at,
    case when started_at is not null then timed_at_local end as started_at_local,
    time_zone,
    activity_type,
    delivered_type,
    subject,
    opportunity_id,
    contact_id,
    account_id,
    _loaded_at,
    loaded_through.loaded_through as _loaded_through
from local_activities, as_of, loaded_through
where local_activities.activity_date <= as_of.as_of
