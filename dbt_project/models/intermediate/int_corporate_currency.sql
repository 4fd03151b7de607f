-- One row: the corporate currency every mart's money is in. The CurrencyType row with
-- IsCorporate (the smallest code, should an extract mark several), else the latest
-- Organization's DefaultCurrencyIsoCode, else the configured org_defaults.corporate_currency.
with flagged as (
    select min(iso_code) as iso_code
    from {{ ref('stg_salesforce__currency_types') }}
    where is_corporate
),

organization as (
    select upper(default_currency_iso_code) as iso_code
    from {{ ref('stg_salesforce__organization') }}
    where is_latest
)

select
    coalesce(flagged.iso_code, organization.iso_code, '{{ var("default_corporate_currency") }}')
        as corporate_iso_code,
    case
        when flagged.iso_code is not null then 'currency_type'
        when organization.iso_code is not null then 'organization'
        else 'default'
    end as corporate_currency_source
from flagged
full outer join organization on true
