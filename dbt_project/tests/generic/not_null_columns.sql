{#-
    not_null_columns: none of the listed columns holds a null - dbt's not_null for several
    columns of a model at once.

    Why one test per model: dbt spends ~40-50 ms on every test whatever the size of the data
    (compile, connection, run_results, and a Dagster asset check event each), so one
    not_null test per column cost seconds on every build (167 of them, ~7 s). This test
    scans the model once for all the columns.

    It returns one row per column that holds nulls: column_name and null_count, so a failure
    names the columns: `dbt show --select <test name>` prints them, `dbt build
    --store-failures` keeps them in dbt_test__audit. The failure count dbt reports is the
    number of null values over all the columns (fail_calc), as the per-column tests added
    up. Quote a column that needs it as in SQL: '"group"'.

        models:
          - name: rep_activities
            data_tests:
              - not_null_columns:
                  name: not_null_columns_rep_activities
                  arguments:
                    columns: [rep_id, activity_date, call_count]
-#}
{% test not_null_columns(model, columns) %}
{{ config(fail_calc='coalesce(sum(null_count), 0)') }}
{%- if columns is string or columns is not iterable or columns | length == 0 -%}
    {{ exceptions.raise_compiler_error("not_null_columns: columns must be a non-empty list of column names") }}
{%- endif %}

with null_counts as (
    select
    {%- for column in columns %}
        count(*) - count({{ column }}) as nulls_{{ loop.index }}{{ ',' if not loop.last }}
    {%- endfor %}
    from {{ model }}
)
{%- for column in columns %}
select {{ test_column_label(column) }} as column_name, nulls_{{ loop.index }} as null_count
from null_counts
where nulls_{{ loop.index }} > 0
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
{% endtest %}
