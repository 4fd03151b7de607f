{#- The roles settings (settings.yaml `roles:`, passed by the product as the dbt var `roles`,
    see coaching_pipeline/config.py RoleSettings). The defaults below are the contract's
    (/work/shared/contracts/roles.md) so a bare `dbt build` and an older settings file
    without the section still build; a key missing from the var takes its default here. -#}
{% macro role_defaults() -%}
    {{ return({
        'opportunity_types': {
            'new': ['New Business'],
            'renewal': ['Renewal', 'Existing Business - Renewal'],
            'expansion': ['Upsell', 'Cross-Sell', 'Existing Business', 'Expansion'],
        },
        'employee_segments': [{'below': 200, 'segment': 'SMB'}, {'below': 2000, 'segment': 'Mid-Market'}],
        'largest_segment': 'Enterprise',
        'health_tiers': {'healthy': 75, 'neutral': 50, 'at_risk': 25},
        'window_months': 3,
        'min_sample': 10,
        'min_sample_by_metric': {},
        'qualified_probability': 20,
        'renewal_late_days': 90,
        'forecast_snapshot_days': 14,
        'forecast_band': {'low': 0.85, 'high': 1.15},
        'sdr_touch_target_per_day': 60,
        'nrr_months': 12,
        'health_trend_months': 3,
    }) }}
{%- endmacro %}

{#- One roles setting: the var's value when it has the key (and it is not null), else the default. -#}
{% macro role_setting(key) -%}
    {%- set configured = var('roles', {}) or {} -%}
    {%- set value = configured.get(key) -%}
    {%- if value is none -%}
        {%- set value = role_defaults().get(key) -%}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- The minimum sample of a metric: roles.min_sample_by_metric under the metric's column name
    (or one of its other names, e.g. the pattern name 'renewals_opened_late' of the column
    renewals_opened_late_share), else roles.min_sample. -#}
{% macro min_sample_for(metric, other_names=[]) -%}
    {%- set by_metric = role_setting('min_sample_by_metric') or {} -%}
    {%- set ns = namespace(value=none) -%}
    {%- for name in [metric] + other_names -%}
        {%- if ns.value is none and by_metric.get(name) is not none -%}
            {%- set ns.value = by_metric.get(name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return((ns.value if ns.value is not none else role_setting('min_sample')) | int) }}
{%- endmacro %}

{#- A count-based rate: numerator / denominator, null when the denominator (the sample) is
    below the metric's minimum sample or 0, so nothing is flagged on a handful of cases. -#}
{% macro sampled_rate(numerator, denominator, metric, other_names=[]) -%}
    case
        when {{ denominator }} >= {{ [min_sample_for(metric, other_names), 1] | max }}
            then cast({{ numerator }} as double) / {{ denominator }}
    end
{%- endmacro %}

{#- A SQL literal list of lower-cased strings, for `lower(x) in (...)`. -#}
{% macro lower_literals(values) -%}
    {%- for v in values -%}'{{ v | lower | replace("'", "''") }}'{{ ', ' if not loop.last }}{%- endfor -%}
{%- endmacro %}

