{#-
    accepted_ranges: value ranges of several columns of a model as a test of their own. Each
    entry of `ranges` is {column, min_value, max_value, inclusive}: every non-null value of the
    column lies within [min_value, max_value] (both bounds inclusive unless inclusive: false;
    either bound may be omitted, not both). Nulls pass. Values are judged exactly as
    column_rules' ranges judge them (the out_of_range macro).

    A model's ranges normally go in its column_rules test; this one is for a set of ranges
    that needs its own name and description (int_as_of's).

    It returns one row per column with out-of-range values: column_name, the accepted range,
    out_of_range_count and the lowest and highest offending values (as text), so a failure
    names the columns: `dbt show --select <test name>` prints them, `dbt build
    --store-failures` keeps them in dbt_test__audit. The failure count dbt reports is the
    number of out-of-range values over all the columns (fail_calc), as the per-column tests
    added up.

        models:
          - name: rep_performance
            data_tests:
              - accepted_ranges:
                  name: accepted_ranges_rep_performance
                  arguments:
                    ranges:
                      - {column: win_rate, min_value: 0, max_value: 1}
                      - {column: team_size, min_value: 1}
                      - {column: amount, min_value: 0, inclusive: false}   # strictly positive
-#}
{% test accepted_ranges(model, ranges) %}
{{ config(fail_calc='coalesce(sum(out_of_range_count), 0)') }}
{%- if ranges is string or ranges is mapping or ranges is not iterable or ranges | length == 0 -%}
    {{ exceptions.raise_compiler_error("accepted_ranges: ranges must be a non-empty list of {column, min_value, max_value, inclusive}") }}
{%- endif -%}
{%- for r in ranges -%}
    {%- set where = "accepted_ranges, entry " ~ loop.index ~ " (" ~ r ~ "): " -%}
    {%- if r is not mapping or not r.get('column') -%}
        {{ exceptions.raise_compiler_error(where ~ "give column") }}
    {%- endif -%}
    {%- for key in r if key not in ['column', 'min_value', 'max_value', 'inclusive'] -%}
        {{ exceptions.raise_compiler_error(where ~ "unknown key " ~ key ~ " (column, min_value, max_value, inclusive)") }}
    {%- endfor -%}
    {%- if r.get('min_value') is none and r.get('max_value') is none -%}
        {{ exceptions.raise_compiler_error(where ~ "give min_value, max_value or both") }}
    {%- endif -%}
{%- endfor %}

with checks as (
    select
    {%- for r in ranges %}
        {%- set bad = out_of_range(r['column'], r.get('min_value'), r.get('max_value'), r.get('inclusive', true)) %}
        count(case when {{ bad }} then 1 end) as failures_{{ loop.index }},
        min(case when {{ bad }} then {{ r['column'] }} end) as lowest_{{ loop.index }},
        max(case when {{ bad }} then {{ r['column'] }} end) as highest_{{ loop.index }}{{ ',' if not loop.last }}
    {%- endfor %}
    from {{ model }}
)
{%- for r in ranges %}
select
    {{ test_column_label(r['column']) }} as column_name,
    {{ range_text(r) }} as accepted_range,
    failures_{{ loop.index }} as out_of_range_count,
    cast(lowest_{{ loop.index }} as {{ dbt.type_string() }}) as lowest_out_of_range,
    cast(highest_{{ loop.index }} as {{ dbt.type_string() }}) as highest_out_of_range
from checks
where failures_{{ loop.index }} > 0
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
{% endtest %}
