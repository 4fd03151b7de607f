{#- Incremental builds over the raw layer.

    Every raw row carries _loaded_at, the time the loader wrote it; a re-delivered record that
    wins replaces the stored one with a new _loaded_at, and raw never loses a row otherwise
    (soft deletes are flags). The loader gives each file a load time strictly after every
    earlier one (Loader._load_time), so "what changed since the last build" is exactly the
    raw rows with _loaded_at after the newest _loaded_at already built. The big staging models
    and int_activities build only those (delete+insert on their key); a first build, or
    `dbt build --full-refresh`, builds everything. -#}

{#- The newest _loaded_at already in this model's table, as a SQL timestamp literal, read
    when the model runs: a constant lets DuckDB skip raw row groups by their min/max (raw is
    appended in load order), which a subquery in the filter would not. -#}
{% macro loaded_watermark(column='_loaded_at') -%}
    {%- set watermark = none -%}
    {%- if execute and is_incremental() -%}
        {%- set result = run_query("select max(" ~ column ~ ") from " ~ this) -%}
        {%- set watermark = result.columns[0].values()[0] -%}
    {%- endif -%}
    {%- if watermark is none -%}
        timestamp '0001-01-01'
    {%- else -%}
        timestamp '{{ watermark }}'
    {%- endif -%}
{%- endmacro %}

{#- Filter for a model's source rows: all of them on a full build, else those loaded after
    the watermark. (Not >=: that rebuilt the newest file of every source each night, at
    scale M all 108,000 contacts of their single extract.) -#}
{% macro loaded_since_last_build(column='_loaded_at', rebuild_without=[]) -%}
    {%- if is_incremental() and not lacks_columns(rebuild_without) -%}
        {{ column }} > {{ loaded_watermark() }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- True when this model's table exists without one of `columns`: it was built by an earlier
    version of the model. Such a model (on_schema_change='append_new_columns') adds the
    columns and, through loaded_since_last_build(rebuild_without=...), builds every raw row
    again, so the rows built before hold the new columns' values too (not null). Read when the
    model compiles, before the materialization adds the columns. -#}
{% macro lacks_columns(columns) -%}
    {%- if not columns or not execute or not is_incremental() -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set existing = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {%- for column in columns -%}
        {%- if column | lower not in existing -%}
            {{ return(true) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(false) }}
{%- endmacro %}

{#- Post-hook: drop the rows whose raw record is now soft-deleted. The batch skips deleted
    rows, so a record deleted after it was built would otherwise stay. -#}
{% macro delete_soft_deleted(source_table, key_column, raw_key='id') -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where {{ key_column }} in (
        select {{ raw_key }} from {{ source('raw', source_table) }}
        where not {{ is_not_soft_deleted() }}
    )
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}

{#- Post-hook of the models that unnest a list of a raw record (a Gong call's parties,
    trackers and context; an answered scorecard's answers): the batch replaces every row of a
    re-delivered record, but a record delivered again with an empty list adds no row to
    replace the old ones. A row older than its raw record is such a leftover. -#}
{% macro delete_superseded_rows(source_table, key_column) -%}
    {%- if is_incremental() -%}
    delete from {{ this }} as built
    using {{ source('raw', source_table) }} as delivered
    where built.{{ key_column }} = delivered.{{ key_column }}
      and delivered._loaded_at > built._loaded_at
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}
