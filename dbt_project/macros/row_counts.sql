{#- Post-hook of every model (dbt_project.yml): logs `coaching_row_count <schema>.<table>
    <rows>` once the model is built. It runs outside the model's transaction, so after the
    model's own post-hooks (the incremental models' deletes), and counts the table as it
    stays. The Dagster asset reads the line from dbt's event stream and reports it as the
    asset's row count while dbt goes on with the next model: counting afterwards meant
    waiting for dbt to exit and release the DuckDB file. -#}
{% macro log_row_count() -%}
    {%- if execute -%}
        {%- set rows = run_query("select count(*) from " ~ this).columns[0].values()[0] -%}
        {%- do log("coaching_row_count " ~ this.schema ~ "." ~ this.identifier ~ " " ~ rows, info=True) -%}
    {%- endif -%}
{%- endmacro %}
