"""Where a run reads and writes: the landing zone, the warehouse (and the analysts' copy
beside it), the output folder and the as_of. Flags win over COACHING_* environment
variables, which win over the defaults; the Dagster resources resolve them when a step
uses them, so loading the definitions reads no environment."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import click

from .config import check_as_of

DEFAULT_WAREHOUSE = "data/warehouse/warehouse.duckdb"
# The analysts' copy (assets/publish.py). Its stem is no schema of it, so `marts.x` and
# `coaching.x` typed in the DuckDB CLI resolve as schema.table.
PUBLISHED_NAME = "analytics.duckdb"


def published_path(warehouse: str | os.PathLike) -> Path:
    """The published copy for analysts: analytics.duckdb beside the warehouse file. The one
    place that says where it is (publishing, the run summary, the locked-warehouse message)."""
    return Path(warehouse).with_name(PUBLISHED_NAME)


class ReservedWarehouseName(click.ClickException, ValueError):
    """A warehouse named like its own published copy: publishing would replace it. A
    ClickException so every `coaching` command prints just the sentence and exits 1."""

    def __init__(self, warehouse: Path):
        super().__init__(
            f"the warehouse cannot be called {PUBLISHED_NAME} ({warehouse}): the copy published for analysts "
            f"takes that name beside it; any other name works (default {Path(DEFAULT_WAREHOUSE).name})"
        )


# The default until the analysts' names changed: an install that still has it must not
# silently start an empty warehouse beside it (its coaching state and decisions are there).
OLD_DEFAULT_WAREHOUSE = "data/warehouse/coaching.duckdb"


class OldDefaultWarehouse(click.ClickException, ValueError):
    def __init__(self, old: Path, new: Path):
        super().__init__(
            f"found the warehouse at the old default {old} and none at the new default {new}: rename it "
            f"(mv {old} {new}, and its .wal file if there is one) or keep it with --warehouse {old} "
            "(or COACHING_WAREHOUSE)"
        )


@dataclass(frozen=True)
class RunPaths:
    landing: Path
    warehouse: Path
    output: Path
    as_of: dt.date | None  # None: the latest event date found in the landing zone

    @property
    def published(self) -> Path:
        return published_path(self.warehouse)


def _chosen(flag: str | None, var: str, env: Mapping[str, str] | None) -> str | None:
    env = os.environ if env is None else env
    return flag or env.get(var) or None


def resolve_landing(flag: str | None = None, env: Mapping[str, str] | None = None) -> Path:
    return Path(_chosen(flag, "COACHING_LANDING_DIR", env) or "data/landing").expanduser().resolve()


def resolve_output(flag: str | None = None, env: Mapping[str, str] | None = None) -> Path:
    return Path(_chosen(flag, "COACHING_OUTPUT_DIR", env) or "data/output").expanduser().resolve()


def resolve_as_of(flag: str | dt.date | None = None, env: Mapping[str, str] | None = None) -> dt.date | None:
    as_of = flag or _chosen(None, "COACHING_AS_OF", env)
    if isinstance(as_of, str):
        as_of = dt.date.fromisoformat(as_of)
    return check_as_of(as_of)


def resolve_warehouse(flag: str | None = None, env: Mapping[str, str] | None = None) -> Path:
    chosen = _chosen(flag, "COACHING_WAREHOUSE", env)
    warehouse = Path(chosen or DEFAULT_WAREHOUSE).expanduser().resolve()
    old = Path(OLD_DEFAULT_WAREHOUSE).resolve()
    if not chosen and not warehouse.exists() and old.exists():
        raise OldDefaultWarehouse(old, warehouse)
    if published_path(warehouse) == warehouse:
        raise ReservedWarehouseName(warehouse)
    return warehouse


def resolve_paths(
    landing: str | None = None,
    warehouse: str | None = None,
    output: str | None = None,
    as_of: str | dt.date | None = None,
) -> RunPaths:
    """Flags win over COACHING_* environment variables, which win over the defaults. Each
    path also resolves on its own (resolve_warehouse, ...): the Dagster resources do that
    when a step uses them, so loading the definitions reads no environment."""
    as_of = resolve_as_of(as_of)
    return RunPaths(landing=resolve_landing(landing), warehouse=resolve_warehouse(warehouse),
                    output=resolve_output(output), as_of=as_of)
