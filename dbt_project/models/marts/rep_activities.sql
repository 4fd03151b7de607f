-- One row per seller per day, from the seller's first activity date up to as_of (dense:
-- days without activity are rows of zeros), with the day's activities by type.
--
-- Incremental (delete+insert on rep_id, activity_date): a run rebuilds only the days from
-- (the latest activity_date already in the table - var activity_lookback_days) to as_of,
-- so a nightly run does not rebuild history while activities that arrive a few days late
-- are still counted. A seller not yet in the table is built from their first activity.
-- The post-hook removes rows the new run no longer wants: days after as_of (as_of moved
-- back) and users who are no longer sellers. `dbt build --full-refresh` rebuilds it all.
{{
    config(
        materialized='incremental',
        unique_key=['rep_id', 'activity_date'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=[
            "delete from {{ this }}
             where activity_date > (select as_of from {{ ref('int_as_of') }})
                or rep_id not in (select user_id from {{ ref('int_users') }} where is_seller)"
        ]
    )
}}
{%- set lookback_days = var('activity_lookback_days') | int %}
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

{% if is_incremental() %}
-- Rows already in the table: each seller's latest built day ...
already_built as (
    select rep_id, max(activity_date) as last_built_date
    from {{ this }}
    group by rep_id
),

-- ... and the first day to rebuild: the latest day in the table (never later than as_of)
-- minus the lookback.
rebuild_window as (
    select least(max(built.activity_date), any_value(as_of.as_of)) - {{ lookback_days }} as rebuild_from
    from {{ this }} as built, as_of
),
{% endif %}

-- The days to (re)build per seller.
rep_ranges as (
    select
        first_activities.rep_id,
        {%- if is_incremental() %}
        case
            -- New seller: their whole history.
            when already_built.rep_id is null then first_activities.first_activity_date
            -- Known seller: the lookback window, or from the day after their last row
            -- should that be earlier (no gap is left behind).
            else greatest(
                first_activities.first_activity_date,
                least(rebuild_window.rebuild_from, already_built.last_built_date + 1)
            )
        end as range_start,
        {%- else %}
        first_activities.first_activity_date as range_start,
        {%- endif %}
        as_of.as_of as range_end
    from first_activities
    cross join as_of
    {%- if is_incremental() %}
    cross join rebuild_window
    left join already_built on first_activities.rep_id = already_built.rep_id
    {%- endif %}
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
)

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
    -- The as_of of the run that wrote this row (rows older than the lookback keep the
    -- value of the run that last rebuilt them).
    as_of.as_of as built_at_as_of
from dense_days
cross join as_of
