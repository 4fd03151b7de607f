from .dbt import DBT_PROJECT, dbt_vars, ensure_manifest
from .warehouse import WRITER_POOL, LandingZone, RunSettings, Warehouse, latest_event_date

__all__ = [
    "DBT_PROJECT",
    "WRITER_POOL",
    "LandingZone",
    "RunSettings",
    "Warehouse",
    "dbt_vars",
    "ensure_manifest",
    "latest_event_date",
]
