{#- The stage-history rows of opportunities as validity intervals: each row holds from its
    day until the deal's next row (a later row of the same day replaces it that day: its
    interval is empty). Shared by the forecast snapshots and the AE's open Commit, which
    each join a day into these intervals (an interval join, not every earlier row). -#}
{% macro opportunity_history_intervals(columns) %}
    select
        opportunity_id,
        {% for column in columns %}{{ column }},
        {% endfor -%}
        cast(created_at as date) as valid_from,
        coalesce(
            lead(cast(created_at as date)) over (partition by opportunity_id order by created_at, opportunity_history_id),
            date '9999-12-31'
        ) as valid_until
    from {{ ref('stg_salesforce__opportunity_history') }}
{% endmacro %}
