{{ config(meta={'dagster': {'ref': {'name': 'deal_health_scores'}}}) }}
-- deal_health_scores: open deals carry every health column (points, score, band, reasons,
-- action), but the points of a component whose fact is null (its source is absent for the
-- org); closed deals carry none of them. Also, on open deals, the rules that tie the
-- columns together: priority_action_label is the action's label; a passed close date gives
-- the hygiene task whatever else was lost; is_at_risk is red and not more than
-- hygiene_after_days past due (false on closed deals). One test for all of it: dbt spends
-- ~40 ms per test node whatever the data size. Returns the deals that break a rule.
select opportunity_id, is_closed
from {{ ref('deal_health_scores') }}
cross join (select as_of from {{ ref('int_as_of') }}) as as_of
where (
    not is_closed
    and (health_score is null or health_band is null or risk_reasons is null or priority_action is null
         or points_recency is null or points_velocity is null or points_hygiene is null
         -- a component is left out exactly when its fact has no source (int_source_coverage)
         or (points_qualification is null) <> (meddpicc_completeness is null)
         or (points_multithreading is null) <> (stakeholder_count is null)
         or (points_champion is null) <> (has_champion is null)
         or (points_economic_buyer is null) <> (has_economic_buyer is null))
) or (
    is_closed
    and (health_score is not null or health_band is not null or risk_reasons is not null
         or priority_action is not null or points_qualification is not null or points_recency is not null
         or points_multithreading is not null or points_champion is not null
         or points_economic_buyer is not null or points_velocity is not null or points_hygiene is not null
         or priority_action_label is not null or is_at_risk)
) or (
    not is_closed
    and (priority_action_label is distinct from (upper(priority_action[1]) || priority_action[2:])
         or (close_date_passed and (priority_action <> 'task' or priority_component <> 'hygiene'))
         or is_at_risk is distinct from (
             health_band = 'red'
             and not coalesce(as_of.as_of - close_date > {{ var('next_best_actions')['hygiene_after_days'] }}, false)))
)
