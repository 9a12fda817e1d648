"""`carrots migrate` in production: settings from the environment only, and nothing written beside the process."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.deploy.production import ProductionSystem

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def system(tmp_path: Path) -> Iterator[ProductionSystem]:
    s = ProductionSystem(tmp_path)
    yield s
    s.drop()


def _carrots(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "carrots.cli", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_migrate_in_production_creates_no_var_folder(system: ProductionSystem, tmp_path: Path) -> None:
    workdir = tmp_path / "readonly-cwd"
    workdir.mkdir()
    workdir.chmod(0o555)
    done = _carrots("migrate", "payments", env=system.env("payments"), cwd=workdir)
    assert done.returncode == 0, done.stderr
    assert "payments: migrated to head" in done.stdout
    assert list(workdir.iterdir()) == []
    url = system.database("payments").replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    assert row is not None


def test_migrate_in_production_refuses_a_var_dir_from_the_command_line(
    system: ProductionSystem, tmp_path: Path
) -> None:
    done = _carrots("migrate", "payments", "--var-dir", str(tmp_path / "var"), env=system.env("payments"), cwd=tmp_path)
    assert done.returncode != 0
    assert "environment only" in done.stderr
    assert not (tmp_path / "var").exists()


def test_migrate_in_production_refuses_development_settings(system: ProductionSystem, tmp_path: Path) -> None:
    env = system.env("payments")
    del env["PAYMENTS_MASTER_KEYS"]
    done = _carrots("migrate", "payments", env=env, cwd=tmp_path)
    assert done.returncode != 0
    assert "master_keys" in done.stderr
    assert not (tmp_path / "var").exists()
