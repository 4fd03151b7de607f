-- One row per stay of an opportunity (of int_deal_facts) in a stage: the stage, its number
-- among the org's open stages, when the deal entered and left it (OpportunityHistory), and
-- whether it went further afterwards. The AE stage metrics of role_metrics read it.
-- Stage order (roles contract): the org's stages by Probability, then name. A stage's
-- Probability is the one most often recorded for its name in OpportunityHistory and on the
-- opportunities (ties: the lower); stages at Probability 0 or 100 are closed and are not
-- numbered, nor are stages never recorded with a Probability (they cannot be placed).
-- Path: the OpportunityHistory rows of the deal up to as_of by CreatedDate, consecutive rows
-- of the same stage collapsed into one stay; a deal without a history row has one stay in
-- its current stage from its CreatedDate. A stay ends when the next stay begins; the last
-- stay of a deal closed by as_of ends at its CloseDate (a history that stops in an open
-- stage still left it when the deal closed).
with as_of as (
    select as_of from {{ ref('int_as_of') }}
),

deals as (
    select opportunity_id, owner_id, stage_name, probability, created_at, close_date, is_won,
        is_closed_by_as_of
    from {{ ref('int_deal_facts') }}
),

history as (
    select history.opportunity_id, history.stage_name, history.probability, history.created_at
    from {{ ref('stg_salesforce__opportunity_history') }} as history
    inner join deals on history.opportunity_id = deals.opportunity_id
    cross join as_of
    where history.stage_name is not null
      and cast(history.created_at as date) <= as_of.as_of
),

-- Every (stage, probability) recorded, to give each stage name its Probability.
recorded_probabilities as (
    select stage_name, probability from history where probability is not null
    union all
    select stage_name, probability from deals where stage_name is not null and probability is not null
),

stage_probabilities as (
    select stage_name, probability
    from recorded_probabilities
    group by stage_name, probability
    qualify row_number() over (partition by stage_name order by count(*) desc, probability) = 1
),

stages as (
    select
        stage_name,
        probability,
        case
            when probability > 0 and probability < 100
                then dense_rank() over (
                    partition by probability > 0 and probability < 100 order by probability, stage_name
                )
        end as stage_number
    from stage_probabilities
),

-- The stage changes: history rows, or the current stage for a deal without history.
stage_events as (
    select opportunity_id, stage_name, created_at from history
    union all
    select deals.opportunity_id, deals.stage_name, deals.created_at
    from deals
    where deals.stage_name is not null
      and deals.opportunity_id not in (select opportunity_id from history)
),

ordered_events as (
    select
        *,
        lag(stage_name) over (partition by opportunity_id order by created_at, stage_name) as previous_stage
    from stage_events
),

stays as (
    select
        opportunity_id,
        stage_name,
        created_at as entered_at,
        lead(created_at) over (partition by opportunity_id order by created_at, stage_name) as next_entered_at,
        row_number() over (partition by opportunity_id order by created_at, stage_name) as stay_number
    from ordered_events
    where previous_stage is null or previous_stage <> stage_name
),

numbered_stays as (
    select
        stays.opportunity_id,
        deals.owner_id,
        stays.stay_number,
        stays.stage_name,
        stages.stage_number,
        stages.probability as stage_probability,
        cast(stays.entered_at as date) as entered_date,
        case
            when stays.next_entered_at is not null then cast(stays.next_entered_at as date)
            when deals.is_closed_by_as_of then greatest(deals.close_date, cast(stays.entered_at as date))
        end as left_date,
        deals.is_won and deals.is_closed_by_as_of as is_won_by_as_of
    from stays
    inner join deals on stays.opportunity_id = deals.opportunity_id
    left join stages on stays.stage_name = stages.stage_name
)

select
    opportunity_id,
    owner_id,
    stay_number,
    stage_name,
    stage_number,
    stage_probability,
    entered_date,
    left_date,
    left_date - entered_date as days_in_stage,
    -- Went further: a later stay in a higher-numbered stage, or the deal was won.
    stage_number is not null and (
        is_won_by_as_of
        or max(stage_number) over (
            partition by opportunity_id order by stay_number
            rows between 1 following and unbounded following
        ) > stage_number
    ) as went_further
from numbered_stays
