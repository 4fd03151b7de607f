"""Writes the Dagster instance's configuration, $DAGSTER_HOME/dagster.yaml, from the
repository's templates. dagster.yaml cannot branch on the environment, so this small step
does it before Dagster starts (every Makefile target that runs Dagster calls it):

- DAGSTER_PG_HOST not set: the file is the repository's dagster.yaml (SQLite storage in
  DAGSTER_HOME, the local default);
- DAGSTER_PG_HOST set: dagster.yaml plus the `storage: postgres` block of
  dagster.postgres.yaml. The block names environment variables (`env: DAGSTER_PG_...`),
  which Dagster reads when it starts: no password is written to disk. DAGSTER_PG_USERNAME
  and DAGSTER_PG_DB are required; DAGSTER_PG_PORT defaults to 5432 and
  DAGSTER_PG_PASSWORD to none.

    python -m coaching_pipeline.instance            # write $DAGSTER_HOME/dagster.yaml
    python -m coaching_pipeline.instance --print    # show what would be written
"""

import argparse
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

import yaml

from .config import REPO_ROOT

BASE_TEMPLATE = REPO_ROOT / "dagster.yaml"
POSTGRES_TEMPLATE = REPO_ROOT / "dagster.postgres.yaml"

REQUIRED_PG = ("DAGSTER_PG_HOST", "DAGSTER_PG_USERNAME", "DAGSTER_PG_DB")
# Optional settings and the value written when their variable is not set (None: left out).
OPTIONAL_PG = {"DAGSTER_PG_PORT": 5432, "DAGSTER_PG_PASSWORD": None}


class InstanceConfigError(ValueError):
    pass


def uses_postgres(env: Mapping[str, str] = os.environ) -> bool:
    return bool(env.get("DAGSTER_PG_HOST"))


def instance_config(env: Mapping[str, str] = os.environ) -> dict:
    """The instance configuration for this environment, as a dict."""
    config = yaml.safe_load(BASE_TEMPLATE.read_text()) or {}
    if not uses_postgres(env):
        return config
    missing = [name for name in REQUIRED_PG if not env.get(name)]
    if missing:
        raise InstanceConfigError(
            f"DAGSTER_PG_HOST is set, so Dagster uses PostgreSQL, but {', '.join(missing)} "
            "is not set (see dagster.postgres.yaml)"
        )
    storage = yaml.safe_load(POSTGRES_TEMPLATE.read_text())["storage"]
    db = storage["postgres"]["postgres_db"]
    for field, value in list(db.items()):
        variable = value.get("env") if isinstance(value, dict) else None
        if variable in OPTIONAL_PG and not env.get(variable):
            if OPTIONAL_PG[variable] is None:
                del db[field]
            else:
                db[field] = OPTIONAL_PG[variable]
    return {**config, "storage": storage}


def render(env: Mapping[str, str] = os.environ) -> str:
    source = "dagster.yaml + dagster.postgres.yaml" if uses_postgres(env) else "dagster.yaml"
    header = (
        f"# Written by `python -m coaching_pipeline.instance` from the repository's {source}\n"
        "# (PostgreSQL when DAGSTER_PG_HOST is set, else SQLite in DAGSTER_HOME).\n"
        "# Edit the templates, not this file: `make setup` writes it again.\n"
    )
    return header + yaml.safe_dump(instance_config(env), sort_keys=False)


def write_instance_config(home: str | os.PathLike, env: Mapping[str, str] = os.environ) -> Path:
    """Write `home`/dagster.yaml. Written to a temp file and renamed over the old one, so a
    symlink left there (older setups linked the template) is replaced, never followed."""
    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    text = render(env)
    fd, temp = tempfile.mkstemp(dir=home, prefix=".dagster.yaml.")
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(temp, 0o644)
    os.replace(temp, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coaching_pipeline.instance", description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", default=os.environ.get("DAGSTER_HOME"), help="default: $DAGSTER_HOME")
    parser.add_argument("--print", action="store_true", help="print the configuration instead of writing it")
    args = parser.parse_args(argv)
    try:
        if args.print:
            sys.stdout.write(render())
            return 0
        if not args.home:
            parser.error("DAGSTER_HOME is not set (or pass --home)")
        target = write_instance_config(args.home)
    except InstanceConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    storage = "PostgreSQL on " + os.environ["DAGSTER_PG_HOST"] if uses_postgres() else f"SQLite in {args.home}"
    print(f"Dagster instance: {target} ({storage})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
