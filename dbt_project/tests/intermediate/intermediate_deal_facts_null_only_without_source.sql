{{ config(meta={'dagster': {'ref': {'name': 'int_deal_facts'}}}) }}
-- Not delivered is not zero: each fact that needs an optional source is null exactly when
-- the org never delivered that source (int_source_coverage). Returns the deals and facts
-- that break it.
{%- set facts = [
    ('stakeholder_count', 'has_stakeholder_source'),
    ('has_champion', 'has_buying_role_source'),
    ('has_economic_buyer', 'has_buying_role_source'),
    ('meddpicc_filled', 'has_meddpicc_fields'),
    ('meddpicc_completeness', 'has_meddpicc_fields'),
    ('contact_role_count', 'has_contact_roles'),
] %}
{%- for fact, source in facts %}
select deals.opportunity_id, '{{ fact }}' as fact
from {{ ref('int_deal_facts') }} as deals
cross join {{ ref('int_source_coverage') }} as coverage
where (deals.{{ fact }} is null) = coverage.{{ source }}
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
