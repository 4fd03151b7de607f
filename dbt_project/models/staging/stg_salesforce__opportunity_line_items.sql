-- One row per OpportunityLineItem (a product on a deal) that is not soft-deleted. Prices stay
-- in the line's own currency (the deal's): *_local, exact DECIMAL(18,2).
with live_line_items as (
    select *
    from {{ source('raw', 'opportunity_line_item') }}
    where {{ is_not_soft_deleted() }}
)

select
    id as line_item_id,
    {{ clean_id('opportunity_id') }} as opportunity_id,
    {{ clean_id('product_2_id') }} as product_id,
    quantity,
    unit_price as unit_price_local,
    list_price as list_price_local,
    total_price as total_price_local,
    -- Salesforce stores Discount as a percent (12.5 = 12.5%); a share is what rates are made of.
    discount / 100.0 as discount_share,
    upper({{ clean_text('currency_iso_code') }}) as currency_iso_code,
    created_date as created_at,
    last_modified_date as last_modified_at
from live_line_items
