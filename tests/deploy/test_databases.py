"""compose/create-databases.sh: each service's own role and database, closed to the others, safe to run twice."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import psycopg
import pytest

from tests.deploy.manifests import DEPLOY
from tests.harness import PG_ADMIN_URL

pytestmark = pytest.mark.postgres_only


def _run(secrets: Path) -> subprocess.CompletedProcess[str]:
    host = PG_ADMIN_URL.split("@", 1)[1].split("/", 1)[0]
    env = os.environ | {
        "SECRETS_DIR": str(secrets),
        "PGHOST": host.split(":")[0],
        "PGPORT": host.split(":")[1] if ":" in host else "5432",
        "PGUSER": PG_ADMIN_URL.split("//", 1)[1].split("@", 1)[0],
    }
    script = DEPLOY / "compose" / "create-databases.sh"
    return subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True, timeout=60, check=False)


def _url(role: str, password: str, database: str) -> str:
    host = PG_ADMIN_URL.split("@", 1)[1].split("/", 1)[0]
    return f"postgresql://{role}:{password}@{host}/{database}"


def test_each_service_gets_a_role_and_database_of_its_own(tmp_path: Path) -> None:
    names = [f"carrots_dbtest_{os.getpid()}_{n}" for n in ("one", "two")]
    passwords = {name: f"pw-{name}-{os.urandom(4).hex()}" for name in names}
    for name, password in passwords.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "database.password").write_text(password)
    try:
        for _ in range(2):
            done = _run(tmp_path)
            assert done.returncode == 0, done.stderr
        one, two = names
        with psycopg.connect(_url(one, passwords[one], one)) as conn:
            conn.execute("CREATE TABLE mine (id int)")
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(_url(one, passwords[one], two)).close()
        # The test server trusts local connections, so the password is checked where it is kept.
        with psycopg.connect(PG_ADMIN_URL) as conn:
            for name, password in passwords.items():
                row = conn.execute(
                    "SELECT rolpassword FROM pg_authid WHERE rolname = %s AND rolcanlogin", (name,)
                ).fetchone()
                assert row is not None
                assert row[0].startswith("SCRAM-SHA-256$")
                assert password not in row[0]
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.execute(f'DROP ROLE IF EXISTS "{name}"')
