{#- Small SQL snippets shared by the staging models. -#}

{#- Trimmed text, with blank strings turned into null: a value that is only spaces, tabs or
    line breaks carries no information (the landing-zone contract counts a MEDDPICC field
    as filled only when it is non-blank after trimming). -#}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}, e' \t\r\n'), '')
{%- endmacro %}

{#- Lower-cased, trimmed email: the form every email-based match (Gong user -> Salesforce
    user, call party -> Contact, activity-log rep_email -> User) uses. -#}
{% macro email_lower(column) -%}
    lower({{ clean_text(column) }})
{%- endmacro %}

{#- Salesforce soft deletes: a row is dropped when IsDeleted or _fivetran_deleted is true
    and kept when both are false or null (the raw layer keeps every row). -#}
{% macro is_not_soft_deleted(relation_alias=none) -%}
    {%- set prefix = relation_alias ~ '.' if relation_alias else '' -%}
    ({{ prefix }}is_deleted is not true and {{ prefix }}_fivetran_deleted is not true)
{%- endmacro %}

{#- Ids (Salesforce or Gong) as text with surrounding spaces removed and an empty string
    turned into null, so "no related record" is always null. Cheaper than clean_text: ids
    never hold tabs or line breaks. -#}
{% macro clean_id(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{#- Today's date in UTC, whatever the session's time zone: the bound on as_of and on the
    event dates the product uses (Python's config.utc_today). -#}
{% macro utc_today() -%}
    cast(timezone('UTC', now()) as date)
{%- endmacro %}

{#- A delivered label as a key: trimmed, lower-cased, runs of spaces and hyphens as one
    underscore ("Meeting Booked", "meeting-booked" and "meeting_booked" all read
    meeting_booked; "At Risk" reads at_risk). Null when blank. -#}
{% macro label_key(column) -%}
    regexp_replace(lower({{ clean_text(column) }}), '[ -]+', '_', 'g')
{%- endmacro %}

{#- label_key(column) when it is one of `values`, 'other' for any other delivered value,
    null when nothing was delivered. -#}
{% macro label_in(column, values) -%}
    case
        when {{ label_key(column) }} in ('{{ values | join("', '") }}') then {{ label_key(column) }}
        when {{ clean_text(column) }} is not null then 'other'
    end
{%- endmacro %}
