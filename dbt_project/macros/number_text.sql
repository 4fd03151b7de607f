{#- Numbers as the coaching sentences print them. Rounded to 6 places first: a mean of
    doubles differs in its last bits with the order its rows are summed in, and 0.785 must
    read 79% whether it came out 0.78499999999 or 0.78500000001 (an incremental build and a
    full refresh of rep_performance once disagreed on exactly that). -#}

{#- A share (0.785) as a whole percent, half away from zero: 79. -#}
{% macro whole_percent(share) -%}
    cast(round(round({{ share }} * 100, 6)) as integer)
{%- endmacro %}

{#- A count or a number of days with one decimal: '4.4'. -#}
{% macro one_decimal(value) -%}
    printf('%.1f', round(round({{ value }}, 6), 1))
{%- endmacro %}
