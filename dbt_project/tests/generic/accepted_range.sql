{#-
    accepted_range: every non-null value of the column lies within [min_value, max_value]
    (both bounds inclusive by default; either bound may be omitted). Nulls pass: combine
    with not_null when a value is required.

    The project's models use accepted_ranges (one test per model for all its ranges, see
    accepted_ranges.sql) instead: dbt's fixed cost per test is paid once per model, not once
    per column. Both judge a value with the same macro (out_of_range).

        columns:
          - name: talk_ratio
            data_tests:
              - accepted_range: {min_value: 0, max_value: 1}
              - accepted_range: {min_value: 0, inclusive: false}   # strictly positive
-#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
{%- if min_value is none and max_value is none -%}
    {{ exceptions.raise_compiler_error("accepted_range on " ~ model ~ "." ~ column_name ~ ": give min_value, max_value or both") }}
{%- endif %}

select {{ column_name }} as out_of_range_value
from {{ model }}
where {{ out_of_range(column_name, min_value, max_value, inclusive) }}
{% endtest %}
