{{ config(meta={'dagster': {'ref': {'name': 'rep_activities'}}}) }}
-- rep_activities holds exactly one row per seller per date from the seller's first
-- activity date (any activity type) up to as_of: every (seller, day) missing from the
-- table or present without belonging there is returned.
with as_of as (
    select as_of from {{ ref('int_as_of') }}
),

first_activities as (
    select activities.rep_id, min(activities.activity_date) as first_activity_date
    from {{ ref('int_activities') }} as activities
    inner join {{ ref('int_users') }} as users
        on activities.rep_id = users.user_id
        and users.is_seller
    group by activities.rep_id
),

expected as (
    select
        rep_id,
        cast(unnest(generate_series(
            cast(first_activity_date as timestamp), cast(as_of.as_of as timestamp), interval 1 day
        )) as date) as activity_date
    from first_activities, as_of
),

actual as (
    select rep_id, activity_date, count(*) as row_count
    from {{ ref('rep_activities') }}
    group by rep_id, activity_date
)

select
    coalesce(expected.rep_id, actual.rep_id) as rep_id,
    coalesce(expected.activity_date, actual.activity_date) as activity_date,
    case
        when actual.rep_id is null then 'missing day'
        when expected.rep_id is null then 'unexpected day'
        else 'duplicate day'
    end as problem
from expected
full outer join actual
    on expected.rep_id = actual.rep_id
    and expected.activity_date = actual.activity_date
where actual.rep_id is null
   or expected.rep_id is null
   or actual.row_count <> 1
