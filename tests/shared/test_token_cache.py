"""Verified tokens are remembered until they expire; the registry is asked again at every use."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.auth import CallerKind, TokenVerifier, issue_token, public_key_pem
from shared.errors import Forbidden, Unauthorized
from shared.registry import OrganisationDirectory
from shared.schemas.registry import OrganisationCreate, OrganisationKind, RegistrySnapshot
from shared.tokencache import JWKS_LIFESPAN_SECONDS, VerifiedTokens
from tests.harness import registry_snapshot

ISSUER = "carrots-dev"


class Clock:
    """One shifted clock for the cache and for PyJWT's own expiry check."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


class Source:
    """A registry whose snapshot the test changes; the directory asks it at every use."""

    def __init__(self, snapshot: RegistrySnapshot) -> None:
        self.snapshot = snapshot

    async def fetch(self, etag: str | None) -> tuple[RegistrySnapshot, str | None]:
        return self.snapshot, None


def _snapshot(*, suspended: tuple[str, ...] = (), issuer: str = ISSUER, version: int = 1) -> RegistrySnapshot:
    organisations = [
        OrganisationCreate(code="DE", kind=OrganisationKind.partner, name="DE", issuer=issuer, currencies=["EUR"]),
        OrganisationCreate(code="AUD1", kind=OrganisationKind.auditor, name="AUD1", mandates=["DE"]),
    ]
    return registry_snapshot(organisations, suspended=suspended, version=version)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    shifted = Clock()

    class ShiftedDatetime(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return datetime.now(tz) + timedelta(seconds=shifted.offset)

    monkeypatch.setattr(jwt.api_jwt, "datetime", ShiftedDatetime)
    return shifted


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _verifier(key: Ed25519PrivateKey, tmp_path: Path, source: Source, clock: Clock) -> TokenVerifier:
    pem = tmp_path / "idp.pem"
    pem.write_bytes(public_key_pem(key))
    directory = OrganisationDirectory(source, refresh_seconds=0.0)
    verifier = TokenVerifier(issuer=ISSUER, audience="carrots", public_key_path=pem, directory=directory)
    verifier._verified = VerifiedTokens(clock=clock)
    return verifier


def _count_decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = jwt.decode

    def counting(token: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(token)
        return real(token, *args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting)
    return calls


async def test_a_token_is_decoded_once_and_then_remembered(
    key: Ed25519PrivateKey, tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    verifier = _verifier(key, tmp_path, Source(_snapshot()), clock)
    token = issue_token(key, org="DE", kind=CallerKind.partner, scopes=["a:read"])
    decodes = _count_decodes(monkeypatch)
    first = await verifier.verify(token)
    assert decodes, "the first use verifies the token"
    decodes.clear()
    again = await verifier.verify(token)
    assert decodes == []
    assert again == first
    assert (again.org, again.kind, again.scopes) == ("DE", CallerKind.partner, frozenset({"a:read"}))


async def test_a_remembered_token_is_refused_once_it_expires(
    key: Ed25519PrivateKey, tmp_path: Path, clock: Clock
) -> None:
    verifier = _verifier(key, tmp_path, Source(_snapshot()), clock)
    token = issue_token(key, org="DE", kind=CallerKind.partner, scopes=["a:read"], ttl_seconds=60)
    operator = issue_token(key, org="OPS", kind=CallerKind.operator, scopes=["ops"], ttl_seconds=60)
    await verifier.verify(token)
    await verifier.verify(operator)
    clock.offset = 59
    assert (await verifier.verify(token)).org == "DE"
    clock.offset = 61
    for expired in (token, operator):
        with pytest.raises(Unauthorized, match="expired"):
            await verifier.verify(expired)


async def test_a_remembered_token_is_refused_once_its_organisation_is_suspended_or_removed(
    key: Ed25519PrivateKey, tmp_path: Path, clock: Clock
) -> None:
    source = Source(_snapshot())
    verifier = _verifier(key, tmp_path, source, clock)
    token = issue_token(key, org="DE", kind=CallerKind.partner, scopes=["a:read"])
    await verifier.verify(token)
    source.snapshot = _snapshot(suspended=("DE",), version=2)
    with pytest.raises(Forbidden, match="suspended"):
        await verifier.verify(token)
    source.snapshot = _snapshot(version=3)
    assert (await verifier.verify(token)).org == "DE"
    source.snapshot = registry_snapshot([], version=4)
    with pytest.raises(Unauthorized, match="not registered"):
        await verifier.verify(token)


async def test_a_remembered_token_is_verified_anew_when_its_organisations_issuer_changes(
    key: Ed25519PrivateKey, tmp_path: Path, clock: Clock
) -> None:
    source = Source(_snapshot())
    verifier = _verifier(key, tmp_path, source, clock)
    token = issue_token(key, org="DE", kind=CallerKind.partner, scopes=["a:read"])
    await verifier.verify(token)
    source.snapshot = _snapshot(issuer="https://new-idp.example/", version=2)
    with pytest.raises(Unauthorized, match="issuer"):
        await verifier.verify(token)


async def test_mandates_come_from_the_registry_at_every_use(
    key: Ed25519PrivateKey, tmp_path: Path, clock: Clock
) -> None:
    source = Source(_snapshot())
    verifier = _verifier(key, tmp_path, source, clock)
    token = issue_token(key, org="AUD1", kind=CallerKind.auditor, scopes=["a:read"])
    assert (await verifier.verify(token)).mandates == frozenset({"DE"})
    narrower = _snapshot(version=2)
    narrower.organisations[1].mandates = ["PL"]
    source.snapshot = narrower
    assert (await verifier.verify(token)).mandates == frozenset({"PL"})


async def test_a_changed_token_is_verified_anew(key: Ed25519PrivateKey, tmp_path: Path, clock: Clock) -> None:
    verifier = _verifier(key, tmp_path, Source(_snapshot()), clock)
    token = issue_token(key, org="DE", kind=CallerKind.partner, scopes=["a:read"])
    await verifier.verify(token)
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    with pytest.raises(Unauthorized):
        await verifier.verify(tampered)
    forged = issue_token(Ed25519PrivateKey.generate(), org="DE", kind=CallerKind.partner, scopes=["a:read"])
    with pytest.raises(Unauthorized):
        await verifier.verify(forged)


def test_an_entry_verified_with_a_fetched_key_set_lasts_no_longer_than_the_key_set() -> None:
    now = [1_000.0]
    cache: VerifiedTokens[str] = VerifiedTokens(clock=lambda: now[0])
    cache.put("jwks", "p", 1_000.0 + 3_600, ("DE", ISSUER, "https://idp.example/jwks"), from_jwks=True)
    cache.put("static", "p", 1_000.0 + 3_600, ("DE", ISSUER, None), from_jwks=False)
    now[0] += JWKS_LIFESPAN_SECONDS
    assert cache.get("jwks") is None
    assert cache.get("static") is not None
    now[0] = 1_000.0 + 3_600
    assert cache.get("static") is None


def test_the_cache_is_bounded() -> None:
    cache: VerifiedTokens[str] = VerifiedTokens(max_entries=8, clock=lambda: 0.0)
    for n in range(50):
        cache.put(f"token-{n}", "p", 100.0, None, from_jwks=False)
        assert len(cache) <= 8
    assert cache.get("token-49") is not None
    assert cache.get("token-0") is None
    cache.put("already-expired", "p", 0.0, None, from_jwks=False)
    assert cache.get("already-expired") is None


def test_entries_are_keyed_by_the_whole_token() -> None:
    cache: VerifiedTokens[str] = VerifiedTokens(clock=lambda: 0.0)
    cache.put("a.b.c", "p", 100.0, None, from_jwks=False)
    assert cache.get("a.b.c") is not None
    assert cache.get("a.b.d") is None
    assert cache.get("a.b.c ") is None
