-- One row per OpportunityContactRole (a contact engaged on a deal, with its buying role)
-- that is not soft-deleted. A contact may hold several roles on one deal: each is a row.
with live_contact_roles as (
    select *
    from {{ source('raw', 'opportunity_contact_role') }}
    where {{ is_not_soft_deleted() }}
)

select
    id as opportunity_contact_role_id,
    {{ clean_id('opportunity_id') }} as opportunity_id,
    {{ clean_id('contact_id') }} as contact_id,
    {{ clean_text('role') }} as contact_role,
    lower({{ clean_text('role') }}) as contact_role_lower,
    -- IsPrimary is optional; a missing flag means "not the primary contact".
    coalesce(is_primary, false) as is_primary,
    created_date as created_at
from live_contact_roles
