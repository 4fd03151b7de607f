{#-
    column_rules: every column rule of a model in one test. Each argument is optional, give
    at least one:
      not_null    [column, ...]                      the column never holds a null
      unique      [column | [column, ...], ...]      a key: one column (nulls pass, as dbt's
                                                     unique) or several together (compared
                                                     with IS NOT DISTINCT FROM: nulls group)
      values      [{column, values, quote}, ...]     every non-null value is one of `values`
                                                     (quote: false for numbers and booleans)
      references  [{column, to, field}, ...]         every non-null value is a `field` of the
                                                     relation `to` (ref('...'))
      ranges      [{column, min_value, max_value, inclusive}, ...]
                                                     as accepted_ranges (out_of_range); nulls pass

    Why one test per model: dbt spends ~40 ms on every test node whatever the size of the
    data (compile, run, run_results, and a Dagster asset check event each). With one node per
    rule and column, the 68 models had 225 such tests, about 9 s of every build and more than
    the test scans themselves. A model's rules of severity warn are a second column_rules test
    with that config (its name ends in _warn).

    It returns one row per broken rule: rule (not_null, unique, accepted_values,
    relationships, accepted_range), column_name (a key's columns joined by ', '), expected
    (the rule in words: 'one of: red, yellow, green', 'a user_id of int_users', '>= 0 and
    <= 100'), failures and an example of what fails (the smallest offending value). failures counts, as the single-rule tests did, the null
    values, the duplicated key values, the distinct unexpected values, the rows without a
    parent, the values out of range; the count dbt reports is their sum (fail_calc).
    `dbt show --select <test name>` prints the rows; `dbt build --store-failures` keeps them
    in dbt_test__audit.

        models:
          - name: deal_health_scores
            data_tests:
              - column_rules:
                  name: column_rules_deal_health_scores
                  arguments:
                    not_null: [opportunity_id, owner_id]
                    unique: [opportunity_id]
                    values:
                      - {column: health_band, values: [red, yellow, green]}
                    references:
                      - {column: opportunity_id, to: "ref('stg_salesforce__opportunities')", field: opportunity_id}
                    ranges:
                      - {column: health_score, min_value: 0, max_value: 100}
-#}
{% test column_rules(model, not_null=none, unique=none, values=none, references=none, ranges=none) %}
{{ config(fail_calc='coalesce(sum(failures), 0)') }}
{%- set parts = [] -%}
{%- if not (not_null or unique or values or references or ranges) -%}
    {{ exceptions.raise_compiler_error("column_rules on " ~ model ~ ": give not_null, unique, values, references or ranges") }}
{%- endif -%}

{%- if not_null -%}
{%- set sql -%}
with null_counts as (
    select {% for column in not_null %}count(*) - count({{ column }}) as n_{{ loop.index }}{{ ', ' if not loop.last }}{% endfor %}
    from {{ model }}
)
{%- for column in not_null %}
select 'not_null' as rule, {{ test_column_label(column) }} as column_name, 'never null' as expected,
       n_{{ loop.index }} as failures,
       cast(null as {{ dbt.type_string() }}) as example
from null_counts where n_{{ loop.index }} > 0
{%- if not loop.last %} union all{% endif %}
{%- endfor %}
{%- endset -%}
{%- do parts.append(sql) -%}
{%- endif -%}

{%- for key in unique or [] -%}
{%- set columns = [key] if key is string else key -%}
{%- set columns_csv = columns | join(', ') -%}
{%- set sql -%}
select 'unique' as rule, {{ test_column_label(columns_csv) }} as column_name, 'one row per value' as expected,
       count(*) as failures,
       cast(min({% if columns | length == 1 %}{{ columns[0] }}{% else %}concat_ws(', ', {{ columns_csv }}){% endif %}) as {{ dbt.type_string() }}) as example
from (
    select {{ columns_csv }} from {{ model }}
    {%- if columns | length == 1 %} where {{ columns[0] }} is not null{% endif %}
    group by {{ columns_csv }} having count(*) > 1
) as duplicated
having count(*) > 0
{%- endset -%}
{%- do parts.append(sql) -%}
{%- endfor -%}

{%- for rule in values or [] -%}
{%- set quote = rule.get('quote', true) -%}
{%- set sql -%}
select 'accepted_values' as rule, {{ test_column_label(rule['column']) }} as column_name,
       {{ test_column_label('one of: ' ~ (rule['values'] | join(', '))) }} as expected, count(*) as failures,
       cast(min(value) as {{ dbt.type_string() }}) as example
from (
    select distinct {{ rule['column'] }} as value from {{ model }}
    where {{ rule['column'] }} not in ({% for v in rule['values'] %}{% if quote %}'{{ v | replace("'", "''") }}'{% else %}{{ v }}{% endif %}{{ ', ' if not loop.last }}{% endfor %})
) as unexpected
having count(*) > 0
{%- endset -%}
{%- do parts.append(sql) -%}
{%- endfor -%}

{%- for rule in references or [] -%}
{%- set article = 'an' if rule['field'][0] in 'aeiou' else 'a' -%}
{%- set sql -%}
select 'relationships' as rule, {{ test_column_label(rule['column']) }} as column_name,
       {{ test_column_label(article ~ ' ' ~ rule['field'] ~ ' of ' ~ ((rule['to'] | string).split('.')[-1] | replace('"', ''))) }} as expected, count(*) as failures,
       cast(min(child.{{ rule['column'] }}) as {{ dbt.type_string() }}) as example
from {{ model }} as child
where child.{{ rule['column'] }} is not null
  and not exists (select 1 from {{ rule['to'] }} as parent where parent.{{ rule['field'] }} = child.{{ rule['column'] }})
having count(*) > 0
{%- endset -%}
{%- do parts.append(sql) -%}
{%- endfor -%}

{%- if ranges -%}
{%- set sql -%}
with checks as (
    select
    {%- for r in ranges %}
        {%- set bad = out_of_range(r['column'], r.get('min_value'), r.get('max_value'), r.get('inclusive', true)) %}
        count(case when {{ bad }} then 1 end) as failures_{{ loop.index }},
        cast(min(case when {{ bad }} then {{ r['column'] }} end) as {{ dbt.type_string() }}) as lowest_{{ loop.index }}{{ ',' if not loop.last }}
    {%- endfor %}
    from {{ model }}
)
{%- for r in ranges %}
select 'accepted_range' as rule, {{ test_column_label(r['column']) }} as column_name,
       {{ range_text(r) }} as expected, failures_{{ loop.index }} as failures,
       lowest_{{ loop.index }} as example
from checks where failures_{{ loop.index }} > 0
{%- if not loop.last %} union all{% endif %}
{%- endfor %}
{%- endset -%}
{%- do parts.append(sql) -%}
{%- endif %}

{% for part in parts -%}
select * from (
{{ part }}
) as part_{{ loop.index }}
{%- if not loop.last %}
union all
{% endif %}
{%- endfor %}
{% endtest %}
