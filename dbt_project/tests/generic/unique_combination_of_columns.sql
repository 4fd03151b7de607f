{#-
    unique_combination_of_columns: no two rows share the same values of the listed columns
    (the grain of a model whose key spans several columns). Rows are compared with
    IS NOT DISTINCT FROM semantics (nulls group together), so pair it with not_null on the
    key columns.

        models:
          - name: stg_gong__call_trackers
            data_tests:
              - unique_combination_of_columns:
                  arguments:
                    combination_of_columns: [call_id, tracker_name]
-#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
{%- set columns_csv = combination_of_columns | join(', ') -%}

select {{ columns_csv }}, count(*) as row_count
from {{ model }}
group by {{ columns_csv }}
having count(*) > 1
{% endtest %}
