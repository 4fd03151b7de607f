-- One row per (non-deleted) Salesforce account with the facts the role metrics share:
-- its segment, its CSM and its owner's role (roles contract, "Inputs").
-- Segment: the configured Account field (crm.segment_field, default Segment__c) when
-- filled, else the configured NumberOfEmployees bands (roles.employee_segments: below 200
-- SMB, below 2,000 Mid-Market) and roles.largest_segment (Enterprise) above the last band.
-- Decision: an account with neither the field nor NumberOfEmployees has no segment (null):
-- calling it Enterprise would put unknown accounts into the largest segment's benchmarks.
-- CSM: the configured Account field (crm.csm_field, default CSM__c) when filled, else the
-- account owner when the owner's sales role is CSM. An AM's book is the accounts they own.
{%- set bands = role_setting('employee_segments') | sort(attribute='below') %}
{%- set largest = role_setting('largest_segment') %}
with accounts as (
    select * from {{ ref('stg_salesforce__accounts') }}
),

users as (
    select user_id, role from {{ ref('int_users') }}
)

select
    accounts.account_id,
    accounts.account_name,
    accounts.owner_id,
    owners.role as owner_role,
    accounts.industry,
    accounts.number_of_employees,
    coalesce(
        accounts.segment_field_value,
        case
            {%- for band in bands %}
            when accounts.number_of_employees < {{ band['below'] }} then '{{ band['segment'] | replace("'", "''") }}'
            {%- endfor %}
            when accounts.number_of_employees is not null then '{{ largest | replace("'", "''") }}'
        end
    ) as segment,
    case
        when accounts.segment_field_value is not null then 'field'
        when accounts.number_of_employees is not null then 'employees'
    end as segment_source,
    coalesce(
        accounts.csm_field_id,
        case when owners.role = 'CSM' then accounts.owner_id end
    ) as csm_id,
    case
        when accounts.csm_field_id is not null then 'field'
        when owners.role = 'CSM' then 'owner'
    end as csm_source
from accounts
left join users as owners on accounts.owner_id = owners.user_id
