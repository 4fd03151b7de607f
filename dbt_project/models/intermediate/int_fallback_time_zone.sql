-- One row: the zone of a seller whose User record gives no zone DuckDB knows, and of a row
-- whose rep is no known user (landing-zone contract, "Local time"): the latest
-- Organization's TimeZoneSidKey when DuckDB knows it, else var default_time_zone
-- (macros/time_zone_helpers.sql).
select
    {{ fallback_time_zone() }} as time_zone,
    case when {{ organization_time_zone() }} is not null then 'organization' else 'default' end
        as time_zone_source
