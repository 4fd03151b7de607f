-- One row per non-deleted opportunity created on or before as_of, with the shared
-- deal-level facts of the mart contract (stakeholders, first meeting, MEDDPICC, champion,
-- economic buyer, last touch, age, cycle). Computed for closed deals too.
-- Not delivered is not zero (int_source_coverage): a fact whose every source the org never
-- delivered is null on every deal (stakeholder_count without contact roles, Task/Event
-- WhoIds or linked call parties; MEDDPICC without any filled MEDDPICC field; champion and
-- economic buyer without either MEDDPICC or contact roles; contact_role_count without
-- contact roles); with the source there, a deal that has none gets a true 0 / false.
{%- set meddpicc_columns = ['meddpicc_metrics', 'meddpicc_economic_buyer', 'meddpicc_decision_criteria',
                            'meddpicc_decision_process', 'meddpicc_paper_process', 'meddpicc_identify_pain',
                            'meddpicc_champion', 'meddpicc_competition'] %}
with as_of as (
    select as_of from {{ ref('int_as_of') }}
),

opportunities as (
    select opportunities.*
    from {{ ref('stg_salesforce__opportunities') }} as opportunities, as_of
    where opportunities.created_date <= as_of.as_of
),

-- With their buying role (configured champion and economic buyer roles).
contact_roles as (
    select * from {{ ref('int_deal_contact_roles') }}
),

-- Already limited to as_of by the intermediate models.
activities as (
    select * from {{ ref('int_activities') }}
),

linked_calls as (
    select * from {{ ref('int_gong_calls') }}
    where opportunity_id is not null
),

-- The Contact an email belongs to (smallest id should two contacts share an email).
contacts_by_email as (
    select contact_id, email_lower
    from {{ ref('stg_salesforce__contacts') }}
    where email_lower is not null
    qualify row_number() over (partition by email_lower order by contact_id) = 1
),

-- People engaged on each deal, one identity per person: a Contact Id, or for a call party
-- that matches no Contact its lower-cased email. Activity-log contacts are NOT counted.
stakeholders as (
    select opportunity_id, contact_id as person
    from contact_roles
    where contact_id is not null
    union
    select opportunity_id, contact_id
    from activities
    where origin in ('task', 'event')
      and opportunity_id is not null
      and contact_id is not null
    union
    select linked_calls.opportunity_id, coalesce(contacts_by_email.contact_id, parties.email_lower)
    from linked_calls
    inner join {{ ref('stg_gong__call_parties') }} as parties
        on linked_calls.call_id = parties.call_id
    left join contacts_by_email on parties.email_lower = contacts_by_email.email_lower
    where parties.is_external
      and parties.email_lower is not null
),

stakeholder_counts as (
    select opportunity_id, count(distinct person) as stakeholder_count
    from stakeholders
    group by opportunity_id
),

-- First meeting: Events (every Event is a meeting or a demo) on the deal and External
-- Gong calls linked to it. Activity-log meetings are not used.
meetings as (
    select opportunity_id, activity_date as meeting_date
    from activities
    where origin = 'event'
      and activity_type in ('meeting', 'demo')
      and opportunity_id is not null
    union all
    select opportunity_id, call_date
    from linked_calls
    where is_external
),

first_meetings as (
    select opportunity_id, min(meeting_date) as first_meeting_date
    from meetings
    group by opportunity_id
),

-- Touches: Tasks, Events and activity-log rows on the deal, and every Gong call linked to it.
touches as (
    select opportunity_id, activity_date as touch_date
    from activities
    where opportunity_id is not null
    union all
    select opportunity_id, call_date
    from linked_calls
),

last_touches as (
    select opportunity_id, max(touch_date) as last_touch_date
    from touches
    group by opportunity_id
),

-- Buying roles named on the deal's contact roles (int_deal_contact_roles).
contact_role_flags as (
    select
        opportunity_id,
        bool_or(is_champion_role) as has_champion_role,
        bool_or(is_economic_buyer_role) as has_economic_buyer_role,
        count(distinct contact_id) as contact_role_count
    from contact_roles
    group by opportunity_id
),

-- The rate converting each deal's amount: the one holding on its CloseDate.
deal_rates as (
    {{ rates_for('opportunities', 'opportunity_id', 'currency_iso_code', 'close_date') }}
),

deals as (
    select
        opportunities.*,
        as_of.as_of,
        (
            {%- for column in meddpicc_columns %}
            cast({{ column }} is not null as integer){% if not loop.last %} +{% endif %}
            {%- endfor %}
        ) as meddpicc_filled
    from opportunities, as_of
)

select
    deals.opportunity_id,
    deals.opportunity_name,
    deals.account_id,
    accounts.account_name,
    deals.owner_id,
    deals.stage_name,
    -- In the corporate currency, rounded to the cent; null for a code without a rate.
    {{ to_corporate('deals.amount_local', 'deal_rates.conversion_rate') }} as amount,
    deals.amount_local,
    coalesce(deals.currency_iso_code, corporate.corporate_iso_code) as currency_iso_code,
    deal_rates.conversion_rate,
    deals.close_date,
    deals.created_date,
    deals.is_closed,
    deals.is_won,
    case
        when not deals.is_closed then 'open'
        when deals.is_won then 'won'
        else 'lost'
    end as deal_status,
    deals.forecast_category,
    case when coverage.has_stakeholder_source then coalesce(stakeholder_counts.stakeholder_count, 0) end
        as stakeholder_count,
    first_meetings.first_meeting_date,
    -- greatest() skips nulls in DuckDB, hence the explicit null case.
    case
        when first_meetings.first_meeting_date is not null
            then greatest(0, first_meetings.first_meeting_date - deals.created_date)
    end as days_to_meeting,
    case when coverage.has_buying_role_source then
        deals.meddpicc_champion is not null or coalesce(contact_role_flags.has_champion_role, false)
    end as has_champion,
    case when coverage.has_buying_role_source then
        deals.meddpicc_economic_buyer is not null or coalesce(contact_role_flags.has_economic_buyer_role, false)
    end as has_economic_buyer,
    case when coverage.has_meddpicc_fields then deals.meddpicc_filled end as meddpicc_filled,
    case when coverage.has_meddpicc_fields then deals.meddpicc_filled / 8.0 end as meddpicc_completeness,
    last_touches.last_touch_date,
    deals.as_of - last_touches.last_touch_date as days_since_last_touch,
    deals.as_of - deals.created_date as age_days,
    case when deals.is_closed then greatest(0, deals.close_date - deals.created_date) end as sales_cycle_days,
    not deals.is_closed and deals.close_date < deals.as_of as close_date_passed,
    -- Extra facts.
    deals.created_at,
    deals.probability,
    case when coverage.has_contact_roles then coalesce(contact_role_flags.contact_role_count, 0) end
        as contact_role_count,
    deals.is_closed and deals.close_date <= deals.as_of as is_closed_by_as_of
from deals
cross join {{ ref('int_corporate_currency') }} as corporate
cross join {{ ref('int_source_coverage') }} as coverage
left join deal_rates on deals.opportunity_id = deal_rates.opportunity_id
left join {{ ref('stg_salesforce__accounts') }} as accounts on deals.account_id = accounts.account_id
left join stakeholder_counts on deals.opportunity_id = stakeholder_counts.opportunity_id
left join first_meetings on deals.opportunity_id = first_meetings.opportunity_id
left join last_touches on deals.opportunity_id = last_touches.opportunity_id
left join contact_role_flags on deals.opportunity_id = contact_role_flags.opportunity_id
