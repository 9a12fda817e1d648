"""Compact JWS signed with EdDSA (Ed25519), each kind of document named by its `typ` header."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.testimony.signing.errors import SignatureInvalid
from services.testimony.signing.keys import SigningKey

ALGORITHM = "EdDSA"
CONSENT_RECEIPT_TYPE = "consent-receipt+jwt"
TAKEDOWN_RECEIPT_TYPE = "takedown-receipt+jwt"
MANIFEST_TYPE = "publication-manifest+jwt"


def sign_document(key: SigningKey, claims: Mapping[str, Any], document_type: str) -> str:
    """Sign `claims` as a compact JWS of the given type with the programme key."""
    return jwt.encode(
        dict(claims),
        key.private_key,
        algorithm=ALGORITHM,
        headers={"kid": key.key_id, "typ": document_type},
    )


def read_document_header(token: str) -> dict[str, Any]:
    """Read a JWS header without trusting it, to learn its key id and type."""
    try:
        return dict(jwt.get_unverified_header(token))
    except jwt.PyJWTError as error:
        raise SignatureInvalid("the document is not a compact JWS") from error


def verify_document(token: str, public_key: Ed25519PublicKey, document_type: str) -> dict[str, Any]:
    """Check the signature and type of a JWS and return its claims.

    `iat` is a record of when, not a freshness check: a receipt stays valid evidence for years.
    """
    header = read_document_header(token)
    if header.get("typ") != document_type:
        raise SignatureInvalid(f"the document is not a {document_type}")
    try:
        claims = jwt.decode(
            token,
            public_key,
            algorithms=[ALGORITHM],
            options={
                "require": ["iss", "iat", "jti"],
                "verify_aud": False,
                "verify_iat": False,
            },
        )
    except jwt.PyJWTError as error:
        raise SignatureInvalid("the signature does not match the programme key") from error
    return dict(claims)
