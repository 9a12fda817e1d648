"""Standard Webhooks signing for partners: a symmetric secret per subscription, `v1,<base64 HMAC-SHA256>`.

A partner verifies a delivery with any Standard Webhooks library and its secret. The secret proves nothing to
any service: services accept events only with the producer's Ed25519 signature (`shared.webhooks`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time
from collections.abc import Sequence

from shared.webhooks import ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signed_content

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format prefix, not a secret
SECRET_BYTES = 32
SYMMETRIC_VERSION = "v1"


def new_secret() -> str:
    """A fresh subscription secret: `whsec_` and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(os.urandom(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key a `whsec_` secret stands for."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign_webhook(secrets: Sequence[str], body: bytes, *, message_id: str, now: float | None = None) -> dict[str, str]:
    """Headers of one partner delivery, signed by every given secret (two while a rotation overlaps)."""
    timestamp = str(int(now if now is not None else time.time()))
    content = signed_content(message_id, timestamp, body)
    signatures = [
        base64.b64encode(hmac.new(secret_key(secret), content, hashlib.sha256).digest()).decode() for secret in secrets
    ]
    return {
        "content-type": "application/json",
        ID_HEADER: message_id,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: " ".join(f"{SYMMETRIC_VERSION},{s}" for s in signatures),
    }
