-- One row per non-deleted opportunity (created on or before as_of: the rows of
-- int_deal_facts) with its deal-level facts and, for open deals, the health score: seven
-- configured components (var deal_health), the band, the risk reasons and the priority action.
-- Closed deals keep their facts; their health columns are null.
-- A component whose source the org never delivered (int_source_coverage: its fact is null
-- on every deal) is left out: its points are null, it is no risk reason, and the positive
-- components that remain are rescaled so their maxima still add up to the configured total
-- (weights renormalised).
{%- set deal_health = var('deal_health') %}
{#- hygiene_after_days lives with the next-best-action settings: the digests read it too. -#}
{%- set hygiene_after_days = var('next_best_actions')['hygiene_after_days'] %}
{%- set points = deal_health['points'] %}
with settings as (
    -- Every number of the score comes from configuration (settings.yaml deal_health).
    select
        cast({{ points['qualification'] }} as double) as qualification_points,
        cast({{ points['recency'] }} as double) as recency_points,
        cast({{ points['multithreading'] }} as double) as multithreading_points,
        cast({{ points['champion'] }} as double) as champion_points,
        cast({{ points['economic_buyer'] }} as double) as economic_buyer_points,
        cast({{ points['velocity'] }} as double) as velocity_points,
        cast({{ points['hygiene'] }} as double) as hygiene_points,
        cast({{ deal_health['recency_full_days'] }} as integer) as recency_full_days,
        cast({{ deal_health['recency_zero_days'] }} as integer) as recency_zero_days,
        cast({{ deal_health['healthy_stakeholders'] }} as integer) as healthy_stakeholders,
        cast({{ deal_health['velocity_full_ratio'] }} as double) as velocity_full_ratio,
        cast({{ deal_health['velocity_zero_ratio'] }} as double) as velocity_zero_ratio,
        cast({{ deal_health['velocity_lookback_days'] }} as integer) as velocity_lookback_days,
        cast({{ deal_health['red_below'] }} as double) as red_below,
        cast({{ deal_health['yellow_below'] }} as double) as yellow_below,
        cast({{ deal_health['email_recency_days'] }} as integer) as email_recency_days,
        cast({{ hygiene_after_days }} as integer) as hygiene_after_days
),

as_of as (
    select as_of from {{ ref('int_as_of') }}
),

deal_facts as (
    select * from {{ ref('int_deal_facts') }}
),

-- Won deals closed on or before as_of (a close dated after as_of is ignored), flagged when
-- the close falls in the lookback window [as_of - velocity_lookback_days, as_of].
won_cycles as (
    select
        deal_facts.sales_cycle_days,
        deal_facts.close_date >= as_of.as_of - settings.velocity_lookback_days as in_lookback
    from deal_facts, as_of, settings
    where deal_facts.deal_status = 'won'
      and deal_facts.close_date <= as_of.as_of
),

-- The typical won cycle over every seller's deals: the median of the window, else (no won
-- deal closed in it) the median of every won deal.
typical_won_cycle as (
    select
        coalesce(
            median(cast(sales_cycle_days as double)) filter (where in_lookback),
            median(cast(sales_cycle_days as double))
        ) as typical_won_cycle_days
    from won_cycles
),

deals as (
    select
        deal_facts.*,
        as_of.as_of,
        typical_won_cycle.typical_won_cycle_days,
        -- A typical cycle of 0 days (or none at all) gives no ratio.
        deal_facts.age_days / nullif(typical_won_cycle.typical_won_cycle_days, 0) as velocity_ratio
    from deal_facts, as_of, typical_won_cycle
),

-- Component points of open deals on the configured scale; closed deals are not scored. A
-- component without its fact (the source is absent for the org) has null points.
raw_points as (
    select
        deals.opportunity_id,
        settings.qualification_points * deals.meddpicc_completeness as qualification,
        case
            when deals.days_since_last_touch is null then 0
            when deals.days_since_last_touch <= settings.recency_full_days then settings.recency_points
            when deals.days_since_last_touch >= settings.recency_zero_days then 0
            else settings.recency_points
                * (settings.recency_zero_days - deals.days_since_last_touch)
                / (settings.recency_zero_days - settings.recency_full_days)
        end as recency,
        -- least() skips nulls in DuckDB, hence the explicit null case.
        case when deals.stakeholder_count is not null then
            settings.multithreading_points
                * least(deals.stakeholder_count, settings.healthy_stakeholders)
                / settings.healthy_stakeholders
        end as multithreading,
        case when deals.has_champion then settings.champion_points when not deals.has_champion then 0 end
            as champion,
        case when deals.has_economic_buyer then settings.economic_buyer_points
             when not deals.has_economic_buyer then 0 end as economic_buyer,
        case
            -- No won deal to compare with: no evidence the deal is slow, full points.
            when deals.velocity_ratio is null then settings.velocity_points
            when deals.velocity_ratio <= settings.velocity_full_ratio then settings.velocity_points
            when deals.velocity_ratio >= settings.velocity_zero_ratio then 0
            else settings.velocity_points
                * (settings.velocity_zero_ratio - deals.velocity_ratio)
                / (settings.velocity_zero_ratio - settings.velocity_full_ratio)
        end as velocity,
        case when deals.close_date_passed then settings.hygiene_points else 0 end as hygiene,
        -- Weights renormalised: the configured total of the positive components over the
        -- maxima of those that have a source (1 when all have one).
        (settings.qualification_points + settings.recency_points + settings.multithreading_points
            + settings.champion_points + settings.economic_buyer_points + settings.velocity_points)
        / nullif(
            case when deals.meddpicc_completeness is not null then settings.qualification_points else 0 end
            + settings.recency_points
            + case when deals.stakeholder_count is not null then settings.multithreading_points else 0 end
            + case when deals.has_champion is not null then settings.champion_points else 0 end
            + case when deals.has_economic_buyer is not null then settings.economic_buyer_points else 0 end
            + settings.velocity_points, 0) as weight_scale
    from deals, settings
    where not deals.is_closed
),

-- The points columns: each positive component on the renormalised scale (the configured
-- points when every source is there), hygiene as configured.
component_points as (
    select
        opportunity_id,
        qualification * coalesce(weight_scale, 1) as points_qualification,
        recency * coalesce(weight_scale, 1) as points_recency,
        multithreading * coalesce(weight_scale, 1) as points_multithreading,
        champion * coalesce(weight_scale, 1) as points_champion,
        economic_buyer * coalesce(weight_scale, 1) as points_economic_buyer,
        velocity * coalesce(weight_scale, 1) as points_velocity,
        hygiene as points_hygiene,
        coalesce(weight_scale, 1) as weight_scale
    from raw_points
),

scores as (
    select
        component_points.*,
        -- round(max(0, sum)), half away from zero. The sum goes through a 6-decimal DECIMAL
        -- first so a binary-float 69.4999999... rounds like the exact 69.5 it stands for.
        -- A component left out (null points) adds nothing.
        cast(round(cast(greatest(0,
            coalesce(points_qualification, 0) + points_recency + coalesce(points_multithreading, 0)
            + coalesce(points_champion, 0) + coalesce(points_economic_buyer, 0) + points_velocity
            + points_hygiene
        ) as decimal(18, 6)), 0) as integer) as health_score
    from component_points
),

-- Points lost per component (maximum minus earned, both on the renormalised scale; for
-- hygiene the penalty itself), in the contract's table order, which breaks ties. A component
-- left out has null points: it loses nothing and gives no risk reason.
component_losses as (
    select opportunity_id, 1 as table_order, 'qualification' as component,
        settings.qualification_points * weight_scale - points_qualification as lost_points
    from scores, settings
    union all
    select opportunity_id, 2, 'recency', settings.recency_points * weight_scale - points_recency
    from scores, settings
    union all
    select opportunity_id, 3, 'multithreading', settings.multithreading_points * weight_scale - points_multithreading
    from scores, settings
    union all
    select opportunity_id, 4, 'champion', settings.champion_points * weight_scale - points_champion
    from scores, settings
    union all
    select opportunity_id, 5, 'economic_buyer', settings.economic_buyer_points * weight_scale - points_economic_buyer
    from scores, settings
    union all
    select opportunity_id, 6, 'velocity', settings.velocity_points * weight_scale - points_velocity
    from scores, settings
    union all
    select opportunity_id, 7, 'hygiene', 0 - points_hygiene
    from scores, settings
),

-- Each component that lost points, with its reason (the fact in plain language) and the
-- action that recovers it. Losses are compared at 6 decimals so float noise makes no tie-breaker.
risks as (
    select
        component_losses.opportunity_id,
        component_losses.component,
        component_losses.table_order,
        round(component_losses.lost_points, 6) as lost_points,
        case component_losses.component
            when 'qualification' then 'MEDDPICC ' || deals.meddpicc_filled || '/8 complete'
            when 'recency' then
                case
                    when deals.days_since_last_touch is null then 'No touch recorded yet'
                    else 'No touch in ' || deals.days_since_last_touch
                        || case when deals.days_since_last_touch = 1 then ' day' else ' days' end
                end
            when 'multithreading' then
                deals.stakeholder_count
                || case when deals.stakeholder_count = 1 then ' stakeholder' else ' stakeholders' end
                || ' engaged (healthy: ' || settings.healthy_stakeholders || '+)'
            when 'champion' then 'Champion not identified'
            when 'economic_buyer' then 'Economic buyer not identified'
            when 'velocity' then
                'Open ' || format('{:.1f}', round(deals.velocity_ratio, 1)) || 'x longer than a typical won deal'
            when 'hygiene' then
                'Close date passed ' || (deals.as_of - deals.close_date)
                || case when deals.as_of - deals.close_date = 1 then ' day' else ' days' end || ' ago'
        end as risk_reason,
        case component_losses.component
            -- A recent touch: an email; a stale one (or none at all): a call.
            when 'recency' then
                case when deals.days_since_last_touch < settings.email_recency_days then 'email' else 'call' end
            when 'multithreading' then 'call'
            when 'champion' then 'call'
            when 'economic_buyer' then 'meeting'
            when 'qualification' then 'task'
            when 'velocity' then 'meeting'
            when 'hygiene' then 'task'
        end as action
    from component_losses
    inner join deals on component_losses.opportunity_id = deals.opportunity_id
    cross join settings
    where round(component_losses.lost_points, 6) > 0
),

deal_risks as (
    select
        opportunity_id,
        list(risk_reason order by lost_points desc, table_order) as risk_reasons,
        first(action order by lost_points desc, table_order) as priority_action,
        first(component order by lost_points desc, table_order) as priority_component
    from risks
    group by opportunity_id
)

select
    deals.opportunity_id,
    deals.opportunity_name,
    deals.account_id,
    deals.account_name,
    deals.owner_id,
    deals.stage_name,
    deals.amount,
    deals.amount_local,
    deals.currency_iso_code,
    deals.close_date,
    deals.created_date,
    deals.is_closed,
    deals.is_won,
    deals.deal_status,
    deals.forecast_category,
    deals.stakeholder_count,
    deals.first_meeting_date,
    deals.days_to_meeting,
    deals.has_champion,
    deals.has_economic_buyer,
    deals.meddpicc_filled,
    deals.meddpicc_completeness,
    deals.last_touch_date,
    deals.days_since_last_touch,
    deals.age_days,
    deals.sales_cycle_days,
    deals.typical_won_cycle_days,
    deals.velocity_ratio,
    deals.close_date_passed,
    scores.points_qualification,
    scores.points_recency,
    scores.points_multithreading,
    scores.points_champion,
    scores.points_economic_buyer,
    scores.points_velocity,
    scores.points_hygiene,
    scores.health_score,
    case
        when scores.health_score is null then null
        when scores.health_score < settings.red_below then 'red'
        when scores.health_score < settings.yellow_below then 'yellow'
        else 'green'
    end as health_band,
    case when not deals.is_closed then coalesce(deal_risks.risk_reasons, cast([] as varchar[])) end as risk_reasons,
    stale.priority_action,
    case stale.priority_action
        when 'call' then 'Call'
        when 'email' then 'Email'
        when 'meeting' then 'Meeting'
        when 'task' then 'Task'
        when 'none' then 'None'
    end as priority_action_label,
    stale.priority_component,
    -- Red, but a deal more than hygiene_after_days past its close date is pipeline hygiene
    -- (the manager's list), not a risk anyone can still act on. Never null: closed is false.
    coalesce(
        not deals.is_closed
        and scores.health_score < settings.red_below
        and not coalesce(deals.as_of - deals.close_date > settings.hygiene_after_days, false),
        false
    ) as is_at_risk
from deals
cross join settings
left join scores on deals.opportunity_id = scores.opportunity_id
left join deal_risks on deals.opportunity_id = deal_risks.opportunity_id
-- A passed close date wins over any larger loss: until the dates are real no other advice
-- on the deal means anything (mart contract). Also when hygiene is configured to 0 points.
cross join lateral (
    select
        case
            when deals.is_closed then null
            when deals.close_date_passed then 'task'
            else coalesce(deal_risks.priority_action, 'none')
        end as priority_action,
        case
            when deals.is_closed then null
            when deals.close_date_passed then 'hygiene'
            else deal_risks.priority_component
        end as priority_component
) as stale
