{#- Local time of sellers (landing-zone contract, "Money, currencies, local time"): a seller's
    zone is User.TimeZoneSidKey, else the latest Organization's TimeZoneSidKey, else var
    default_time_zone (settings org_defaults.time_zone). int_users resolves it per user
    (time_zone, time_zone_source), int_fallback_time_zone holds the zone of rows without a
    known seller; these macros give the pieces to every model that turns a UTC timestamp
    into a seller's local date or hour.

    A zone name counts only when DuckDB's zone database (ICU, pg_timezone_names()) knows it,
    compared case-insensitively and spelled as the database spells it; a name it does not
    know falls through to the next source (and is counted by the warn test
    intermediate_users_time_zones_are_known_warn). Daylight saving comes from that database,
    never from fixed offsets. Timestamps stay stored in UTC (naive TIMESTAMP holding UTC). -#}

{#- The zone DuckDB knows under `name_sql` (any case), in its own spelling; null when none. -#}
{% macro known_time_zone(name_sql) -%}
    (select min(known.name) from pg_timezone_names() as known where lower(known.name) = lower({{ name_sql }}))
{%- endmacro %}

{#- The zone of a seller whose User record gives none DuckDB knows (or of a row whose seller is
    not a known user): the latest Organization's TimeZoneSidKey when known, else the
    configured default. A scalar SQL expression. -#}
{% macro fallback_time_zone() -%}
    coalesce({{ organization_time_zone() }}, {{ configured_time_zone() }})
{%- endmacro %}

{% macro organization_time_zone() -%}
    (select {{ known_time_zone('organization.time_zone_sid_key') }}
     from {{ ref('stg_salesforce__organization') }} as organization
     where organization.is_latest)
{%- endmacro %}

{#- var default_time_zone. Settings validation only accepts IANA names, so one DuckDB does not
    know (a zone newer than its ICU data) fails the build loudly instead of passing as UTC. -#}
{% macro configured_time_zone() -%}
    {%- set configured = var('default_time_zone', 'UTC') | replace("'", "''") -%}
    coalesce(
        {{ known_time_zone("'" ~ configured ~ "'") }},
        error('default_time_zone {{ configured }} is not a time zone DuckDB knows (pg_timezone_names())')
    )
{%- endmacro %}

{#- The zones of int_users (and the fallback zone, int_fallback_time_zone, which the calling
    model must ref too) when the model runs, for local_time. Empty at parse time, or before
    int_users is first built (local_time then still converts, only slower). -#}
{% macro time_zones_in_use(users_relation) -%}
    {%- if execute and load_relation(users_relation) is not none -%}
        {%- set result = run_query(
            "select time_zone from " ~ users_relation ~ " where time_zone is not null"
            ~ " union select time_zone from " ~ ref('int_fallback_time_zone') ~ " order by 1") -%}
        {{ return(result.columns[0].values() | reject('none') | list) }}
    {%- endif -%}
    {{ return([]) }}
{%- endmacro %}

{#- The naive local time in zone `zone_sql` of the naive UTC timestamp `timestamp_sql`.
    DuckDB's timezone() with a zone that varies by row builds an ICU calendar per row (about
    10x slower on the 2M activities of scale M); a branch per zone in use (`zones`, from
    time_zones_in_use) keeps the zone constant in each, and the last branch converts any
    other zone row by row. -#}
{% macro local_time(timestamp_sql, zone_sql, zones=[]) -%}
    case
        {%- for zone in zones %}
        when {{ zone_sql }} = '{{ zone | replace("'", "''") }}'
            then timezone('{{ zone | replace("'", "''") }}', timezone('UTC', {{ timestamp_sql }}))
        {%- endfor %}
        else timezone({{ zone_sql }}, timezone('UTC', {{ timestamp_sql }}))
    end
{%- endmacro %}
