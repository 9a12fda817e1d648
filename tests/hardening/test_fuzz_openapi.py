"""Schemathesis against every service's OpenAPI, with the tokens of every kind of caller.

For each operation, Schemathesis generates requests from the operation's documented parameters and body;
each is sent, in process, as the caller the operation's rule admits or as any other kind of caller (partner,
another partner, NGO, auditor with and without a mandate, operator, service, no token). Every answer must be
no server error, match the documented schema of its status where one is documented, and carry the documented
content type. Failures are collected over the whole run and listed together.

Bounded for CI: `CARROTS_FUZZ_EXAMPLES` examples per operation (5 by default; 200 or more on demand) and
`CARROTS_FUZZ_SERVICES` to narrow the services.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import schemathesis
from anyio.from_thread import start_blocking_portal
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from shared.auth import CallerKind
from tests.conftest import AppStarter
from tests.harness import Tokens, producer, serve

EXAMPLES = int(os.environ.get("CARROTS_FUZZ_EXAMPLES", "5"))
SERVICES = tuple(
    s for s in os.environ.get("CARROTS_FUZZ_SERVICES", "eligibility,payments,asylum,testimony").split(",") if s
)
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]

Minter = Callable[[list[str], str], dict[str, str]]


def minters(tokens: Tokens, var_dir: Path) -> dict[str, Minter]:
    def person(org: str, kind: CallerKind, mandates: tuple[str, ...] = ()) -> Minter:
        return lambda scopes, _service: {
            "Authorization": f"Bearer {tokens.mint(org, kind, *scopes, mandates=mandates)}"
        }

    def service(scopes: list[str], callee: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {producer(var_dir, 'eligibility').issue_token(callee, scopes or ['none'])}"}

    return {
        "partner": person("DE", CallerKind.partner),
        "other partner": person("PL", CallerKind.partner),
        "ngo": person("NGO1", CallerKind.ngo),
        "auditor": person("AUD1", CallerKind.auditor, ("DE",)),
        "auditor without mandate": person("AUD1", CallerKind.auditor, ("FR",)),
        "operator": person("OPS", CallerKind.operator),
        "service": service,
        "no token": lambda _scopes, _service: {},
    }


def admitted(operation: dict[str, Any]) -> str:
    """The caller the operation's rule admits first."""
    kinds = operation.get("x-caller-kinds") or []
    if operation.get("x-public") or not kinds:
        return "no token" if operation.get("x-public") else "partner"
    return {"ngo": "ngo", "auditor": "auditor", "operator": "operator", "service": "service"}.get(kinds[0], "partner")


def fuzz_operation(
    cases: Any,
    callers: st.SearchStrategy[str],
    label: str,
    check: Callable[..., None],
    who: dict[str, Minter],
    statuses: Counter[int],
    failures: list[str],
) -> None:
    """Run the generated cases of one operation; record every failure and go on."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases, caller=callers)
    def run(case: Any, caller: str) -> None:
        try:
            check(case, caller, who, statuses)
        except Exception as error:
            text = str(error).strip()
            failures.append(f"{label} as {caller}: {text.splitlines()[0] if text else type(error).__name__}")

    run()


def test_every_operation_survives_generated_requests_from_every_kind_of_caller(
    starter: AppStarter, tokens: Tokens, var_dir: Path
) -> None:
    who = minters(tokens, var_dir)
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    operations = 0
    for name in SERVICES:
        app, _ = starter.create(name)
        document = app.openapi()
        schema = schemathesis.openapi.from_dict(document)
        with start_blocking_portal() as portal, portal.wrap_async_context_manager(serve(app)) as client:
            for result in schema.get_all_operations():
                if isinstance(result, Err):
                    failures.append(f"{name}: an operation Schemathesis cannot read: {result.err()}")
                    continue
                operation = result.ok()
                raw = document["paths"][operation.path][operation.method.lower()]
                scopes = list(raw.get("x-required-scopes", []))
                first = admitted(raw)
                callers = st.one_of(st.just(first), st.sampled_from(sorted(who)))
                operations += 1
                label = f"{name} {operation.method.upper()} {operation.path}"

                check = probe(portal, client, name, scopes)
                fuzz_operation(operation.as_strategy(), callers, label, check, who, statuses, failures)
    server_errors = sum(count for status, count in statuses.items() if status >= 500)
    print(
        f"\nfuzzing: {sum(statuses.values())} requests over {operations} operations, "
        f"{server_errors} server errors, statuses {dict(sorted(statuses.items()))}"
    )
    unique = sorted(set(failures))
    assert unique == [], f"{len(unique)} kinds of failure:\n" + "\n".join(unique[:80])


def probe(portal: Any, client: httpx.AsyncClient, service: str, scopes: list[str]) -> Callable[..., None]:
    """Send one generated case as one caller and validate the answer; raise what the checks found."""

    def check(case: Any, caller: str, who: dict[str, Minter], statuses: Counter[int]) -> None:
        kwargs = case.as_transport_kwargs(base_url="http://test")
        headers = {**(kwargs.pop("headers", None) or {}), **who[caller](scopes, service)}
        response = send(portal, client, kwargs, headers)
        if response is None:
            return
        statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS)

    return check


def send(
    portal: Any, client: httpx.AsyncClient, kwargs: dict[str, Any], headers: dict[str, str]
) -> httpx.Response | None:
    """Send one generated request; None when it cannot be encoded as HTTP (a multipart file that is a number)."""
    method = kwargs.pop("method")
    url = kwargs.pop("url")
    try:
        request = build(client, method, url, kwargs, headers)
        request.read()  # a multipart body is a stream; the checks read the request back
    except (TypeError, AttributeError):
        return None
    response: httpx.Response = portal.call(client.send, request)
    return response


def build(
    client: httpx.AsyncClient, method: str, url: str, kwargs: dict[str, Any], headers: dict[str, str]
) -> httpx.Request:
    return client.build_request(
        method,
        url,
        headers=headers,
        params=kwargs.get("params"),
        cookies=kwargs.get("cookies"),
        json=kwargs.get("json"),
        content=kwargs.get("data") if isinstance(kwargs.get("data"), bytes | str) else None,
        data=kwargs.get("data") if isinstance(kwargs.get("data"), dict) else None,
        files=kwargs.get("files"),
    )
