-- One row per Salesforce contact that is not deleted: the people at customer accounts a
-- deal's contact roles, Task and Event WhoIds and Gong call parties name.
select
    contact_id,
    account_id,
    contact_name
from {{ ref('stg_salesforce__contacts') }}
