-- deal_health_scores: open deals carry every health column (points, score, band, reasons,
-- action); closed deals carry none of them. Returns the deals that break this.
select opportunity_id, is_closed
from {{ ref('deal_health_scores') }}
where (
    not is_closed
    and (health_score is null or health_band is null or risk_reasons is null or priority_action is null
         or points_qualification is null or points_recency is null or points_multithreading is null
         or points_champion is null or points_economic_buyer is null or points_velocity is null
         or points_hygiene is null)
) or (
    is_closed
    and (health_score is not null or health_band is not null or risk_reasons is not null
         or priority_action is not null or points_qualification is not null or points_recency is not null
         or points_multithreading is not null or points_champion is not null
         or points_economic_buyer is not null or points_velocity is not null or points_hygiene is not null)
)
