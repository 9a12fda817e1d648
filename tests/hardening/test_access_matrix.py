"""The access matrix: every operation of every service against every kind of caller, generated from the routes.

Each operation's rule is what it declares in its OpenAPI (`x-caller-kinds`, `x-required-scopes`, `x-public`,
`x-signed-event`); an operation that declares none fails the matrix. For every operation the matrix sends a
request as each principal and checks the outcome the rule implies:

- no token, an expired, a forged or a wrong-audience token: 401 on every protected operation;
- a caller of a kind the operation does not take, or without its scopes: 403;
- a caller the rule admits: neither 401 nor 403 (the record does not exist, so 404 or 422 is expected);
- an auditor reaches a partner's audit views only under a mandate for that partner;
- signed event endpoints refuse every bearer token (401): only a producer's signature is accepted;
- nothing answers 5xx.

The same callers on real records of one partner, where the owner succeeds and no one else learns they exist,
are `test_access_real_records.py`'s.

`CARROTS_ACCESS_MATRIX_SERVICES` narrows the services (comma-separated) when debugging one.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.auth import CallerKind, issue_token
from tests.conftest import AppStarter
from tests.harness import Tokens, producer, serve

SERVICES = tuple(
    s for s in os.environ.get("CARROTS_ACCESS_MATRIX_SERVICES", "eligibility,payments,asylum,testimony").split(",") if s
)
OPEN_PATHS = {"/healthz", "/readyz", "/metrics"}
MISSING_ID = "01900000-0000-7000-8000-000000000000"
PATH_VALUES = {"partner_id": "DE", "source": "ofac", "version": "1", "name": "x.jpg", "reference": "ref-x"}


@dataclass(frozen=True)
class Principal:
    """A kind of caller and how to mint its Authorization header for one operation."""

    name: str
    headers: Callable[[list[str], str], dict[str, str]]
    kind: str | None  # the caller kind the token claims, or None when the token must be refused outright


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def principals(tokens: Tokens, var_dir: Path) -> list[Principal]:
    def person(org: str, kind: CallerKind, mandates: tuple[str, ...] = (), scoped: bool = True) -> Principal:
        label = f"{kind.value}:{org}" + (f" mandated for {','.join(mandates)}" if mandates else "")
        label += "" if scoped else " without scopes"

        def headers(scopes: list[str], _service: str) -> dict[str, str]:
            granted = scopes if scoped else ["nothing:granted"]
            return _bearer(tokens.mint(org, kind, *granted, mandates=mandates))

        return Principal(label, headers, kind.value)

    def service_token(scopes: list[str], service: str) -> dict[str, str]:
        return _bearer(producer(var_dir, "eligibility").issue_token(service, scopes or ["none"]))

    def expired(scopes: list[str], _service: str) -> dict[str, str]:
        return _bearer(tokens.mint("DE", CallerKind.partner, *scopes, ttl=60, now=time.time() - 3600))

    def forged(scopes: list[str], _service: str) -> dict[str, str]:
        key = Ed25519PrivateKey.generate()
        return _bearer(issue_token(key, org="DE", kind=CallerKind.partner, scopes=scopes))

    def wrong_audience(scopes: list[str], _service: str) -> dict[str, str]:
        return _bearer(issue_token(tokens.key, org="DE", kind=CallerKind.partner, scopes=scopes, audience="elsewhere"))

    def unsigned(scopes: list[str], _service: str) -> dict[str, str]:
        now = int(time.time())
        claims: dict[str, object] = {"iss": "carrots-dev", "aud": "carrots", "sub": "x", "org": "DE", "kind": "partner"}
        claims |= {"scope": " ".join(scopes), "iat": now, "exp": now + 60}
        return _bearer(jwt.encode(claims, key="", algorithm="none"))

    return [
        person("DE", CallerKind.partner),
        person("PL", CallerKind.partner),
        person("DE", CallerKind.partner, scoped=False),
        person("NGO1", CallerKind.ngo),
        person("NGO1", CallerKind.ngo, scoped=False),
        person("AUD1", CallerKind.auditor, mandates=("DE",)),
        person("AUD1", CallerKind.auditor, mandates=("FR",)),
        person("OPS", CallerKind.operator),
        Principal("service:eligibility", service_token, CallerKind.service.value),
        Principal("public (no token)", lambda _s, _v: {}, None),
        Principal("expired", expired, None),
        Principal("forged", forged, None),
        Principal("wrong audience", wrong_audience, None),
        Principal("unsigned", unsigned, None),
    ]


def _path(template: str) -> str:
    path = template
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        name = path[start + 1 : end]
        path = path[:start] + PATH_VALUES.get(name, MISSING_ID) + path[end + 1 :]
    return path


def expected(operation: dict[str, Any], principal: Principal, template: str) -> set[int] | str:
    """The statuses the operation's declared rule allows for this principal, or a description of them."""
    if operation.get("x-signed-event"):
        return {401}
    if operation.get("x-public") or template in OPEN_PATHS:
        return "not 401/403"
    if principal.kind is None:
        return {401}
    kinds = operation.get("x-caller-kinds") or []
    if kinds and principal.kind not in kinds:
        return {403}
    if "without scopes" in principal.name and operation.get("x-required-scopes"):
        return {403}
    if principal.kind == "auditor" and "{partner_id}" in template and "mandated for FR" in principal.name:
        return {403, 404}
    return "not 401/403"


async def test_every_operation_answers_every_principal_as_its_rule_says(
    starter: AppStarter, tokens: Tokens, var_dir: Path
) -> None:
    cast = principals(tokens, var_dir)
    undeclared: list[str] = []
    wrong: list[str] = []
    cells = 0
    outcomes: Counter[int] = Counter()
    for service in SERVICES:
        app, _ = starter.create(service)
        document = app.openapi()
        async with serve(app) as client:
            for template, operations in document["paths"].items():
                for method, operation in operations.items():
                    declared = (
                        "x-caller-kinds" in operation
                        or operation.get("x-public")
                        or operation.get("x-signed-event")
                        or template in OPEN_PATHS
                    )
                    if not declared:
                        undeclared.append(f"{service} {method.upper()} {template}")
                        continue
                    scopes = list(operation.get("x-required-scopes", []))
                    for principal in cast:
                        headers = {**principal.headers(scopes, service), "Idempotency-Key": "matrix-key"}
                        response = await client.request(method, _path(template), headers=headers, json={})
                        cells += 1
                        outcomes[response.status_code] += 1
                        rule = expected(operation, principal, template)
                        status = response.status_code
                        ok = status < 500 and (status not in {401, 403} if isinstance(rule, str) else status in rule)
                        if not ok:
                            wrong.append(f"{service} {method.upper()} {template} as {principal.name}: {status}, {rule}")
    print(f"\naccess matrix: {cells} cells ({len(cast)} principals), outcomes {dict(sorted(outcomes.items()))}")
    assert undeclared == [], "operations without an access rule:\n" + "\n".join(undeclared)
    assert wrong == [], f"{len(wrong)} cells off their rule:\n" + "\n".join(wrong[:60])
