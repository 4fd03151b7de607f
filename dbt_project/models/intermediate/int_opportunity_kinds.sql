-- One row per opportunity of int_deal_facts (created on or before as_of): its kind and the
-- SDR who sourced it (roles contract, "Inputs").
-- Kind: Opportunity.Type matched case-insensitively against roles.opportunity_types
-- (renewal, expansion and new lists); any other value, or no Type, is 'new'.
-- SDR: the configured Opportunity field (crm.sdr_field, default SDR__c) when filled, else
-- CreatedById when that user's sales role is SDR; null otherwise.
-- Qualified (SDR qualified_conversion): the deal reached Probability >= roles.qualified_probability
-- (default 20) by as_of - in an OpportunityHistory row, in its current Probability, or by
-- being won.
{%- set types = role_setting('opportunity_types') %}
{%- set qualified_probability = role_setting('qualified_probability') %}
with as_of as (
    select as_of from {{ ref('int_as_of') }}
),

opportunities as (
    select opportunity_id, opportunity_type, sdr_field_id, created_by_id
    from {{ ref('stg_salesforce__opportunities') }}
),

deals as (
    select opportunity_id, account_id, owner_id, amount, created_date, close_date, probability, is_won,
        is_closed_by_as_of
    from {{ ref('int_deal_facts') }}
),

qualified_in_history as (
    select distinct history.opportunity_id
    from {{ ref('stg_salesforce__opportunity_history') }} as history, as_of
    where history.probability >= {{ qualified_probability }}
      and cast(history.created_at as date) <= as_of.as_of
),

sdrs as (
    select user_id from {{ ref('int_users') }} where role = 'SDR'
)

select
    deals.opportunity_id,
    deals.account_id,
    deals.owner_id,
    opportunities.opportunity_type,
    case
        {%- if types.get('renewal') %}
        when lower(opportunities.opportunity_type) in ({{ lower_literals(types['renewal']) }}) then 'renewal'
        {%- endif %}
        {%- if types.get('expansion') %}
        when lower(opportunities.opportunity_type) in ({{ lower_literals(types['expansion']) }}) then 'expansion'
        {%- endif %}
        else 'new'
    end as opportunity_kind,
    coalesce(opportunities.sdr_field_id, sdrs.user_id) as sdr_id,
    case
        when opportunities.sdr_field_id is not null then 'field'
        when sdrs.user_id is not null then 'created_by'
    end as sdr_source,
    deals.amount,
    deals.created_date,
    deals.close_date,
    deals.is_closed_by_as_of,
    deals.is_won and deals.is_closed_by_as_of as is_won_by_as_of,
    qualified_in_history.opportunity_id is not null
        or coalesce(deals.probability >= {{ qualified_probability }}, false)
        or (deals.is_won and deals.is_closed_by_as_of) as is_qualified
from deals
inner join opportunities on deals.opportunity_id = opportunities.opportunity_id
left join sdrs on opportunities.created_by_id = sdrs.user_id
left join qualified_in_history on deals.opportunity_id = qualified_in_history.opportunity_id
