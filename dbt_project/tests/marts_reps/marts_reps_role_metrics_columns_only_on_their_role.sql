{{ config(meta={'dagster': {'ref': {'name': 'role_metrics'}}}) }}
-- In role_metrics the metric columns of a role are null on the rows of every other role
-- (one denominator or list per role family is checked: they are computed per role). Each
-- failing row is a seller and month with the role and the column that should be null.
with checks as (
    select rep_id, month_start, role, 'attainment_vs_pace_numerator' as column_name
    from {{ ref('role_metrics') }}
    where role <> 'AE' and (attainment_vs_pace_numerator is not null or stage_conversions is not null
                            or forecast_quarter is not null)
    union all
    select rep_id, month_start, role, 'renewal_rate_denominator'
    from {{ ref('role_metrics') }}
    where role <> 'AM' and (renewal_rate_denominator is not null or nrr_source is not null)
    union all
    select rep_id, month_start, role, 'ttv_attainment / escalation_rate'
    from {{ ref('role_metrics') }}
    where role <> 'CSM' and (escalation_rate_denominator is not null or nps_mean is not null
                             or ttv_attainment_denominator is not null)
    union all
    select rep_id, month_start, role, 'book_accounts'
    from {{ ref('role_metrics') }}
    where role not in ('AM', 'CSM') and book_accounts is not null
    union all
    select rep_id, month_start, role, 'meeting_acceptance_denominator'
    from {{ ref('role_metrics') }}
    where role <> 'SDR' and (meeting_acceptance_denominator is not null or touch_target is not null)
)

select * from checks
