{#- Shared by the generic tests in tests/generic/. -#}

{#- True for a value outside the accepted range: non-null and not within [min_value,
    max_value] (bounds inclusive unless inclusive=false; either bound may be none). The one
    definition of column_rules' ranges and accepted_ranges, so both judge a value alike. -#}
{% macro out_of_range(column, min_value=none, max_value=none, inclusive=true) -%}
    {%- set lower_op = '>=' if inclusive else '>' -%}
    {%- set upper_op = '<=' if inclusive else '<' -%}
    ({{ column }} is not null and not (true
        {%- if min_value is not none %} and {{ column }} {{ lower_op }} {{ min_value }}{% endif %}
        {%- if max_value is not none %} and {{ column }} {{ upper_op }} {{ max_value }}{% endif -%}
    ))
{%- endmacro %}

{#- A column as given in a test's arguments ('"group"' for a quoted column) as plain text,
    for the column_name of a failing row. -#}
{% macro test_column_label(column) -%}
    '{{ column | replace('"', '') | replace("'", "''") }}'
{%- endmacro %}

{#- A range entry {column, min_value, max_value, inclusive} in words, as a SQL string literal:
    '>= 0 and <= 100', '> 0'. -#}
{% macro range_text(r) -%}
    {%- set inclusive = r.get('inclusive', true) -%}
    {%- set accepted = [] -%}
    {%- if r.get('min_value') is not none %}{% do accepted.append(('>= ' if inclusive else '> ') ~ r['min_value']) %}{% endif -%}
    {%- if r.get('max_value') is not none %}{% do accepted.append(('<= ' if inclusive else '< ') ~ r['max_value']) %}{% endif -%}
    '{{ accepted | join(" and ") }}'
{%- endmacro %}
