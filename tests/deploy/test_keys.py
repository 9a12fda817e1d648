"""`carrots keys generate`: a deployment's keys, each service's own, in files a container mounts."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from carrots.cli import app
from carrots.registry import SERVICES
from shared.servicekeys import load_private_key, load_public_key, public_pem
from tests.deploy.production import read_env_file

runner = CliRunner()
MOUNT = "/run/secrets/carrots"


def _generate(out: Path) -> None:
    result = runner.invoke(app, ["keys", "generate", str(out), "--kid", "k2026-12", "--database-host", "db:5432"])
    assert result.exit_code == 0, result.output


def _local(path: str, out: Path, service: str) -> Path:
    """Where a path named under the mount lives in the generated folder, for one service's mounts."""
    relative = Path(path).relative_to(MOUNT)
    return out / (service if relative.parts[0] == "own" else "public") / Path(*relative.parts[1:])


def test_each_service_gets_its_own_signing_key_and_trusts_exactly_its_peers_public_halves(tmp_path: Path) -> None:
    out = tmp_path / "secrets"
    _generate(out)
    envs = {name: read_env_file(out / f"{name}.env") for name in SERVICES}
    signing: dict[str, bytes] = {}
    for name, env in envs.items():
        prefix = SERVICES[name].env_prefix
        assert env[prefix + "ENVIRONMENT"] == "production"
        (entry,) = json.loads(env[prefix + "SIGNING_KEYS"])
        kid, _, path = entry.partition(":")
        assert kid == "k2026-12"
        assert path.startswith(f"{MOUNT}/own/")
        private = _local(path, out, name)
        assert stat.S_IMODE(private.stat().st_mode) == 0o600
        signing[name] = public_pem(load_private_key(private))
        password = (out / name / "database.password").read_text()
        assert env[prefix + "DATABASE_URL"] == f"postgresql+psycopg://{name}:{password}@db:5432/{name}"
    assert len(set(signing.values())) == len(SERVICES)
    for name, env in envs.items():
        peers = json.loads(env[SERVICES[name].env_prefix + "PEER_KEYS"])
        assert sorted(peers) == sorted(set(SERVICES) - {name})
        for peer, (entry,) in peers.items():
            path = entry.partition(":")[2]
            assert path.startswith(f"{MOUNT}/public/")
            assert public_pem(load_public_key(str(_local(path, out, name)))) == signing[peer]
    # One master key and one keyed-hash key for the whole deployment.
    assert len({env[SERVICES[n].env_prefix + "MASTER_KEYS"] for n, env in envs.items()}) == 1
    assert len({env[SERVICES[n].env_prefix + "BLIND_INDEX_KEY"] for n, env in envs.items()}) == 1
    assert _local(envs["payments"]["PAYMENTS_CHECKPOINT_KEY_PATH"], out, "payments").exists()
    assert _local(envs["testimony"]["TESTIMONY_SIGNING_KEY_PATH"], out, "testimony").exists()


def test_generate_never_overwrites_a_folder_that_holds_anything(tmp_path: Path) -> None:
    out = tmp_path / "secrets"
    _generate(out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    result = runner.invoke(app, ["keys", "generate", str(out), "--kid", "k2027-01"])
    assert result.exit_code != 0
    assert "not empty" in result.output
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("kid", ["dev-only-1", "a:b", ""])
def test_generate_refuses_a_key_id_that_cannot_name_a_production_key(tmp_path: Path, kid: str) -> None:
    result = runner.invoke(app, ["keys", "generate", str(tmp_path / "out"), "--kid", kid])
    assert result.exit_code == 2
    assert "key id" in result.output
    assert not (tmp_path / "out").exists()
