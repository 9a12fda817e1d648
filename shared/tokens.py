"""Kinds of callers and development tokens: light enough for the command line to import without the web stack."""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


class CallerKind(StrEnum):
    partner = "partner"
    ngo = "ngo"
    auditor = "auditor"
    operator = "operator"
    service = "service"
    public = "public"


def issue_token(
    private_key: Ed25519PrivateKey,
    *,
    org: str,
    kind: CallerKind,
    scopes: Sequence[str],
    subject: str | None = None,
    issuer: str = "carrots-dev",
    audience: str = "carrots",
    ttl_seconds: int = 3600,
    mandates: Sequence[str] = (),
    now: float | None = None,
) -> str:
    """Sign a token with the development key (for trying the API and for tests)."""
    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": subject or f"{kind.value}:{org}",
        "org": org,
        "kind": kind.value,
        "scope": " ".join(scopes),
        "iat": issued,
        "exp": issued + ttl_seconds,
        "jti": str(uuid.uuid4()),
    }
    if mandates:
        claims["mandates"] = list(mandates)
    return jwt.encode(claims, private_key, algorithm="EdDSA")
