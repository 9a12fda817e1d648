"""Production verification path: tokens checked against the identity provider's JWKS over HTTP."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key

from shared.auth import CallerKind, TokenVerifier
from shared.errors import Unauthorized

ISSUER = "https://idp.partner.example/"


@pytest.fixture
def identity_provider() -> Iterator[tuple[str, object]]:
    """A JWKS endpoint on loopback publishing one ES256 key, as a partner's identity provider would."""
    key = generate_private_key(SECP256R1())
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "idp-1", "use": "sig", "alg": "ES256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json", key
    finally:
        server.shutdown()
        server.server_close()


def _token(key: object, kid: str = "idp-1", **claims: object) -> str:
    import time

    now = int(time.time())
    base = {
        "iss": ISSUER,
        "aud": "carrots",
        "sub": "officer-7",
        "org": "DE",
        "kind": "partner",
        "scope": "applicants:read",
        "iat": now,
        "exp": now + 300,
    }
    return jwt.encode({**base, **claims}, key, algorithm="ES256", headers={"kid": kid})  # type: ignore[arg-type]


async def test_a_token_from_the_identity_provider_is_accepted(identity_provider: tuple[str, object]) -> None:
    url, key = identity_provider
    verifier = TokenVerifier(issuer=ISSUER, audience="carrots", jwks_url=url)
    principal = await verifier.verify(_token(key))
    assert (principal.org, principal.kind, principal.subject) == ("DE", CallerKind.partner, "officer-7")
    assert principal.has("applicants:read")


async def test_a_token_signed_by_a_key_the_provider_does_not_publish_is_refused(
    identity_provider: tuple[str, object],
) -> None:
    url, _ = identity_provider
    verifier = TokenVerifier(issuer=ISSUER, audience="carrots", jwks_url=url)
    with pytest.raises(Unauthorized):
        await verifier.verify(_token(generate_private_key(SECP256R1())))
    with pytest.raises(Unauthorized):
        await verifier.verify(_token(generate_private_key(SECP256R1()), kid="unknown"))


async def test_a_token_for_another_audience_or_issuer_is_refused(identity_provider: tuple[str, object]) -> None:
    url, key = identity_provider
    verifier = TokenVerifier(issuer=ISSUER, audience="carrots", jwks_url=url)
    with pytest.raises(Unauthorized):
        await verifier.verify(_token(key, aud="someone-else"))
    with pytest.raises(Unauthorized):
        await verifier.verify(_token(key, iss="https://evil.example/"))


async def test_an_unreachable_identity_provider_is_a_503_not_a_401() -> None:
    from shared.auth import IdentityProviderUnavailable

    verifier = TokenVerifier(issuer=ISSUER, audience="carrots", jwks_url="http://127.0.0.1:1/jwks.json")
    with pytest.raises(IdentityProviderUnavailable):
        await verifier.verify(_token(generate_private_key(SECP256R1())))
