-- One row per seller per day, from the seller's first activity date up to as_of (dense:
-- days without activity are rows of zeros), with the day's activities by type.
--
-- Incremental (delete+insert on rep_id, activity_date): every run computes the whole grid
-- (an aggregation of int_activities, cheap) but writes only the rows that are new or whose
-- counts changed, so a nightly run does not rewrite history while an activity that arrives
-- late, however late, is counted. The post-hooks remove rows the new grid no longer has:
-- days after as_of (as_of moved back), users who are no longer sellers and days before a
-- seller's first activity (it was deleted). `dbt build --full-refresh` gives the same rows
-- (assets_tests/dbt/test_incremental.py).
{{
    config(
        materialized='incremental',
        unique_key=['rep_id', 'activity_date'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=[
            "delete from {{ this }}
             where activity_date > (select as_of from {{ ref('int_as_of') }})
                or rep_id not in (select user_id from {{ ref('int_users') }} where is_seller)",
            "delete from {{ this }} as built
             where built.activity_date < coalesce(
                 (select min(activities.activity_date) from {{ ref('int_activities') }} as activities
                  where activities.rep_id = built.rep_id),
                 date '9999-12-31'
             )"
        ]
    )
}}
{%- set low_day_threshold = var('low_activity_day_threshold') | int %}
{%- set activity_types = ['call', 'email', 'meeting', 'demo', 'social', 'task', 'other'] %}

with as_of as (
    select as_of from {{ ref('int_as_of') }}
),

sellers as (
    select user_id as rep_id
    from {{ ref('int_users') }}
    where is_seller
),

-- Activities of non-sellers (managers, unknown users, unmatched emails) are not counted.
-- int_activities already stops at as_of.
seller_activities as (
    select activities.rep_id, activities.activity_date, activities.activity_type
    from {{ ref('int_activities') }} as activities
    inner join sellers on activities.rep_id = sellers.rep_id
),

-- Any activity (social, task and other included) starts the seller's daily rows.
first_activities as (
    select rep_id, min(activity_date) as first_activity_date
    from seller_activities
    group by rep_id
),

-- The days of each seller: from their first activity to as_of.
rep_ranges as (
    select
        first_activities.rep_id,
        first_activities.first_activity_date as range_start,
        as_of.as_of as range_end
    from first_activities
    cross join as_of
),

rep_days as (
    select
        rep_id,
        cast(unnest(generate_series(
            cast(range_start as timestamp), cast(range_end as timestamp), interval 1 day
        )) as date) as activity_date
    from rep_ranges
    where range_start <= range_end
),

daily_counts as (
    select
        rep_id,
        activity_date
        {%- for activity_type in activity_types %},
        count(*) filter (where activity_type = '{{ activity_type }}') as {{ activity_type }}_count
        {%- endfor %}
    from seller_activities
    group by rep_id, activity_date
),

dense_days as (
    select
        rep_days.rep_id,
        rep_days.activity_date,
        isodow(rep_days.activity_date) <= 5 as is_business_day
        {%- for activity_type in activity_types %},
        coalesce(daily_counts.{{ activity_type }}_count, 0) as {{ activity_type }}_count
        {%- endfor %}
    from rep_days
    left join daily_counts
        on rep_days.rep_id = daily_counts.rep_id
        and rep_days.activity_date = daily_counts.activity_date
),

grid as (
    select
        dense_days.rep_id,
        dense_days.activity_date,
        dense_days.is_business_day,
        dense_days.call_count,
        dense_days.email_count,
        dense_days.meeting_count,
        dense_days.demo_count,
        dense_days.social_count,
        dense_days.task_count,
        dense_days.other_count,
        -- Selling touches only: social, task and other are not counted.
        dense_days.call_count + dense_days.email_count + dense_days.meeting_count
            + dense_days.demo_count as activity_count,
        dense_days.is_business_day
            and dense_days.call_count + dense_days.email_count + dense_days.meeting_count
                + dense_days.demo_count < {{ low_day_threshold }} as is_low_day,
        -- The as_of of the run that last wrote this row (an unchanged row keeps the value of
        -- the run that wrote it).
        as_of.as_of as built_at_as_of
    from dense_days
    cross join as_of
)

select grid.*
from grid
{%- if is_incremental() %}
-- Only new rows and rows whose counts changed (the other columns follow from those).
left join {{ this }} as built
    on grid.rep_id = built.rep_id
    and grid.activity_date = built.activity_date
where built.rep_id is null
    {%- for activity_type in activity_types %}
   or grid.{{ activity_type }}_count is distinct from built.{{ activity_type }}_count
    {%- endfor %}
{%- endif %}
