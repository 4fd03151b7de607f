{#- Exact money (landing-zone contract, "Money, currencies, local time, fiscal year").

    Amounts are DECIMAL(18,2). DuckDB adds and multiplies decimals exactly, but it divides
    them as DOUBLE, so every division of money here (currency conversion, pro-rata quota,
    means) is done on whole cents as HUGEINT and rounded half up, once. Amounts are never
    negative (the loader quarantines a negative Amount or QuotaAmount), which the integer
    rounding below relies on. -#}

{#- An amount as whole cents (HUGEINT). -#}
{% macro to_cents(amount) -%}
    cast(cast({{ amount }} as decimal(38, 2)) * 100 as hugeint)
{%- endmacro %}

{#- Whole cents back to DECIMAL(18,2). -#}
{% macro from_cents(cents) -%}
    cast(cast({{ cents }} as decimal(18, 0)) * 0.01 as decimal(18, 2))
{%- endmacro %}

{#- numerator / denominator rounded half up, for non-negative integers (null when the
    denominator is null; callers guard against 0 with nullif). -#}
{% macro divide_half_up(numerator, denominator) -%}
    ((2 * ({{ numerator }}) + ({{ denominator }})) // (2 * ({{ denominator }})))
{%- endmacro %}

{#- amount / conversion_rate rounded to the cent: a local amount in the corporate currency
    (Salesforce: ConversionRate is units of the currency per one corporate unit). The rate
    has 6 decimals, so both sides are scaled to integers exactly. -#}
{% macro to_corporate(amount, conversion_rate) -%}
    {{ from_cents(divide_half_up(to_cents(amount) ~ ' * 1000000',
                                 'cast(cast(' ~ conversion_rate ~ ' as decimal(38, 6)) * 1000000 as hugeint)')) }}
{%- endmacro %}

{#- The mean of an amount column rounded to the cent (null without a value). `over` makes it
    a window function, e.g. over="over (partition by team_id)". -#}
{% macro money_mean(amount, over='') -%}
    {{ from_cents(divide_half_up('sum(' ~ to_cents(amount) ~ ') ' ~ over,
                                 'nullif(count(' ~ amount ~ ') ' ~ over ~ ', 0)')) }}
{%- endmacro %}

{#- A quota row's share of a report window, exactly: quota_amount x overlap_days /
    coverage_days, kept in units of 1e-18 (rounded half up there) so that the shares of
    several quota rows can be summed and rounded to the cent once with
    `pro_rata_to_money(sum(...))`. -#}
{% macro pro_rata_share(quota_amount, overlap_days, coverage_days) -%}
    {{ divide_half_up(to_cents(quota_amount) ~ ' * (' ~ overlap_days ~ ') * 10000000000000000',
                      'cast(' ~ coverage_days ~ ' as hugeint)') }}
{%- endmacro %}

{% macro pro_rata_to_money(summed_shares) -%}
    {{ from_cents(divide_half_up(summed_shares, 'cast(10000000000000000 as hugeint)')) }}
{%- endmacro %}
