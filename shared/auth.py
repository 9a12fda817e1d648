"""Bearer JWT authentication, caller kinds and per-route scopes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from fastapi import Depends, Request
from fastapi.params import Depends as DependsParam

from shared.errors import Forbidden, ProblemError, Unauthorized, may_answer
from shared.orgcodes import likely_code
from shared.registry import Organisation, OrganisationDirectory
from shared.servicekeys import PeerKeys
from shared.tokencache import DEFAULT_MAX_ENTRIES, JWKS_LIFESPAN_SECONDS, Verified, VerifiedTokens
from shared.tokens import CallerKind as CallerKind
from shared.tokens import issue_token as issue_token

ALGORITHMS = ["EdDSA", "RS256", "ES256"]


class IdentityProviderUnavailable(ProblemError):
    status, slug, title = 503, "identity-provider-unavailable", "Identity provider unavailable"


# Kinds an identity provider may vouch for; a service proves itself with its own key instead.
IDENTITY_PROVIDER_KINDS = frozenset({CallerKind.partner, CallerKind.ngo, CallerKind.auditor, CallerKind.operator})
SERVICE_ISSUER_PREFIX = "service:"


@dataclass(frozen=True)
class Principal:
    """Who is calling: an organisation, a kind of caller, a subject and the scopes granted."""

    org: str
    kind: CallerKind
    subject: str
    scopes: frozenset[str] = field(default_factory=frozenset)
    # Partners an auditor is mandated for (empty for other kinds).
    mandates: frozenset[str] = field(default_factory=frozenset)

    def has(self, scope: str) -> bool:
        """Whether the token grants this scope."""
        return scope in self.scopes


class TokenVerifier:
    """Verifies bearer tokens: people's against their identity provider, services' against the service's own key."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        public_key_path: Path | None = None,
        jwks_url: str | None = None,
        service_name: str = "",
        peers: PeerKeys | None = None,
        directory: OrganisationDirectory | None = None,
        verified_tokens: int = DEFAULT_MAX_ENTRIES,
    ) -> None:
        if (public_key_path is None) == (jwks_url is None):
            raise ValueError("configure exactly one of public_key_path or jwks_url")
        self._issuer = issuer
        self._audience = audience
        self._service_name = service_name
        self._peers = peers or PeerKeys()
        self._static_key: Any = None
        self._directory = directory
        self._organisation_jwks: dict[str, jwt.PyJWKClient] = {}
        self._jwks: jwt.PyJWKClient | None = None
        self._verified: VerifiedTokens[Principal] = VerifiedTokens(max_entries=verified_tokens)
        if public_key_path is not None:
            self._static_key = serialization.load_pem_public_key(public_key_path.read_bytes())
        else:
            self._jwks = jwt.PyJWKClient(str(jwks_url), cache_keys=True, lifespan=JWKS_LIFESPAN_SECONDS)

    async def verify(self, token: str) -> Principal:
        """Decode and check a token; raise `Unauthorized` with the reason when it fails.

        An operator's token comes from the platform's identity provider. Any other organisation's token is
        checked against the issuer and keys the registry lists for the organisation it claims; a token of an
        organisation the registry does not list answers 401, of a suspended one 403.
        """
        remembered = self._verified.get(token)
        if remembered is not None:
            principal = await self._still_admitted(token, remembered)
            if principal is not None:
                return principal
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(f"The bearer token is invalid: {exc}.") from exc
        if str(unverified.get("iss", "")).startswith(SERVICE_ISSUER_PREFIX):
            return self._verify_service_token(token, str(unverified["iss"]))
        if unverified.get("kind") == CallerKind.service.value:
            raise Unauthorized(
                "An identity provider cannot vouch for a caller of kind service; "
                "a service authenticates with a token signed by its own key."
            )
        if unverified.get("kind") == CallerKind.operator.value:
            claims = await self._decode(token, self._platform_key, self._issuer)
            principal = principal_from_claims(claims)
            self._verified.put(token, principal, float(claims["exp"]), None, from_jwks=self._jwks is not None)
            return principal
        return await self._verify_organisation_token(token, unverified.get("org"))

    async def _still_admitted(self, token: str, remembered: Verified[Principal]) -> Principal | None:
        """A token verified before, its organisation checked again against the registry; None to verify it anew."""
        if remembered.source is None or self._directory is None:
            return remembered.principal  # an operator's, checked against the platform's key alone
        org, issuer, jwks_url = remembered.source
        organisation = (await self._directory.organisations()).get(org)
        if organisation is None or (organisation.issuer or self._issuer, organisation.jwks_url) != (issuer, jwks_url):
            # Removed from the registry, or its identity provider changed: verified anew (and refused if need be).
            self._verified.forget(token)
            return None
        return _as_registered(remembered.principal, organisation)

    async def _platform_key(self, token: str) -> Any:
        if self._jwks is None:
            return self._static_key
        jwks = self._jwks
        return (await anyio.to_thread.run_sync(jwks.get_signing_key_from_jwt, token)).key

    async def _decode(self, token: str, key_of: Callable[[str], Awaitable[Any]], issuer: str) -> dict[str, Any]:
        try:
            key = await key_of(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                audience=self._audience,
                issuer=issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("The bearer token has expired; obtain a new one.") from exc
        except jwt.PyJWKClientConnectionError as exc:
            raise IdentityProviderUnavailable(
                "The identity provider's key set could not be fetched; retry shortly."
            ) from exc
        except jwt.PyJWKClientError as exc:
            raise Unauthorized(f"The token was not signed by a key the identity provider publishes: {exc}.") from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(f"The bearer token is invalid: {exc}.") from exc
        return claims

    async def _verify_organisation_token(self, token: str, org: object) -> Principal:
        if self._directory is None:
            raise Unauthorized("This service accepts tokens of operators and services only.")
        if not isinstance(org, str) or not org:
            raise Unauthorized("The token has no `org` claim naming the caller's organisation.")
        known = await self._directory.organisations()
        organisation = known.get(org)
        if organisation is None:
            guess = likely_code(org[:64])
            hint = f" (did you mean {guess!r}?)" if guess in known else ""
            raise Unauthorized(f"The token's organisation {org[:64]!r} is not registered{hint}.")

        async def key_of(raw: str) -> Any:
            if organisation.jwks_url is not None:
                client = self._organisation_jwks.get(organisation.jwks_url)
                if client is None:
                    client = jwt.PyJWKClient(organisation.jwks_url, cache_keys=True, lifespan=JWKS_LIFESPAN_SECONDS)
                    self._organisation_jwks[organisation.jwks_url] = client
                return (await anyio.to_thread.run_sync(client.get_signing_key_from_jwt, raw)).key
            if self._static_key is None:
                raise Unauthorized(
                    f"Organisation {org!r} has no identity provider registered; its tokens cannot be checked."
                )
            return self._static_key

        issuer = organisation.issuer or self._issuer
        claims = await self._decode(token, key_of, issuer)
        principal = principal_from_claims(claims)
        checked = _as_registered(principal, organisation)
        # Remembered once the registry admitted it; the registry is asked again at every use.
        source = (org, issuer, organisation.jwks_url)
        self._verified.put(token, principal, float(claims["exp"]), source, from_jwks=organisation.jwks_url is not None)
        return checked

    def _verify_service_token(self, token: str, issuer: str) -> Principal:
        service = issuer.removeprefix(SERVICE_ISSUER_PREFIX)
        try:
            kid = str(jwt.get_unverified_header(token).get("kid", ""))
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(f"The service token is invalid: {exc}.") from exc
        owner, _, key_id = kid.partition("/")
        key = self._peers.of(service).get(key_id) if owner == service else None
        if key is None:
            raise Unauthorized(f"No key {kid!r} of a service named {service[:64]!r} is trusted here.")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=["EdDSA"],
                audience=f"{SERVICE_ISSUER_PREFIX}{self._service_name}",
                issuer=issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("The service token has expired; issue a new one per call.") from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(f"The service token is invalid: {exc}.") from exc
        if claims.get("kind") != CallerKind.service.value or claims.get("org") != service:
            raise Unauthorized("A service token names its own service as `org` and `service` as `kind`.")
        return principal_from_claims(claims)


def _as_registered(principal: Principal, organisation: Organisation) -> Principal:
    """The caller as the registry admits it now: its kind must match, it must be active; mandates narrowed."""
    org = principal.org
    if principal.kind.value != organisation.kind.value:
        raise Unauthorized(
            f"Organisation {org!r} is registered as {organisation.kind.value}; its tokens cannot claim kind "
            f"{principal.kind.value}."
        )
    if not organisation.active:
        raise Forbidden(f"Organisation {org!r} is suspended; its tokens are refused until an operator reactivates it.")
    mandates: frozenset[str] = frozenset()
    if principal.kind in (CallerKind.ngo, CallerKind.auditor):
        # The registry grants mandates; a token may narrow them, never widen them.
        mandates = organisation.mandates & principal.mandates if principal.mandates else organisation.mandates
    return replace(principal, mandates=mandates)


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    """Build a principal from verified claims."""
    try:
        kind = CallerKind(claims.get("kind", ""))
    except ValueError as exc:
        kinds = ", ".join(k.value for k in CallerKind if k is not CallerKind.public)
        raise Unauthorized(f"The token's `kind` claim must be one of {kinds}.") from exc
    org = claims.get("org")
    if not isinstance(org, str) or not org:
        raise Unauthorized("The token has no `org` claim naming the caller's organisation.")
    scope = claims.get("scope", "")
    if not isinstance(scope, str):
        raise Unauthorized("The token's `scope` claim must be a string of space-separated scopes.")
    mandates = claims.get("mandates", [])
    if not isinstance(mandates, list) or not all(isinstance(code, str) and code for code in mandates):
        # A string or number is refused rather than coerced: "DE" must never become {"D", "E"}.
        raise Unauthorized('The token\'s `mandates` claim must be a list of partner codes, e.g. ["DE"].')
    scopes = frozenset(scope.split())
    return Principal(org=org, kind=kind, subject=str(claims["sub"]), scopes=scopes, mandates=frozenset(mandates))


def public_key_pem(private_key: Ed25519PrivateKey) -> bytes:
    """PEM of the public half of a signing key."""
    public: Ed25519PublicKey = private_key.public_key()
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


@may_answer(401, 403, 503)
async def current_principal(request: Request) -> Principal:
    """The authenticated caller of this request."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Send `Authorization: Bearer <token>`; this endpoint requires authentication.")
    verifier: TokenVerifier = request.app.state.verifier
    principal = await verifier.verify(token.strip())
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def _require(scopes: tuple[str, ...], kinds: tuple[CallerKind, ...]) -> DependsParam:
    @may_answer(403)
    async def check(principal: CurrentPrincipal) -> Principal:
        if kinds and principal.kind not in kinds:
            allowed = ", ".join(k.value for k in kinds)
            raise Forbidden(f"This endpoint is for callers of kind {allowed}; the token is of kind {principal.kind}.")
        missing = [s for s in scopes if not principal.has(s)]
        if missing:
            raise Forbidden(f"The token lacks the scope(s) {', '.join(missing)} that this endpoint requires.")
        return principal

    dependency: DependsParam = Depends(check)
    return dependency


DEFAULT_TENANT_RULE = "Partners see only their own records; anything else answers 404."


def requires(*scopes: str, kinds: Sequence[CallerKind] = (), tenant_rule: str = DEFAULT_TENANT_RULE) -> dict[str, Any]:
    """Route keyword arguments that enforce and document the scopes and caller kinds of an endpoint.

    Use as `@router.get(path, **requires("applicants:read", kinds=[CallerKind.partner]))`; pass
    `tenant_rule` where the endpoint deliberately spans tenants, to say which records it reaches.
    """
    kind_tuple = tuple(kinds)
    kinds_text = ", ".join(k.value for k in kind_tuple) or "any authenticated caller"
    return {
        "dependencies": [_require(tuple(scopes), kind_tuple)],
        "openapi_extra": {
            "security": [{"bearer": list(scopes)}],
            "x-required-scopes": list(scopes),
            "x-caller-kinds": [k.value for k in kind_tuple],
            "x-tenant-rule": f"Callers: {kinds_text}. Scopes: {', '.join(scopes) or 'none'}. {tenant_rule}",
        },
    }


def public(reason: str) -> dict[str, Any]:
    """Route keyword arguments for an endpoint open without a token, saying why it may be open."""
    return {"openapi_extra": {"security": [], "x-public": True, "x-tenant-rule": f"Open without a token: {reason}"}}
