-- One row: which optional sources the org delivered at all. "Not delivered is not zero"
-- (issue 19): a fact that needs a source the org never delivered is null downstream, not 0,
-- and the digests say which data is missing; a source that is there but holds nothing for
-- one deal or seller gives a true 0. A landing-zone object without a file is an empty raw
-- table (the loader creates every declared table), so "delivered" is "has a row in staging".
-- int_deal_facts and the digests read this row.
{%- set meddpicc_columns = ['meddpicc_metrics', 'meddpicc_economic_buyer', 'meddpicc_decision_criteria',
                            'meddpicc_decision_process', 'meddpicc_paper_process', 'meddpicc_identify_pain',
                            'meddpicc_champion', 'meddpicc_competition'] %}
with contact_roles as (
    select count(*) > 0 as present from {{ ref('stg_salesforce__opportunity_contact_roles') }}
),

-- The MEDDPICC fields are custom fields (var meddpicc_fields): their raw columns always
-- exist, null when no extract carries them. An org "has" them when one of the configured
-- fields is filled on at least one opportunity; an org whose eight fields are empty on
-- every deal has no MEDDPICC to measure (its completeness is unknown, not 0%).
meddpicc as (
    select count(*) > 0 as present
    from {{ ref('stg_salesforce__opportunities') }}
    where {% for column in meddpicc_columns %}{{ column }} is not null{% if not loop.last %} or {% endif %}{% endfor %}
),

-- Close-date slippage needs the CloseDate changes of OpportunityFieldHistory. Field history
-- is tracked per field in Salesforce: an extract with other fields only has no CloseDate history.
close_date_history as (
    select count(*) > 0 as present
    from {{ ref('stg_salesforce__opportunity_field_history') }}
    where lower(field_name) = 'closedate'
),

gong_calls as (
    select count(*) > 0 as present from {{ ref('stg_gong__calls') }}
),

activity_log as (
    select count(*) > 0 as present from {{ ref('stg_activity__activities') }}
),

crm_activities as (
    select (select count(*) from {{ ref('stg_salesforce__tasks') }})
        + (select count(*) from {{ ref('stg_salesforce__events') }}) > 0 as present
),

-- Any of the three sources of int_deal_facts.stakeholder_count (kept in step with its
-- stakeholders CTE): a contact role, a Task or Event WhoId on a deal, an External party
-- with an email on a Gong call linked to a deal.
stakeholder_activities as (
    select count(*) > 0 as present
    from {{ ref('int_activities') }}
    where origin in ('task', 'event')
      and opportunity_id is not null
      and contact_id is not null
),

-- The inputs of the role metrics (roles contract): each optional, each its own metrics' source.
opportunity_history as (
    select count(*) > 0 as present from {{ ref('stg_salesforce__opportunity_history') }}
),

line_items as (
    select count(*) > 0 as present from {{ ref('stg_salesforce__opportunity_line_items') }}
),

contracts as (
    select count(*) > 0 as present from {{ ref('stg_salesforce__contracts') }}
),

cs_health as (
    select count(*) > 0 as present from {{ ref('stg_cs__health_snapshots') }}
),

cs_onboarding as (
    select count(*) > 0 as present from {{ ref('stg_cs__onboarding_milestones') }}
),

-- An activity log without sequence steps (a dialer's, or a tool that does not export them)
-- says nothing about response by step.
sequences as (
    select count(*) > 0 as present
    from {{ ref('stg_activity__activities') }}
    where sequence_step is not null
),

stakeholder_call_parties as (
    select count(*) > 0 as present
    from {{ ref('int_gong_calls') }} as calls
    inner join {{ ref('stg_gong__call_parties') }} as parties on calls.call_id = parties.call_id
    where calls.opportunity_id is not null
      and parties.is_external
      and parties.email_lower is not null
)

select
    contact_roles.present as has_contact_roles,
    meddpicc.present as has_meddpicc_fields,
    close_date_history.present as has_close_date_history,
    gong_calls.present as has_gong_calls,
    activity_log.present as has_activity_log,
    crm_activities.present as has_crm_activities,
    contact_roles.present or stakeholder_activities.present or stakeholder_call_parties.present
        as has_stakeholder_source,
    -- has_champion and has_economic_buyer come from a MEDDPICC field or a contact role.
    meddpicc.present or contact_roles.present as has_buying_role_source,
    opportunity_history.present as has_opportunity_history,
    line_items.present as has_line_items,
    contracts.present as has_contracts,
    cs_health.present as has_cs_health,
    cs_onboarding.present as has_cs_onboarding,
    sequences.present as has_sequences
from contact_roles, meddpicc, close_date_history, gong_calls, activity_log, crm_activities,
    stakeholder_activities, stakeholder_call_parties, opportunity_history, line_items, contracts,
    cs_health, cs_onboarding, sequences
