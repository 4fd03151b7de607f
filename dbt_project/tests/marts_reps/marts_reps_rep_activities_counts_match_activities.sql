{{ config(meta={'dagster': {'ref': {'name': 'rep_activities'}}}) }}
-- Every seller's activities (by type) are counted exactly once in rep_activities, however
-- late they arrived (the incremental build rewrites every row whose counts changed).
with activities as (
    select activities.rep_id, activities.activity_type, count(*) as activities
    from {{ ref('int_activities') }} as activities
    inner join {{ ref('int_users') }} as users
        on activities.rep_id = users.user_id
        and users.is_seller
    group by activities.rep_id, activities.activity_type
),

counted as (
    unpivot (
        select
            rep_id,
            sum(call_count) as call,
            sum(email_count) as email,
            sum(meeting_count) as meeting,
            sum(demo_count) as demo,
            sum(social_count) as social,
            sum(task_count) as task,
            sum(other_count) as other
        from {{ ref('rep_activities') }}
        group by rep_id
    )
    on call, email, meeting, demo, social, task, other
    into name activity_type value counted
)

select
    coalesce(activities.rep_id, counted.rep_id) as rep_id,
    coalesce(activities.activity_type, counted.activity_type) as activity_type,
    coalesce(activities.activities, 0) as activities,
    coalesce(counted.counted, 0) as counted
from activities
full outer join counted
    on activities.rep_id = counted.rep_id
    and activities.activity_type = counted.activity_type
where coalesce(activities.activities, 0) <> coalesce(counted.counted, 0)
