{#- The rate lookup of int_currency_rates, shared by every model that converts money: one row
    per `key` of `relation` with the `conversion_rate` that holds for its currency code (null
    code: the corporate currency) on `day`, null for an unknown code. Use it as a CTE and
    join it back on the key. -#}
{% macro rates_for(relation, key, currency_code, day) -%}
    select
        src.{{ key }},
        rates.conversion_rate
    from {{ relation }} as src
    cross join {{ ref('int_corporate_currency') }} as corporate
    left join {{ ref('int_currency_rates') }} as rates
        on rates.iso_code = coalesce(src.{{ currency_code }}, corporate.corporate_iso_code)
        and src.{{ day }} >= rates.valid_from
        and src.{{ day }} < rates.valid_until
    qualify row_number() over (partition by src.{{ key }} order by rates.precedence nulls last) = 1
{%- endmacro %}
