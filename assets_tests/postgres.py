"""A throwaway PostgreSQL cluster for the tests (initdb + pg_ctl on a free port of 127.0.0.1):
the Dagster instance storage of the ops tests (test_ops_runs.py, test_ops_runs_killed.py) and
the workbench's decisions store (assets_tests/workbench/test_store_postgres.py)."""

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg2

PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    """A throwaway PostgreSQL cluster: initdb in a temp dir, pg_ctl start on a free port of
    127.0.0.1, password authentication (md5: Dagster opens a connection per storage call in
    a run, and SCRAM's key derivation per connection doubled a run's time here). postgres
    refuses to run as root: as root the server runs as the `postgres` system user (which
    Debian's package creates)."""

    user, password, db = "dagster", "s3cret pass", "dagster_ops"

    def __init__(self):
        if PG_BIN is None:
            raise RuntimeError("PostgreSQL is not installed (make test installs Debian's package)")
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="coaching-pg-"))
        self.data = self.root / "data"
        self.run_as = None
        if os.geteuid() == 0:
            self.run_as = "postgres"
            pw = pwd.getpwnam(self.run_as)
            os.chown(self.root, pw.pw_uid, pw.pw_gid)

    def _cmd(self, *args: str) -> list[str]:
        cmd = [str(PG_BIN / args[0]), *args[1:]]
        return ["runuser", "-u", self.run_as, "--", *cmd] if self.run_as else cmd

    def start(self) -> "Postgres":
        pwfile = self.root / "pw"
        pwfile.write_text(self.password + "\n")
        if self.run_as:
            pw = pwd.getpwnam(self.run_as)
            os.chown(pwfile, pw.pw_uid, pw.pw_gid)
        subprocess.run(self._cmd("initdb", "-D", str(self.data), "-U", self.user, "--pwfile", str(pwfile),
                                 "--auth=md5", "-E", "UTF8", "--no-sync"),
                       check=True, capture_output=True, timeout=120)
        subprocess.run(self._cmd("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w",
                                 "-t", "60", "-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
                                 " -c fsync=off", "start"),
                       check=True, capture_output=True, timeout=120)
        with contextlib.closing(self.connect("postgres")) as con:
            con.autocommit = True
            con.cursor().execute(f"create database {self.db}")
        return self

    def connect(self, db: str | None = None):
        return psycopg2.connect(host="127.0.0.1", port=self.port, user=self.user, password=self.password,
                                dbname=db or self.db)

    def stop(self) -> None:
        subprocess.run(self._cmd("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop"),
                       capture_output=True, timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def env(self) -> dict[str, str]:
        return {"DAGSTER_PG_HOST": "127.0.0.1", "DAGSTER_PG_PORT": str(self.port),
                "DAGSTER_PG_USERNAME": self.user, "DAGSTER_PG_PASSWORD": self.password,
                "DAGSTER_PG_DB": self.db}

    def url(self, db: str | None = None) -> str:
        """The SQLAlchemy URL of a database of this cluster (the password quoted)."""
        from urllib.parse import quote

        return (f"postgresql+psycopg2://{self.user}:{quote(self.password)}@127.0.0.1:{self.port}/"
                f"{db or self.db}")

    def create_database(self, name: str) -> str:
        with contextlib.closing(self.connect("postgres")) as con:
            con.autocommit = True
            con.cursor().execute(f"create database {name}")
        return self.url(name)
