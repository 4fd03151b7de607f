-- One row per email of a Salesforce user (lower-cased, trimmed): the user it matches.
-- Should several users share an email, the active one, then the smallest id, is the
-- match, so every email match to a Salesforce user is one-to-one: an activity-log row
-- naming its rep by email (int_activities), a Gong call's host (int_gong_calls) and a
-- Gong manager (int_users).
select user_id, email_lower
from {{ ref('stg_salesforce__users') }}
where email_lower is not null
qualify row_number() over (
    partition by email_lower order by is_active desc nulls last, user_id
) = 1
