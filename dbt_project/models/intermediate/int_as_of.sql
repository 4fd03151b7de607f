-- The one date everything is computed as of. Exactly one row; every other intermediate
-- model cross-joins it.
-- An explicit as_of wins when set ('YYYY-MM-DD'): the environment variable
-- COACHING_DBT_AS_OF (Dagster and `coaching run` set it), else the dbt var as_of (for a
-- hand-run `dbt build --vars`). It is an environment variable, not a var, so that nightly
-- runs with a new date keep dbt's partial parsing (a changed --vars re-parses the whole
-- project; a changed env_var re-parses this file only). Else the latest event date in
-- staging: the latest activity-log row, Task, Event or Gong call.
{%- set as_of_var = env_var('COACHING_DBT_AS_OF', '') or var('as_of', none) %}
with latest_event_dates as (
    select max(activity_date) as latest_date from {{ ref('stg_activity__activities') }}
    union all
    select max(activity_date) from {{ ref('stg_salesforce__tasks') }}
    union all
    select max(activity_date) from {{ ref('stg_salesforce__events') }}
    union all
    select max(call_date) from {{ ref('stg_gong__calls') }}
),

latest_event as (
    select max(latest_date) as latest_event_date from latest_event_dates
)

select
    {%- if as_of_var %}
    cast('{{ as_of_var }}' as date) as as_of,
    'var' as as_of_source,
    {%- else %}
    -- No event at all: fall back to today so downstream models still get one row.
    coalesce(latest_event_date, current_date) as as_of,
    case when latest_event_date is null then 'today' else 'latest_event' end as as_of_source,
    {%- endif %}
    latest_event_date
from latest_event
