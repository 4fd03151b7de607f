-- The one date everything is computed as of. Exactly one row; every other intermediate
-- model cross-joins it.
-- An explicit as_of wins when set ('YYYY-MM-DD'): the environment variable
-- COACHING_DBT_AS_OF (Dagster and `coaching run` set it), else the dbt var as_of (for a
-- hand-run `dbt build --vars`). It is an environment variable, not a var, so that nightly
-- runs with a new date keep dbt's partial parsing (a changed --vars re-parses the whole
-- project; a changed env_var re-parses this file only). Else the latest event date in
-- staging: the latest activity-log row, Task, Event, Gong call or closed deal's CloseDate dated on or
-- before today (UTC).
-- as_of is never after today: rows dated later (a meeting booked for next week, a typo'd
-- year) are not used until their day comes, and are counted in events_after_today.
{%- set as_of_var = env_var('COACHING_DBT_AS_OF', '') or var('as_of', none) %}
with event_dates as (
    select activity_date as event_date from {{ ref('stg_activity__activities') }}
    union all
    select activity_date from {{ ref('stg_salesforce__tasks') }}
    union all
    select activity_date from {{ ref('stg_salesforce__events') }}
    union all
    select call_date from {{ ref('stg_gong__calls') }}
),

-- A closed deal's CloseDate is an event too (the mart contract): with CRM-only data as_of
-- is the last close, not today. Open deals' close dates are plans, not events.
latest_close as (
    select max(close_date) filter (where close_date <= {{ utc_today() }}) as latest_close_date
    from {{ ref('stg_salesforce__opportunities') }}
    where is_closed
),

latest_event as (
    select
        greatest(
            max(event_date) filter (where event_date <= {{ utc_today() }}),
            any_value(latest_close.latest_close_date)
        ) as latest_event_date,
        count(*) filter (where event_date > {{ utc_today() }}) as events_after_today
    from event_dates, latest_close
)

select
    {%- if as_of_var %}
    -- An explicit date after today is an error, not a silent clamp (the product refuses it
    -- before dbt starts; this guards a hand-run `dbt build --vars`).
    case
        when cast('{{ as_of_var }}' as date) > {{ utc_today() }}
            then error('as_of {{ as_of_var }} is after today (UTC)')
        else cast('{{ as_of_var }}' as date)
    end as as_of,
    'var' as as_of_source,
    {%- else %}
    -- No event at all: fall back to today so downstream models still get one row.
    coalesce(latest_event_date, {{ utc_today() }}) as as_of,
    case when latest_event_date is null then 'today' else 'latest_event' end as as_of_source,
    {%- endif %}
    latest_event_date,
    events_after_today
from latest_event
