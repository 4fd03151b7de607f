-- One row per Salesforce Organization record that is not soft-deleted (an org has one; an
-- extract may carry several). is_latest marks the one the product uses: the latest version
-- (SystemModstamp, then LastModifiedDate, then the later file and row). Its
-- FiscalYearStartMonth is read by Python before dbt runs (coaching_pipeline/fiscal.py, the
-- same rule on raw.organization) and reaches int_fiscal_quarters as an environment variable.
with live_organizations as (
    select *
    from {{ source('raw', 'organization') }}
    where {{ is_not_soft_deleted() }}
)

select
    id as organization_id,
    {{ clean_text('default_currency_iso_code') }} as default_currency_iso_code,
    {{ clean_text('time_zone_sid_key') }} as time_zone_sid_key,
    cast(fiscal_year_start_month as integer) as fiscal_year_start_month,
    system_modstamp,
    last_modified_date,
    row_number() over (
        order by system_modstamp desc nulls last, last_modified_date desc nulls last,
                 _source_file desc, _source_row desc
    ) = 1 as is_latest
from live_organizations
