from __future__ import annotations

import time

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.auth import CallerKind, issue_token
from shared.devkeys import ensure_service_key
from shared.servicekeys import PeerKeys, ServiceIdentity, SigningKey, load_signing_keys
from tests.harness import Harness, Tokens, producer


async def test_missing_token_is_401_problem(probe: Harness) -> None:
    r = await probe.client.get("/probe/whoami")
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert "Authorization: Bearer" in r.json()["detail"]


async def test_expired_token_is_refused(probe: Harness, tokens: Tokens) -> None:
    old = tokens.mint("DE", CallerKind.partner, "probe:read", ttl=60, now=time.time() - 3600)
    r = await probe.client.get("/probe/whoami", headers={"Authorization": f"Bearer {old}"})
    assert r.status_code == 401
    assert "expired" in r.json()["detail"]


async def test_token_signed_by_another_key_is_refused(probe: Harness) -> None:
    forged = issue_token(Ed25519PrivateKey.generate(), org="DE", kind=CallerKind.partner, scopes=["probe:read"])
    r = await probe.client.get("/probe/whoami", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401


async def test_unsigned_token_is_refused(probe: Harness) -> None:
    claims = {
        "iss": "carrots-dev",
        "aud": "carrots",
        "sub": "x",
        "org": "DE",
        "kind": "partner",
        "scope": "probe:read",
        "iat": int(time.time()),
        "exp": int(time.time()) + 60,
    }
    unsigned = jwt.encode(claims, key="", algorithm="none")
    r = await probe.client.get("/probe/whoami", headers={"Authorization": f"Bearer {unsigned}"})
    assert r.status_code == 401


async def test_token_without_the_scope_is_403(probe: Harness, tokens: Tokens) -> None:
    r = await probe.client.get("/probe/whoami", headers=tokens.partner("DE", "something:else"))
    assert r.status_code == 403
    assert "probe:read" in r.json()["detail"]


async def test_wrong_caller_kind_is_403(probe: Harness, tokens: Tokens) -> None:
    r = await probe.client.post(
        "/probe/transfers",
        json={"amount_minor": 1},
        headers={**tokens.headers("NGO1", CallerKind.ngo, "probe:write"), "Idempotency-Key": "k"},
    )
    assert r.status_code == 403
    assert "partner" in r.json()["detail"]


async def test_valid_token_identifies_the_caller(probe: Harness, tokens: Tokens) -> None:
    r = await probe.client.get("/probe/whoami", headers=tokens.headers("AUD1", CallerKind.auditor, "probe:read"))
    assert r.status_code == 200
    assert r.json() == {"org": "AUD1", "kind": "auditor"}


async def test_other_tenant_token_cannot_read_a_partners_record(eligibility: Harness, tokens: Tokens) -> None:
    body = {
        "category": "diplomat",
        "names": [{"script": "latin", "given": "Boris", "family": "Bondarev"}],
        "birth_date": "1980-01-01",
        "citizenship": "RU",
    }
    created = await eligibility.client.post(
        "/v1/applicants", json=body, headers=tokens.partner("DE", "applicants:write")
    )
    applicant_id = created.json()["id"]
    listed = await eligibility.client.get("/v1/applicants", headers=tokens.partner("PL", "applicants:read"))
    assert listed.json()["items"] == []
    read = await eligibility.client.get(
        f"/v1/applicants/{applicant_id}", headers=tokens.partner("PL", "applicants:read")
    )
    assert read.status_code == 404
    own = await eligibility.client.get(
        f"/v1/applicants/{applicant_id}", headers=tokens.partner("DE", "applicants:read")
    )
    assert own.status_code == 200


async def test_every_route_declares_scopes_or_is_explicitly_public(starter: object) -> None:
    from tests.conftest import AppStarter

    assert isinstance(starter, AppStarter)
    public = {"/healthz", "/readyz", "/metrics"}
    for name in ("eligibility", "payments", "asylum", "testimony"):
        app, _ = starter.create(name)
        schema = app.openapi()
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                declared = (
                    "x-required-scopes" in operation
                    or operation.get("x-public") is True
                    or operation.get("x-signed-event") is True
                )
                assert declared or path in public or path.startswith("/public") or "/.well-known" in path, (
                    f"{name} {method.upper()} {path} declares no scopes"
                )


async def test_a_service_token_signed_by_the_services_own_key_is_accepted(probe: Harness) -> None:
    token = producer(probe.settings.var_dir, "payments").issue_token("probe", ["probe:read"])
    r = await probe.client.get("/probe/whoami", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    assert r.json() == {"org": "payments", "kind": "service"}


async def test_a_service_token_for_another_audience_is_refused(probe: Harness) -> None:
    token = producer(probe.settings.var_dir, "payments").issue_token("asylum", ["probe:read"])
    r = await probe.client.get("/probe/whoami", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    assert "audience" in r.json()["detail"].lower()


async def test_a_service_token_signed_by_an_unknown_key_is_refused(probe: Harness) -> None:
    impostor = ServiceIdentity("payments", [SigningKey("dev-only-1", Ed25519PrivateKey.generate())], PeerKeys())
    r = await probe.client.get(
        "/probe/whoami", headers={"Authorization": f"Bearer {impostor.issue_token('probe', ['probe:read'])}"}
    )
    assert r.status_code == 401


async def test_a_service_cannot_borrow_another_services_name(probe: Harness) -> None:
    payments_key = load_signing_keys([f"dev-only-1:{ensure_service_key(probe.settings.var_dir, 'payments')}"])
    posing = ServiceIdentity("asylum", payments_key, PeerKeys())
    r = await probe.client.get(
        "/probe/whoami", headers={"Authorization": f"Bearer {posing.issue_token('probe', ['probe:read'])}"}
    )
    assert r.status_code == 401


async def test_the_identity_provider_cannot_vouch_for_a_service(probe: Harness, tokens: Tokens) -> None:
    token = tokens.mint("payments", CallerKind.service, "probe:read")
    r = await probe.client.get("/probe/whoami", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    assert "own key" in r.json()["detail"]


async def test_an_expired_service_token_is_refused(probe: Harness) -> None:
    token = producer(probe.settings.var_dir, "payments").issue_token("probe", ["probe:read"], now=time.time() - 3600)
    r = await probe.client.get("/probe/whoami", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401


def _auditor_token_with_mandates(tokens: Tokens, mandates: object) -> str:
    now = int(time.time())
    claims = {
        "iss": "carrots-dev",
        "aud": "carrots",
        "sub": "auditor:AUD1",
        "org": "AUD1",
        "kind": "auditor",
        "scope": "probe:read",
        "mandates": mandates,
        "iat": now,
        "exp": now + 60,
    }
    return jwt.encode(claims, tokens.key, algorithm="EdDSA")


async def test_a_mandates_claim_that_is_not_a_list_of_codes_is_refused_not_coerced(
    probe: Harness, tokens: Tokens
) -> None:
    for bad in ("DE", 7, ["DE", 7], {"DE": True}, [""]):
        token = _auditor_token_with_mandates(tokens, bad)
        r = await probe.client.get("/probe/whoami", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, bad
        assert "mandates" in r.json()["detail"]
    good = _auditor_token_with_mandates(tokens, ["DE"])
    r = await probe.client.get("/probe/whoami", headers={"Authorization": f"Bearer {good}"})
    assert r.status_code == 200
