"""Development keys under `var/`, created on first use so a fresh checkout runs without setup."""

from __future__ import annotations

import base64
import os
import secrets
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import SecretStr

from shared.config import DEV_MARKER, Environment, ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


def _read_or_create(path: Path, make: bytes) -> bytes:
    # Several services start at once on one var/: the first to link its file wins, the others read it.
    if path.exists():
        return path.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    draft.write_bytes(make)
    draft.chmod(0o600)
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return path.read_bytes()


def dev_signing_key_path(var_dir: Path) -> Path:
    """Where the development token-signing key lives."""
    return var_dir / "keys" / "dev-jwt-ed25519.pem"


def ensure_dev_signing_key(var_dir: Path) -> Ed25519PrivateKey:
    """Load or create the Ed25519 key that signs development tokens."""
    pem = _read_or_create(dev_signing_key_path(var_dir), _new_private_pem())
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise TypeError("development signing key is not Ed25519")
    return key


def ensure_dev_public_key(var_dir: Path) -> Path:
    """Write the public half of the development signing key and return its path."""
    path = var_dir / "keys" / "dev-jwt-ed25519.pub.pem"
    public = ensure_dev_signing_key(var_dir).public_key()
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    if not path.exists() or path.read_bytes() != pem:
        # Replaced atomically: another service starting at the same moment may be reading it.
        draft = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        draft.write_bytes(pem)
        os.replace(draft, path)
    return path


DEV_SERVICE_KID = f"{DEV_MARKER}-1"


def _service_keys_dir(var_dir: Path) -> Path:
    return var_dir / "keys" / "services"


def _new_private_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def ensure_service_key(var_dir: Path, service: str) -> Path:
    """Load or create a service's development event-signing key and its public half; returns the private path."""
    folder = _service_keys_dir(var_dir) / service
    private_path = folder / f"{DEV_SERVICE_KID}.pem"
    pem = _read_or_create(private_path, _new_private_pem())
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise TypeError(f"development key of {service} is not Ed25519")
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    _read_or_create(folder / f"{DEV_SERVICE_KID}.pub.pem", public)
    return private_path


def ensure_service_keys(var_dir: Path, services: Iterable[str]) -> None:
    """Create every service's development key before any of them starts, so each knows all its peers."""
    for service in services:
        ensure_service_key(var_dir, service)


def dev_peer_keys(var_dir: Path) -> dict[str, list[str]]:
    """The public development keys of every service under `var/keys/services/`, as `peer_keys` settings."""
    peers: dict[str, list[str]] = {}
    for path in sorted(_service_keys_dir(var_dir).glob("*/*.pub.pem")):
        peers.setdefault(path.parent.name, []).append(f"{path.name.removesuffix('.pub.pem')}:{path}")
    return peers


def _dev_secret(var_dir: Path, name: str) -> str:
    raw = _read_or_create(
        var_dir / "keys" / name,
        f"{DEV_MARKER}-{secrets.token_urlsafe(32)}".encode(),
    )
    return raw.decode()


def _dev_master_files(var_dir: Path) -> list[tuple[int, Path]]:
    # `master-dev.key` is generation 1; each development rotation adds `master-dev-<n>.key`.
    found = [(1, var_dir / "keys" / "master-dev.key")]
    for path in (var_dir / "keys").glob("master-dev-*.key"):
        number = path.stem.removeprefix("master-dev-")
        if number.isdigit():
            found.append((int(number), path))
    return sorted(found, reverse=True)


def dev_master_keys(var_dir: Path) -> list[str]:
    """The development master keys under `var/keys/`, newest (current) first; creates the first one.

    A retired key is one whose file was removed (after `carrots keys status` shows nothing under it).
    """
    if not any(path.exists() for _, path in _dev_master_files(var_dir)):
        _read_or_create(var_dir / "keys" / "master-dev.key", secrets.token_bytes(32))
    return [
        f"{DEV_MARKER}-{number}:" + base64.urlsafe_b64encode(path.read_bytes()).decode()
        for number, path in _dev_master_files(var_dir)
        if path.exists()
    ]


def create_dev_master_key(var_dir: Path) -> str:
    """Add a development master key that becomes current for services started afterwards; returns its id."""
    dev_master_keys(var_dir)
    number = _dev_master_files(var_dir)[0][0] + 1
    _read_or_create(var_dir / "keys" / f"master-dev-{number}.key", secrets.token_bytes(32))
    return f"{DEV_MARKER}-{number}"


def with_dev_defaults(settings: S) -> S:
    """Fill unset secrets from `var/keys/`; production settings are returned untouched."""
    if settings.environment is Environment.production:
        return settings
    var_dir = settings.var_dir
    updates: dict[str, object] = {}
    if not settings.jwks_url and settings.jwt_dev_public_key_path is None:
        updates["jwt_dev_public_key_path"] = ensure_dev_public_key(var_dir)
    if not settings.master_keys and not settings.kms_master_key_ids:
        updates["master_keys"] = dev_master_keys(var_dir)
    if settings.key_vault == "directory" and settings.key_vault_dir is None:
        updates["key_vault_dir"] = var_dir / "keys" / "vault"
    if settings.blind_index_key is None:
        updates["blind_index_key"] = SecretStr(_dev_secret(var_dir, "blind-index.key"))
    if not settings.signing_keys:
        updates["signing_keys"] = [f"{DEV_SERVICE_KID}:{ensure_service_key(var_dir, settings.service_name)}"]
    if not settings.peer_keys:
        updates["peer_keys"] = dev_peer_keys(var_dir)
    if not settings.database_url:
        updates["database_url"] = f"sqlite+aiosqlite:///{var_dir / (settings.service_name + '.db')}"
    return settings.model_copy(update=updates)
