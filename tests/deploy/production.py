"""A production environment for the deployment tests: generated keys, unique PostgreSQL databases."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg

from carrots.deployment import OWN, PUBLIC, write_deployment_keys
from carrots.registry import SERVICES
from tests.harness import PG_ADMIN_URL, _pg_url, recreate_pg_database

MOUNT = "/run/secrets/carrots"


def read_env_file(path: Path) -> dict[str, str]:
    """The settings of an environment file written by `carrots keys generate`."""
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))
    return {key: value for key, value in pairs}


class ProductionSystem:
    """Keys made as an operator makes them, a database per service, settings from the environment only."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.keys = root / "secrets"
        write_deployment_keys(self.keys, "k-test", MOUNT)
        self.vault = root / "vault"
        self.vault.mkdir()
        self.databases: dict[str, str] = {}

    def database(self, name: str) -> str:
        if name not in self.databases:
            database = f"carrots_deploy_{name}_{os.getpid()}_{id(self) % 100000}"
            recreate_pg_database(database)
            self.databases[name] = database
        return _pg_url(self.databases[name])

    def env(self, name: str, **extra: str) -> dict[str, str]:
        """The whole process environment of one service in production (no development default left to fill)."""
        prefix = SERVICES[name].env_prefix
        env = {k: v for k, v in os.environ.items() if not k.startswith(tuple(e.env_prefix for e in SERVICES.values()))}
        # Mounted as a container mounts them: its own private folder and the public keys, nothing else.
        mount = self.root / "mounts" / name
        if not mount.exists():
            mount.mkdir(parents=True)
            (mount / OWN).symlink_to(self.keys / name)
            (mount / PUBLIC).symlink_to(self.keys / PUBLIC)
        env.update({k: v.replace(MOUNT, str(mount)) for k, v in read_env_file(self.keys / f"{name}.env").items()})
        env.update(
            {
                prefix + "DATABASE_URL": self.database(name),
                prefix + "JWKS_URL": "https://idp.partner.example/.well-known/jwks.json",
                prefix + "KEY_VAULT_DIR": str(self.vault),
            }
        )
        if name == "testimony":
            env.update(
                {
                    prefix + "STORAGE_BACKEND": "s3",
                    prefix + "S3_BUCKET": "carrots-testimony-media",
                    prefix + "S3_ENDPOINT_URL": "http://127.0.0.1:9",
                    prefix + "S3_REGION": "eu-central-1",
                    prefix + "PUBLIC_URL": "https://testimonies.carrots.example",
                }
            )
        env.update({prefix + key: value for key, value in extra.items()})
        return env

    def drop(self) -> None:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            for database in self.databases.values():
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
