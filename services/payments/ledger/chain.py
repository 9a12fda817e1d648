"""How ledger entries become hash-chain records, and the key that signs chain checkpoints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from services.payments.config import PaymentsSettings
from services.payments.domain.tamper.checkpoints import export_public_key_pem, key_id_of


def iso_utc(moment: datetime) -> str:
    """Render a timestamp one way only (UTC, microseconds), as the chain hashes it; a naive one is refused."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment.isoformat()} cannot be chained: its zone is unknown")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def entry_body(
    *,
    entry_id: str,
    partner_id: str,
    transfer_id: str,
    transfer_kind: str,
    account_id: str,
    currency: str,
    amount_minor: int,
    created_at: datetime,
) -> dict[str, Any]:
    """The content of an entry that its hash covers (everything but the chain fields)."""
    return rendered_entry_body(
        entry_id=entry_id,
        partner_id=partner_id,
        transfer_id=transfer_id,
        transfer_kind=transfer_kind,
        account_id=account_id,
        currency=currency,
        amount_minor=amount_minor,
        created_at=iso_utc(created_at),
    )


def rendered_entry_body(
    *,
    entry_id: str,
    partner_id: str,
    transfer_id: str,
    transfer_kind: str,
    account_id: str,
    currency: str,
    amount_minor: int,
    created_at: str,
) -> dict[str, Any]:
    """`entry_body` with the timestamp already rendered by `iso_utc` (a batch renders its one moment once)."""
    return {
        "id": entry_id,
        "partner_id": partner_id,
        "transfer_id": transfer_id,
        "transfer_kind": transfer_kind,
        "account_id": account_id,
        "currency": currency,
        "amount_minor": amount_minor,
        "created_at": created_at,
    }


@dataclass(frozen=True)
class CheckpointSigner:
    """The private key that signs checkpoints, with its public half and id."""

    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The key auditors verify with."""
        return self.private_key.public_key()

    @property
    def key_id(self) -> str:
        """A short id of the public key, stored on every checkpoint."""
        return key_id_of(self.public_key)

    def public_key_pem(self) -> str:
        """The public key as PEM text."""
        return export_public_key_pem(self.public_key)


def load_checkpoint_signer(settings: PaymentsSettings) -> CheckpointSigner:
    """Load the configured checkpoint key, creating a development key under `var/keys/` if none is set."""
    path = settings.checkpoint_key_path or settings.var_dir / "keys" / "payments-checkpoint-ed25519.pem"
    if not path.exists():
        if settings.checkpoint_key_path is not None:
            raise FileNotFoundError(f"checkpoint key {path} does not exist")
        _write_new_key(path)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise TypeError("the checkpoint key must be an Ed25519 private key")
    return CheckpointSigner(key)


def _write_new_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.write_bytes(pem)
    path.chmod(0o600)
