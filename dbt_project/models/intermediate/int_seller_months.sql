-- The grain of role_metrics: one row per seller (int_users.is_seller) and fiscal month of
-- int_fiscal_months, from the first month holding any of the seller's own data (an
-- activity, a deal they own or sourced, a Gong call they led) through the month holding
-- as_of; a seller without any data of their own starts at the earliest month of the data.
-- With the seller's segment (roles contract): the segment most of their deals' accounts are
-- in (AE: deals they own, SDR: deals they sourced) or most of their book's accounts (AM: the
-- accounts they own, CSM: the accounts they are the CSM of); ties go to the segment name
-- first in alphabetical order; null when none of those accounts has a segment.
with months as (
    select * from {{ ref('int_fiscal_months') }}
),

sellers as (
    select user_id as rep_id, user_name as rep_name, role, manager_id, slm_id
    from {{ ref('int_users') }}
    where is_seller
),

accounts as (
    select account_id, owner_id, csm_id, segment from {{ ref('int_accounts') }}
),

kinds as (
    select opportunity_id, account_id, owner_id, sdr_id from {{ ref('int_opportunity_kinds') }}
),

seller_dates as (
    select rep_id, min(activity_date) as first_date from {{ ref('int_activities') }} group by rep_id
    union all
    select owner_id, min(created_date) from {{ ref('int_deal_facts') }} group by owner_id
    union all
    select kinds.sdr_id, min(deals.created_date)
    from kinds
    inner join {{ ref('int_deal_facts') }} as deals on kinds.opportunity_id = deals.opportunity_id
    group by kinds.sdr_id
    union all
    select rep_id, min(call_date) from {{ ref('int_gong_calls') }} group by rep_id
),

first_months as (
    select
        sellers.rep_id,
        -- Never after the as_of month (a Gong call may be dated a day after as_of).
        least(
            coalesce(
                cast(date_trunc('month', min(seller_dates.first_date)) as date),
                (select min(month_start) from months)
            ),
            (select max(month_start) from months)
        ) as first_month
    from sellers
    left join seller_dates on sellers.rep_id = seller_dates.rep_id
    group by sellers.rep_id
),

-- (seller, account) pairs that make up a seller's segment, one per deal or book account.
segment_votes as (
    select sellers.rep_id, accounts.segment
    from sellers
    inner join kinds on sellers.role = 'AE' and kinds.owner_id = sellers.rep_id
    inner join accounts on kinds.account_id = accounts.account_id
    union all
    select sellers.rep_id, accounts.segment
    from sellers
    inner join kinds on sellers.role = 'SDR' and kinds.sdr_id = sellers.rep_id
    inner join accounts on kinds.account_id = accounts.account_id
    union all
    select sellers.rep_id, accounts.segment
    from sellers
    inner join accounts on sellers.role = 'AM' and accounts.owner_id = sellers.rep_id
    union all
    select sellers.rep_id, accounts.segment
    from sellers
    inner join accounts on sellers.role = 'CSM' and accounts.csm_id = sellers.rep_id
),

seller_segments as (
    select rep_id, segment
    from segment_votes
    where segment is not null
    group by rep_id, segment
    qualify row_number() over (partition by rep_id order by count(*) desc, segment) = 1
)

select
    sellers.rep_id,
    sellers.rep_name,
    sellers.role,
    sellers.manager_id,
    sellers.slm_id,
    seller_segments.segment,
    months.month_start,
    months.month_end,
    months.fiscal_quarter,
    months.quarter_start,
    months.quarter_end,
    months.is_current_month,
    months.window_start,
    months.window_end,
    months.business_days,
    months.quota_pace
from sellers
inner join first_months on sellers.rep_id = first_months.rep_id
inner join months on months.month_start >= first_months.first_month
left join seller_segments on sellers.rep_id = seller_segments.rep_id
