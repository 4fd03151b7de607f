{#- Schemas are the layer names (staging, intermediate, marts), not dbt's default
    "<target schema>_<custom schema>" concatenation. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
