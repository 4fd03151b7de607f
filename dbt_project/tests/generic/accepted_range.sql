{#-
    accepted_range: every non-null value of the column lies within [min_value, max_value]
    (both bounds inclusive by default; either bound may be omitted). Nulls pass: combine
    with not_null when a value is required.

        columns:
          - name: talk_ratio
            data_tests:
              - accepted_range: {min_value: 0, max_value: 1}
              - accepted_range: {min_value: 0, inclusive: false}   # strictly positive
-#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
{%- if min_value is none and max_value is none -%}
    {{ exceptions.raise_compiler_error("accepted_range on " ~ model ~ "." ~ column_name ~ ": give min_value, max_value or both") }}
{%- endif -%}
{%- set lower_op = '>=' if inclusive else '>' -%}
{%- set upper_op = '<=' if inclusive else '<' -%}

select {{ column_name }} as out_of_range_value
from {{ model }}
where {{ column_name }} is not null
  and not (
      true
      {%- if min_value is not none %}
      and {{ column_name }} {{ lower_op }} {{ min_value }}
      {%- endif %}
      {%- if max_value is not none %}
      and {{ column_name }} {{ upper_op }} {{ max_value }}
      {%- endif %}
  )
{% endtest %}
