-- One row per Salesforce opportunity that is not soft-deleted, latest delivered version
-- (the loader already keeps only the latest version of each Id).
-- The MEDDPICC fields are org-specific: var meddpicc_fields names the raw column read for
-- each element. Blank values become null, so "filled" downstream is simply "is not null".
{%- set meddpicc = var('meddpicc_fields') %}
with live_opportunities as (
    select *
    from {{ source('raw', 'opportunity') }}
    where {{ is_not_soft_deleted() }}
)

select
    id as opportunity_id,
    {{ clean_id('account_id') }} as account_id,
    {{ clean_id('owner_id') }} as owner_id,
    {{ clean_text('name') }} as opportunity_name,
    {{ clean_text('stage_name') }} as stage_name,
    -- In the deal's own currency; int_deal_facts converts it to the corporate currency.
    amount as amount_local,
    upper({{ clean_text('currency_iso_code') }}) as currency_iso_code,
    close_date,
    created_date as created_at,
    cast(created_date as date) as created_date,
    is_closed,
    is_won,
    {{ clean_text('forecast_category_name') }} as forecast_category,
    probability,
    {{ clean_text('type') }} as opportunity_type,
    -- The SDR who sourced the deal (var sdr_field) and who created it (the SDR's fallback).
    {{ clean_id(adapter.quote(var('sdr_field'))) }} as sdr_field_id,
    {{ clean_id('created_by_id') }} as created_by_id,
    {{ clean_text('lead_source') }} as lead_source,
    {{ clean_text('next_step') }} as next_step,
    last_activity_date,
    last_modified_date as last_modified_at,
    {{ clean_text(adapter.quote(meddpicc['metrics'])) }} as meddpicc_metrics,
    {{ clean_text(adapter.quote(meddpicc['economic_buyer'])) }} as meddpicc_economic_buyer,
    {{ clean_text(adapter.quote(meddpicc['decision_criteria'])) }} as meddpicc_decision_criteria,
    {{ clean_text(adapter.quote(meddpicc['decision_process'])) }} as meddpicc_decision_process,
    {{ clean_text(adapter.quote(meddpicc['paper_process'])) }} as meddpicc_paper_process,
    {{ clean_text(adapter.quote(meddpicc['identify_pain'])) }} as meddpicc_identify_pain,
    {{ clean_text(adapter.quote(meddpicc['champion'])) }} as meddpicc_champion,
    {{ clean_text(adapter.quote(meddpicc['competition'])) }} as meddpicc_competition,
    -- When the loader wrote the record (int_activities rebuilds what a change touches).
    _loaded_at
from live_opportunities
