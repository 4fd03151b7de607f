"""dbt-duckdb plugin (profiles.yml `plugins`): attaches the warehouse file named by
COACHING_WAREHOUSE under the fixed alias `warehouse`, and opens DuckDB with the product's
memory limit, checkpoint threshold and a spill folder beside the file.

Why a plugin and not the profile's own `attach` and `config_options`: dbt hashes every
value of the profile's connection keys (path, attach, config_options ...) into its
partial-parse state, so a profile that names the warehouse makes dbt re-parse the whole
project (about 16 s) whenever the file is another one - every test, every second warehouse
of a deployment. The plugin's entry in the profile never changes; the values it applies
come from the environment at connect time, which dbt does not hash.

dbt's process imports this module: it must stay free of the product's heavier imports.
"""

from __future__ import annotations

import os
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

WAREHOUSE_ENV = "COACHING_WAREHOUSE"
MEMORY_LIMIT_ENV = "COACHING_DUCKDB_MEMORY_LIMIT"
CHECKPOINT_THRESHOLD_ENV = "COACHING_DUCKDB_CHECKPOINT_THRESHOLD"
# dbt runs with the project folder as its working directory (dbt_env always sets an absolute path)
DEFAULT_WAREHOUSE = "../data/warehouse/warehouse.duckdb"
ALIAS = "warehouse"


def warehouse_path() -> str:
    return os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE


def connection_config() -> dict[str, str]:
    """DuckDB's config at open. These apply once, when the database opens: DuckDB refuses to
    set temp_directory again once it has spilled there."""
    return {
        "memory_limit": os.environ.get(MEMORY_LIMIT_ENV) or "4GB",
        "checkpoint_threshold": os.environ.get(CHECKPOINT_THRESHOLD_ENV) or "1GB",
        "temp_directory": f"{warehouse_path()}.tmp",
    }


def attach_sql(path: str) -> str:
    return f"ATTACH IF NOT EXISTS '{path.replace(chr(39), chr(39) * 2)}' AS {ALIAS}"


class Plugin(BasePlugin):
    def update_connection_config(self, creds: Any, config: dict[str, Any]) -> None:
        config.update(connection_config())

    def configure_connection(self, conn: Any) -> None:
        # Before the profile's own `attach` runs: its placeholder entry (which only tells dbt
        # that the database `warehouse` exists) is then skipped, IF NOT EXISTS.
        conn.execute(attach_sql(warehouse_path()))
