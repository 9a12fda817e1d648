"""Production verification path: each organisation's tokens checked against its own identity provider's JWKS."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, EllipticCurvePrivateKey, generate_private_key

from shared.auth import CallerKind, IdentityProviderUnavailable, TokenVerifier
from shared.errors import Forbidden, Unauthorized
from shared.registry import OrganisationDirectory, RegistryUnavailable
from shared.schemas.registry import OrganisationCreate, OrganisationKind
from tests.harness import registry_snapshot


@dataclass
class IdentityProvider:
    """A JWKS endpoint on loopback publishing one ES256 key, as an organisation's identity provider would."""

    issuer: str
    jwks_url: str
    key: EllipticCurvePrivateKey
    kid: str

    def token(self, *, key: EllipticCurvePrivateKey | None = None, kid: str | None = None, **claims: object) -> str:
        now = int(time.time())
        base = {
            "iss": self.issuer,
            "aud": "carrots",
            "sub": "officer-7",
            "org": "DE",
            "kind": "partner",
            "scope": "applicants:read",
            "iat": now,
            "exp": now + 300,
        }
        return jwt.encode({**base, **claims}, key or self.key, algorithm="ES256", headers={"kid": kid or self.kid})


def _serve_jwks(name: str) -> tuple[ThreadingHTTPServer, IdentityProvider]:
    key = generate_private_key(SECP256R1())
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    kid = f"{name}-1"
    body = json.dumps({"keys": [{**jwk, "kid": kid, "use": "sig", "alg": "ES256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    return server, IdentityProvider(f"https://idp.{name}.example/", url, key, kid)


@pytest.fixture
def providers() -> Iterator[Callable[[str], IdentityProvider]]:
    """Starts identity providers by name, each on its own loopback port, and stops them after the test."""
    servers: list[ThreadingHTTPServer] = []

    def start(name: str) -> IdentityProvider:
        server, provider = _serve_jwks(name)
        servers.append(server)
        return provider

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _directory(
    *entries: tuple[str, OrganisationKind, IdentityProvider], suspended: tuple[str, ...] = ()
) -> OrganisationDirectory:
    organisations = [
        OrganisationCreate(
            code=code,
            kind=kind,
            name=code,
            issuer=idp.issuer,
            jwks_url=idp.jwks_url,
            currencies=["EUR"] if kind is OrganisationKind.partner else [],
            mandates=["DE", "PL"] if kind is OrganisationKind.auditor else [],
        )
        for code, kind, idp in entries
    ]
    return OrganisationDirectory.fixed(registry_snapshot(organisations, suspended=suspended))


def _verifier(directory: OrganisationDirectory | None, platform: IdentityProvider | None = None) -> TokenVerifier:
    if platform is None:
        return TokenVerifier(
            issuer="https://platform.example/", audience="carrots", jwks_url="http://127.0.0.1:1/x", directory=directory
        )
    return TokenVerifier(issuer=platform.issuer, audience="carrots", jwks_url=platform.jwks_url, directory=directory)


async def test_each_partner_is_verified_against_its_own_identity_provider_at_once(
    providers: Callable[[str], IdentityProvider],
) -> None:
    german, polish = providers("de"), providers("pl")
    verifier = _verifier(_directory(("DE", OrganisationKind.partner, german), ("PL", OrganisationKind.partner, polish)))
    de = await verifier.verify(german.token())
    pl = await verifier.verify(polish.token(org="PL", sub="urzednik-3"))
    assert (de.org, de.kind, de.subject) == ("DE", CallerKind.partner, "officer-7")
    assert (pl.org, pl.subject) == ("PL", "urzednik-3")
    assert de.has("applicants:read")


async def test_a_token_signed_by_another_organisations_provider_is_refused(
    providers: Callable[[str], IdentityProvider],
) -> None:
    german, polish = providers("de"), providers("pl")
    verifier = _verifier(_directory(("DE", OrganisationKind.partner, german), ("PL", OrganisationKind.partner, polish)))
    # PL's provider claiming DE: its keys are not the ones DE's provider publishes.
    with pytest.raises(Unauthorized, match="not signed by a key"):
        await verifier.verify(polish.token(org="DE"))
    # PL's key under the id of DE's key: the signature does not verify.
    with pytest.raises(Unauthorized, match="invalid"):
        await verifier.verify(german.token(key=polish.key))
    # DE's key with PL's issuer: the issuer registered for DE is required.
    with pytest.raises(Unauthorized, match="issuer"):
        await verifier.verify(german.token(iss=polish.issuer))


async def test_a_token_for_another_audience_or_issuer_is_refused(providers: Callable[[str], IdentityProvider]) -> None:
    german = providers("de")
    verifier = _verifier(_directory(("DE", OrganisationKind.partner, german)))
    with pytest.raises(Unauthorized):
        await verifier.verify(german.token(aud="someone-else"))
    with pytest.raises(Unauthorized):
        await verifier.verify(german.token(iss="https://evil.example/"))


async def test_an_unregistered_organisation_is_refused_with_401_naming_it(
    providers: Callable[[str], IdentityProvider],
) -> None:
    german = providers("de")
    verifier = _verifier(_directory(("DE", OrganisationKind.partner, german)))
    with pytest.raises(Unauthorized, match="'DEE' is not registered"):
        await verifier.verify(german.token(org="DEE"))
    with pytest.raises(Unauthorized, match="did you mean 'DE'"):
        await verifier.verify(german.token(org="de"))


async def test_a_suspended_organisations_token_is_refused_with_403(
    providers: Callable[[str], IdentityProvider],
) -> None:
    german = providers("de")
    verifier = _verifier(_directory(("DE", OrganisationKind.partner, german), suspended=("DE",)))
    with pytest.raises(Forbidden, match="suspended"):
        await verifier.verify(german.token())


async def test_a_token_cannot_claim_another_kind_than_its_organisation_is_registered_as(
    providers: Callable[[str], IdentityProvider],
) -> None:
    german = providers("de")
    verifier = _verifier(_directory(("DE", OrganisationKind.partner, german)))
    with pytest.raises(Unauthorized, match="registered as partner"):
        await verifier.verify(german.token(kind="auditor"))


async def test_an_auditors_mandates_come_from_the_registry_and_a_token_only_narrows_them(
    providers: Callable[[str], IdentityProvider],
) -> None:
    firm = providers("audit")
    verifier = _verifier(_directory(("AUDIT-FIRM", OrganisationKind.auditor, firm)))
    plain = await verifier.verify(firm.token(org="AUDIT-FIRM", kind="auditor"))
    assert plain.mandates == frozenset({"DE", "PL"})
    narrowed = await verifier.verify(firm.token(org="AUDIT-FIRM", kind="auditor", mandates=["PL", "FR"]))
    assert narrowed.mandates == frozenset({"PL"})


async def test_operators_are_verified_against_the_platforms_identity_provider(
    providers: Callable[[str], IdentityProvider],
) -> None:
    platform, german = providers("platform"), providers("de")
    verifier = _verifier(_directory(("DE", OrganisationKind.partner, german)), platform)
    operator = await verifier.verify(platform.token(org="platform", kind="operator", scope="registry:write"))
    assert (operator.kind, operator.org) == (CallerKind.operator, "platform")
    with pytest.raises(Unauthorized):
        await verifier.verify(german.token(org="platform", kind="operator"))


async def test_an_unreachable_identity_provider_is_a_503_not_a_401() -> None:
    gone = IdentityProvider(
        "https://idp.gone.example/", "http://127.0.0.1:1/jwks.json", generate_private_key(SECP256R1()), "gone-1"
    )
    verifier = _verifier(_directory(("DE", OrganisationKind.partner, gone)))
    with pytest.raises(IdentityProviderUnavailable):
        await verifier.verify(gone.token())


async def test_without_any_registry_snapshot_organisation_tokens_fail_closed_with_503(
    providers: Callable[[str], IdentityProvider],
) -> None:
    class Down:
        async def fetch(self, etag: str | None) -> None:
            raise ValueError("registry down")

    verifier = _verifier(OrganisationDirectory(Down()))
    with pytest.raises(RegistryUnavailable):
        await verifier.verify(providers("de").token())
