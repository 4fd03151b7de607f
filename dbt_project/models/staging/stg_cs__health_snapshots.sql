-- One row per account health snapshot of the customer-success platform (cs/health*), keyed
-- by (account_id, snapshot_date) as in raw. The tier is the delivered one when it is one of
-- the four (any case; spaces and hyphens read as underscores: "At Risk" is at_risk), else it
-- comes from the score by var roles.health_tiers (score >= threshold).
{%- set thresholds = var('roles')['health_tiers'] %}
{%- set tiers = ['healthy', 'neutral', 'at_risk', 'critical'] %}
with snapshots as (
    select
        *,
        {{ label_key('health_tier') }} as delivered_tier
    from {{ source('raw', 'cs_health') }}
),

tiered as (
    select
        *,
        case
            when delivered_tier in ('{{ tiers | join("', '") }}') then delivered_tier
            when health_score >= {{ thresholds['healthy'] }} then 'healthy'
            when health_score >= {{ thresholds['neutral'] }} then 'neutral'
            when health_score >= {{ thresholds['at_risk'] }} then 'at_risk'
            when health_score is not null then 'critical'
        end as tier,
        case
            when delivered_tier in ('{{ tiers | join("', '") }}') then 'delivered'
            when health_score is not null then 'score'
        end as tier_source
    from snapshots
)

select
    {{ clean_id('account_id') }} as account_id,
    snapshot_date,
    health_score,
    tier as health_tier,
    case tier
        {%- for tier in tiers %}
        when '{{ tier }}' then {{ 4 - loop.index0 }}
        {%- endfor %}
    end as health_tier_rank,
    tier_source,
    {{ clean_text('health_tier') }} as health_tier_delivered,
    nps,
    csat,
    arr,
    {{ clean_id('csm_id') }} as csm_id,
    {{ email_lower('csm_email') }} as csm_email_lower
from tiered
