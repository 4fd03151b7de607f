-- One row per AE and fiscal month of int_seller_months: stage conversion by stage pair and
-- days per stage over the role window (window_start..window_end), each with its segment
-- benchmark (the median over the AEs of the same segment in the same month; AEs without a
-- segment form one cohort), as the lists role_metrics carries.
-- stage_conversions, pair k>k+1 (open stages numbered by int_opportunity_stage_path): the
-- deals of the AE that reached stage k and are no longer in it (their last stay in k ended
-- in the window): left_stage; of them, those that later reached a higher-numbered stage
-- (k+1, or beyond it when a stage was skipped) or were won: converted. The last open stage
-- has no pair (no k+1). days_in_stage, stage k: the median days of the AE's stays in k that
-- ended in the window; sample = their number.
-- A rate or median below the minimum sample (roles.min_sample, or min_sample_by_metric
-- stage_conversion / days_in_stage) is null, its counts stay. A list holds only the pairs or
-- stages with a sample; without OpportunityHistory both lists are null (no stage changes
-- to count), and they are empty lists for an AE with nothing in the window.
{%- set conversion_min = [min_sample_for('stage_conversions', ['stage_conversion']), 1] | max %}
{%- set days_min = [min_sample_for('days_in_stage'), 1] | max %}
with ae_months as (
    select rep_id, segment, month_start, window_start, window_end
    from {{ ref('int_seller_months') }}
    where role = 'AE'
),

coverage as (
    select has_opportunity_history from {{ ref('int_source_coverage') }}
),

stays as (
    select * from {{ ref('int_opportunity_stage_path') }} where stage_number is not null
),

stage_names as (
    select distinct stage_number, stage_name from stays
),

-- One row per deal and open stage it reached: left when its last stay there ended.
deal_stages as (
    select
        opportunity_id,
        owner_id,
        stage_number,
        case when bool_and(left_date is not null) then max(left_date) end as left_date,
        bool_or(went_further) as converted
    from stays
    group by opportunity_id, owner_id, stage_number
),

pair_counts as (
    select
        ae_months.rep_id,
        ae_months.month_start,
        deal_stages.stage_number,
        count(*) as left_stage,
        count(*) filter (where deal_stages.converted) as converted
    from ae_months
    inner join deal_stages
        on deal_stages.owner_id = ae_months.rep_id
        and deal_stages.left_date between ae_months.window_start and ae_months.window_end
    where deal_stages.stage_number < (select max(stage_number) from stage_names)
    group by ae_months.rep_id, ae_months.month_start, deal_stages.stage_number
),

pair_rates as (
    select
        pair_counts.*,
        ae_months.segment,
        case when left_stage >= {{ conversion_min }} then cast(converted as double) / left_stage end as rate
    from pair_counts
    inner join ae_months using (rep_id, month_start)
),

pair_benchmarks as (
    select
        *,
        median(rate) over (partition by segment, month_start, stage_number) as benchmark
    from pair_rates
),

stage_days as (
    select
        ae_months.rep_id,
        ae_months.month_start,
        ae_months.segment,
        stays.stage_number,
        count(*) as sample,
        case when count(*) >= {{ days_min }} then median(stays.days_in_stage) end as median_days
    from ae_months
    inner join stays
        on stays.owner_id = ae_months.rep_id
        and stays.left_date between ae_months.window_start and ae_months.window_end
    group by ae_months.rep_id, ae_months.month_start, ae_months.segment, stays.stage_number
),

stage_day_benchmarks as (
    select
        *,
        median(median_days) over (partition by segment, month_start, stage_number) as benchmark
    from stage_days
),

conversion_lists as (
    select
        rep_id,
        month_start,
        list(struct_pack(
            stage_pair := cast(pairs.stage_number as varchar) || '>' || cast(pairs.stage_number + 1 as varchar),
            from_stage := from_names.stage_name,
            to_stage := to_names.stage_name,
            converted := cast(pairs.converted as bigint),
            left_stage := cast(pairs.left_stage as bigint),
            rate := cast(pairs.rate as double),
            benchmark := cast(pairs.benchmark as double)
        ) order by pairs.stage_number) as stage_conversions
    from pair_benchmarks as pairs
    left join stage_names as from_names on pairs.stage_number = from_names.stage_number
    left join stage_names as to_names on pairs.stage_number + 1 = to_names.stage_number
    group by rep_id, month_start
),

days_lists as (
    select
        rep_id,
        month_start,
        list(struct_pack(
            stage_number := cast(days.stage_number as integer),
            stage := names.stage_name,
            median_days := cast(days.median_days as double),
            sample := cast(days.sample as bigint),
            benchmark := cast(days.benchmark as double)
        ) order by days.stage_number) as days_in_stage
    from stage_day_benchmarks as days
    left join stage_names as names on days.stage_number = names.stage_number
    group by rep_id, month_start
)

select
    ae_months.rep_id,
    ae_months.month_start,
    case when coverage.has_opportunity_history then coalesce(conversion_lists.stage_conversions, []) end
        as stage_conversions,
    case when coverage.has_opportunity_history then coalesce(days_lists.days_in_stage, []) end
        as days_in_stage
from ae_months
cross join coverage
left join conversion_lists using (rep_id, month_start)
left join days_lists using (rep_id, month_start)
