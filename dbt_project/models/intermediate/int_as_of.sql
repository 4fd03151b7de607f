-- The one date everything is computed as of. Exactly one row; every other intermediate
-- model cross-joins it.
-- var as_of wins when set ('YYYY-MM-DD'); else the latest event date in staging: the
-- latest activity-log row, Task, Event or Gong call (the same default the runner uses).
{%- set as_of_var = var('as_of', none) %}
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
