-- One row per CSM and fiscal month of int_seller_months: onboarding counts of the CSM's
-- book over the role window (roles contract, CSM), from cs/ onboarding
-- (stg_cs__onboarding_milestones), before the minimum-sample rule and the benchmarks
-- (role_metrics applies them, and adds the health of the book from int_book_health).
-- The book: the accounts whose CSM is the user (int_accounts.csm_id).
-- ttv_attainment: an account's onboarding is its milestone rows taken together: kickoff =
-- the earliest kickoff_date, go-live = the earliest go_live_date, target = the largest
-- ttv_target_days. It is decided on its go-live when that came within target days of the
-- kickoff (attained), else on the day after kickoff + target (missed, live or not); it
-- counts in the window holding that day, once the day is on or before as_of. Onboardings
-- without a kickoff or a target are not counted.
-- milestones_on_time: a milestone is decided on its completed_date when completed by its
-- due_date (on time), else on the day after the due_date (late, completed later or not);
-- counted in the window holding that day (on or before as_of).
-- Without cs/ onboarding data both stay null.
with as_of as (
    select as_of from {{ ref('int_as_of') }}
),

csm_months as (
    select rep_id, month_start, window_start, window_end
    from {{ ref('int_seller_months') }}
    where role = 'CSM'
),

coverage as (
    select has_cs_onboarding from {{ ref('int_source_coverage') }}
),

book as (
    select account_id, csm_id from {{ ref('int_accounts') }} where csm_id is not null
),

milestones as (
    select * from {{ ref('stg_cs__onboarding_milestones') }}
),

onboardings as (
    select
        account_id,
        min(kickoff_date) as kickoff_date,
        min(go_live_date) as go_live_date,
        cast(max(ttv_target_days) as integer) as ttv_target_days
    from milestones
    group by account_id
),

decided_onboardings as (
    select
        account_id,
        coalesce(go_live_date <= kickoff_date + ttv_target_days, false) as attained,
        case
            when go_live_date <= kickoff_date + ttv_target_days then go_live_date
            else cast(kickoff_date + ttv_target_days + 1 as date)
        end as decided_date
    from onboardings
    where kickoff_date is not null and ttv_target_days is not null
),

decided_milestones as (
    select
        account_id,
        milestone,
        coalesce(completed_date <= due_date, false) as on_time,
        case
            when completed_date <= due_date then completed_date
            else cast(due_date + 1 as date)
        end as decided_date
    from milestones
),

ttv_counts as (
    select
        csm_months.rep_id,
        csm_months.month_start,
        count(*) filter (where decided.attained) as attained,
        count(*) as decided
    from csm_months
    inner join book on book.csm_id = csm_months.rep_id
    inner join decided_onboardings as decided on book.account_id = decided.account_id
    cross join as_of
    where decided.decided_date between csm_months.window_start and csm_months.window_end
      and decided.decided_date <= as_of.as_of
    group by csm_months.rep_id, csm_months.month_start
),

milestone_counts as (
    select
        csm_months.rep_id,
        csm_months.month_start,
        count(*) filter (where decided.on_time) as on_time,
        count(*) as decided
    from csm_months
    inner join book on book.csm_id = csm_months.rep_id
    inner join decided_milestones as decided on book.account_id = decided.account_id
    cross join as_of
    where decided.decided_date between csm_months.window_start and csm_months.window_end
      and decided.decided_date <= as_of.as_of
    group by csm_months.rep_id, csm_months.month_start
)

select
    csm_months.rep_id,
    csm_months.month_start,
    case when coverage.has_cs_onboarding then coalesce(ttv_counts.attained, 0) end as ttv_attainment_numerator,
    case when coverage.has_cs_onboarding then coalesce(ttv_counts.decided, 0) end as ttv_attainment_denominator,
    case when coverage.has_cs_onboarding then coalesce(milestone_counts.on_time, 0) end
        as milestones_on_time_numerator,
    case when coverage.has_cs_onboarding then coalesce(milestone_counts.decided, 0) end
        as milestones_on_time_denominator
from csm_months
cross join coverage
left join ttv_counts using (rep_id, month_start)
left join milestone_counts using (rep_id, month_start)
