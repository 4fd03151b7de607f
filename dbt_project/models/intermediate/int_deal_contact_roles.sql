-- One row per OpportunityContactRole that is not deleted (a contact engaged on a deal,
-- with its buying role), and which of the configured buying roles it is: Role, lower-cased,
-- in var economic_buyer_roles or var champion_roles (settings crm.economic_buyer_roles,
-- crm.champion_roles). A contact may hold several roles on one deal: each is a row.
{#- The configured role lists as SQL text lists (lower-cased, quotes escaped). -#}
{%- set economic_buyer_list -%}
    [{% for r in var('economic_buyer_roles') %}'{{ r | lower | replace("'", "''") }}'{% if not loop.last %}, {% endif %}{% endfor %}]
{%- endset %}
{%- set champion_list -%}
    [{% for r in var('champion_roles') %}'{{ r | lower | replace("'", "''") }}'{% if not loop.last %}, {% endif %}{% endfor %}]
{%- endset %}
select
    opportunity_contact_role_id,
    opportunity_id,
    contact_id,
    contact_role,
    is_primary,
    -- A role without a name is neither (false, not null).
    coalesce(list_contains(cast({{ economic_buyer_list }} as varchar[]), contact_role_lower), false)
        as is_economic_buyer_role,
    coalesce(list_contains(cast({{ champion_list }} as varchar[]), contact_role_lower), false)
        as is_champion_role,
    created_at
from {{ ref('stg_salesforce__opportunity_contact_roles') }}
