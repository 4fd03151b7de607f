-- One row per seller and fiscal month (int_seller_months): the role's metrics of the roles
-- contract, each rate with its numerator, denominator (its sample) and benchmark (the
-- median of the same metric over the role's sellers in the same month; over the AEs of the
-- seller's segment for discount depth and the stage lists, over the AMs of the segment for
-- NRR). Columns of another role are null. The counts and amounts per role come from the
-- intermediate models int_role_{ae,ae_stage,am,csm,sdr}_metrics and int_book_health; this
-- model applies the minimum sample (a count-based rate below roles.min_sample, or
-- roles.min_sample_by_metric[<column>], is null while its numerator and denominator stay)
-- and adds the benchmarks.
{%- set touch_target = role_setting('sdr_touch_target_per_day') %}
{%- set rate_columns = [
    'attainment_vs_pace', 'forecast_accuracy', 'discount_depth', 'renewal_rate',
    'renewals_opened_late_share', 'expansion_conversion', 'nrr', 'ttv_attainment',
    'milestones_on_time', 'escalation_rate', 'meeting_acceptance', 'qualified_conversion'] %}
{#- Benchmarks over the segment cohort instead of the role cohort. -#}
{%- set segment_benchmarks = ['discount_depth', 'nrr'] %}
with seller_months as (
    select * from {{ ref('int_seller_months') }}
),

coverage as (
    select * from {{ ref('int_source_coverage') }}
),

-- The book health of AM rows is their owned book, of CSM rows the accounts they are CSM of.
book_health as (
    select
        seller_months.rep_id,
        seller_months.month_start,
        books.book_accounts,
        books.has_cs_health,
        books.accounts_with_health,
        books.at_risk_accounts,
        books.tier_drops,
        books.health_trend,
        books.nps_mean,
        books.nps_trend,
        books.csat_mean,
        books.csat_trend
    from seller_months
    inner join {{ ref('int_book_health') }} as books
        on seller_months.rep_id = books.rep_id
        and seller_months.month_start = books.month_start
        and books.book_kind = case seller_months.role when 'AM' then 'owner' when 'CSM' then 'csm' end
),

joined as (
    select
        seller_months.*,
        ae.* exclude (rep_id, month_start),
        ae_stages.* exclude (rep_id, month_start),
        am.* exclude (rep_id, month_start),
        csm.* exclude (rep_id, month_start),
        sdr.* exclude (rep_id, month_start),
        case when seller_months.role in ('AM', 'CSM') then coalesce(book_health.book_accounts, 0) end as book_accounts,
        case
            when seller_months.role in ('AM', 'CSM') and coverage.has_cs_health
                then coalesce(book_health.tier_drops, 0)
        end as book_tier_drops,
        book_health.health_trend as book_health_trend,
        book_health.at_risk_accounts,
        book_health.accounts_with_health,
        book_health.nps_mean,
        book_health.nps_trend,
        book_health.csat_mean,
        book_health.csat_trend
    from seller_months
    cross join coverage
    left join {{ ref('int_role_ae_metrics') }} as ae using (rep_id, month_start)
    left join {{ ref('int_role_ae_stage_metrics') }} as ae_stages using (rep_id, month_start)
    left join {{ ref('int_role_am_metrics') }} as am using (rep_id, month_start)
    left join {{ ref('int_role_csm_metrics') }} as csm using (rep_id, month_start)
    left join {{ ref('int_role_sdr_metrics') }} as sdr using (rep_id, month_start)
    left join book_health using (rep_id, month_start)
),

rates as (
    select
        *,
        cast(attainment_vs_pace_numerator as double) / nullif(cast(attainment_vs_pace_denominator as double), 0)
            as attainment_vs_pace,
        cast(discount_depth_numerator as double) / nullif(cast(discount_depth_denominator as double), 0)
            as discount_depth,
        {{ sampled_rate('renewal_rate_numerator', 'renewal_rate_denominator', 'renewal_rate') }} as renewal_rate,
        {{ sampled_rate('renewals_opened_late_share_numerator', 'renewals_opened_late_share_denominator',
                        'renewals_opened_late_share', ['renewals_opened_late']) }} as renewals_opened_late_share,
        {{ sampled_rate('expansion_conversion_numerator', 'expansion_conversion_denominator',
                        'expansion_conversion') }} as expansion_conversion,
        cast(nrr_starting_arr + nrr_expansion - coalesce(nrr_contraction, 0) - nrr_churn as decimal(18, 2))
            as nrr_numerator,
        nrr_starting_arr as nrr_denominator,
        {{ sampled_rate('ttv_attainment_numerator', 'ttv_attainment_denominator', 'ttv_attainment') }}
            as ttv_attainment,
        {{ sampled_rate('milestones_on_time_numerator', 'milestones_on_time_denominator', 'milestones_on_time') }}
            as milestones_on_time,
        case when role = 'CSM' then at_risk_accounts end as escalation_rate_numerator,
        case when role = 'CSM' then accounts_with_health end as escalation_rate_denominator,
        case when role = 'CSM' then
            {{ sampled_rate('at_risk_accounts', 'accounts_with_health', 'escalation_rate') }}
        end as escalation_rate,
        meetings_booked as meeting_acceptance_numerator,
        touches as meeting_acceptance_denominator,
        {{ sampled_rate('meetings_booked', 'touches', 'meeting_acceptance') }} as meeting_acceptance,
        qualified_opportunities as qualified_conversion_numerator,
        case when role = 'SDR' then meetings_booked end as qualified_conversion_denominator,
        {{ sampled_rate('qualified_opportunities', 'meetings_booked', 'qualified_conversion') }}
            as qualified_conversion,
        case when role = 'SDR' then cast(touches as double) / nullif(business_days, 0) end
            as touches_per_business_day
    from joined
),

with_nrr as (
    select
        *,
        cast(nrr_numerator as double) / nullif(cast(nrr_denominator as double), 0) as nrr
    from rates
),

benchmarked as (
    select
        *,
        {%- for column in rate_columns %}
        median({{ column }}) over (
            partition by role, {% if column in segment_benchmarks %}segment, {% endif %}month_start
        ) as {{ column }}_benchmark{{ ',' if not loop.last }}
        {%- endfor %}
    from with_nrr
)

select
    rep_id,
    rep_name,
    role,
    manager_id,
    slm_id,
    segment,
    month_start,
    month_end,
    fiscal_quarter,
    is_current_month,
    window_start,
    window_end,
    -- AE
    attainment_vs_pace,
    attainment_vs_pace_numerator,
    attainment_vs_pace_denominator,
    attainment_vs_pace_benchmark,
    forecast_accuracy,
    forecast_accuracy_numerator,
    forecast_accuracy_denominator,
    forecast_accuracy_benchmark,
    forecast_quarter,
    forecast_accuracy_previous,
    forecast_quarters_out_of_band,
    stage_conversions,
    days_in_stage,
    discount_depth,
    discount_depth_numerator,
    discount_depth_denominator,
    discount_depth_benchmark,
    -- AM
    renewal_rate,
    renewal_rate_numerator,
    renewal_rate_denominator,
    renewal_rate_benchmark,
    renewals_opened_late_share,
    renewals_opened_late_share_numerator,
    renewals_opened_late_share_denominator,
    renewals_opened_late_share_benchmark,
    expansion_conversion,
    expansion_conversion_numerator,
    expansion_conversion_denominator,
    expansion_conversion_benchmark,
    nrr,
    nrr_numerator,
    nrr_denominator,
    nrr_benchmark,
    nrr_starting_arr,
    nrr_expansion,
    nrr_contraction,
    nrr_churn,
    nrr_source,
    -- AM and CSM
    book_health_trend,
    book_accounts,
    book_tier_drops,
    cast(book_tier_drops as double) / nullif(book_accounts, 0) as book_tier_drop_share,
    -- CSM
    ttv_attainment,
    ttv_attainment_numerator,
    ttv_attainment_denominator,
    ttv_attainment_benchmark,
    milestones_on_time,
    milestones_on_time_numerator,
    milestones_on_time_denominator,
    milestones_on_time_benchmark,
    escalation_rate,
    escalation_rate_numerator,
    escalation_rate_denominator,
    escalation_rate_benchmark,
    case when role = 'CSM' then nps_mean end as nps_mean,
    case when role = 'CSM' then nps_trend end as nps_trend,
    case when role = 'CSM' then csat_mean end as csat_mean,
    case when role = 'CSM' then csat_trend end as csat_trend,
    -- SDR
    meeting_acceptance,
    meeting_acceptance_numerator,
    meeting_acceptance_denominator,
    meeting_acceptance_benchmark,
    meetings_booked_source,
    response_by_step,
    response_by_cadence,
    qualified_conversion,
    qualified_conversion_numerator,
    qualified_conversion_denominator,
    qualified_conversion_benchmark,
    touches_per_business_day,
    case when role = 'SDR' then touches_per_business_day / {{ touch_target }} end as volume_vs_target,
    case when role = 'SDR' then cast({{ touch_target }} as double) end as touch_target,
    -- Coverage: the org delivered the source at all
    coverage.has_cs_health or coverage.has_cs_onboarding as has_cs_data,
    coverage.has_sequences as has_sequence_data,
    coverage.has_line_items,
    coverage.has_contracts
from benchmarked
cross join coverage
