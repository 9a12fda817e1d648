"""The keys of a production deployment, made once by its operator and mounted into the containers.

Layout of the folder (every service mounts only its own private folder and the public one):

    <service>/signing-<kid>.pem     the service's Ed25519 key: signs its events and its calls to peers
    <service>/database.password     its PostgreSQL role's password (also inside DATABASE_URL)
    payments/checkpoint.pem         signs ledger checkpoints; auditors verify exports with its public half
    testimony/programme.pem         signs consent receipts and publication manifests
    public/<service>-<kid>.pub.pem  what every peer trusts
    <service>.env                   that service's settings: keys by path, master key, keyed-hash key, database
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path, PurePosixPath

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from carrots.registry import SERVICES

# Where a container finds its own keys and its peers' public keys, under the mount point.
OWN, PUBLIC = "own", "public"
# Extra settings of a service that name a key file of its own.
OWN_KEY_FILES = {
    "payments": ("CHECKPOINT_KEY_PATH", "checkpoint.pem"),
    "testimony": ("SIGNING_KEY_PATH", "programme.pem"),
}


def _private_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write(path: Path, data: bytes, mode: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as file:
        file.write(data)
    return path


def write_deployment_keys(out: Path, kid: str, mount: str, database_host: str = "postgres:5432") -> list[Path]:
    """Write every key of a deployment under `out`, and a `<service>.env` per service that names them under `mount`."""
    if not kid or not kid.replace("-", "").replace("_", "").isalnum() or "dev" in kid:
        raise ValueError("a key id is a short name of letters, digits, '-' and '_' (and never a development one)")
    root = PurePosixPath(mount)
    written: list[Path] = []
    master = f"{kid}:{base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip('=')}"
    blind_index = secrets.token_urlsafe(32)
    for name in SERVICES:
        key = Ed25519PrivateKey.generate()
        written.append(_write(out / name / f"signing-{kid}.pem", _private_pem(key), 0o600))
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        written.append(_write(out / PUBLIC / f"{name}-{kid}.pub.pem", public, 0o644))
    peers = {name: [f"{kid}:{root / PUBLIC / f'{name}-{kid}.pub.pem'}"] for name in SERVICES}
    for entry in SERVICES.values():
        password = secrets.token_urlsafe(24)
        written.append(_write(out / entry.name / "database.password", password.encode(), 0o600))
        settings = {
            "ENVIRONMENT": "production",
            "DATABASE_URL": f"postgresql+psycopg://{entry.name}:{password}@{database_host}/{entry.name}",
            "MASTER_KEYS": json.dumps([master]),
            "BLIND_INDEX_KEY": blind_index,
            "SIGNING_KEYS": json.dumps([f"{kid}:{root / OWN / f'signing-{kid}.pem'}"]),
            "PEER_KEYS": json.dumps({peer: keys for peer, keys in peers.items() if peer != entry.name}),
        }
        if entry.name in OWN_KEY_FILES:
            setting, filename = OWN_KEY_FILES[entry.name]
            written.append(_write(out / entry.name / filename, _private_pem(Ed25519PrivateKey.generate()), 0o600))
            settings[setting] = str(root / OWN / filename)
        text = "".join(f"{entry.env_prefix}{key}={value}\n" for key, value in settings.items())
        written.append(_write(out / f"{entry.name}.env", text.encode(), 0o600))
    return written
