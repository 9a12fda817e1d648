"""A partner's view of the contract: Python clients generated from the OpenAPI documents, used for a short journey.

Each service's document is fed to `openapi-python-client` as a partner would; the journey then runs through the
generated, typed functions against the apps in process, and reads every error as a typed `Problem`.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from carrots.registry import SERVICES
from tests.contract import documents_for_check
from tests.eligibility.api.helpers import applicant_body, as_officer
from tests.harness import Harness, Tokens
from tests.payments.service.helpers import TREASURY_IBAN, officer

GENERATOR = Path(sys.executable).parent / "openapi-python-client"


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Generate one client package per service (`<service>_client`) and make them importable."""
    root = tmp_path_factory.mktemp("clients")
    documents = documents_for_check(tmp_path_factory.mktemp("var"))
    packages = {}
    for name in SERVICES:
        spec = root / f"{name}.json"
        spec.write_text(json.dumps(documents[name]))
        config = root / f"{name}.yaml"
        config.write_text(f"package_name_override: {name}_client\npost_hooks: []\n")
        arguments = ["--path", str(spec), "--output-path", str(root / f"{name}_client"), "--config", str(config)]
        generated = subprocess.run(
            [str(GENERATOR), "generate", *arguments, "--meta", "none"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert generated.returncode == 0, generated.stdout + generated.stderr
        packages[name] = f"{name}_client"
    sys.path.insert(0, str(root))
    yield packages
    sys.path.remove(str(root))
    for module in [m for m in sys.modules if m.split(".")[0] in packages.values()]:
        del sys.modules[module]


def _module(package: str, path: str) -> ModuleType:
    return importlib.import_module(f"{package}.{path}")


def _client(package: str, h: Harness, headers: dict[str, str]) -> Any:
    token = headers["Authorization"].removeprefix("Bearer ")
    client = _module(package, "client").AuthenticatedClient(base_url="http://test", token=token)
    client.set_async_httpx_client(
        httpx.AsyncClient(transport=httpx.ASGITransport(app=h.app), base_url="http://test", headers=headers)
    )
    return client


async def test_a_partner_registers_an_applicant_and_reads_problems_through_the_generated_client(
    clients: dict[str, str], eligibility: Harness, tokens: Tokens
) -> None:
    package = clients["eligibility"]
    client = _client(package, eligibility, as_officer(tokens))
    register = _module(package, "api.applicants.register_applicant")
    read = _module(package, "api.applicants.read_applicant")
    models = _module(package, "models")

    created = await register.asyncio_detailed(client=client, body=models.ApplicantCreate.from_dict(applicant_body()))
    assert created.status_code == 201
    assert isinstance(created.parsed, models.ApplicantRead)

    invalid = await register.asyncio_detailed(
        client=client, body=models.ApplicantCreate.from_dict(applicant_body(citizenship="Russia"))
    )
    assert invalid.status_code == 422
    assert isinstance(invalid.parsed, models.Problem)
    assert [p.name for p in invalid.parsed.invalid_params] == ["body.citizenship"]

    missing = await read.asyncio_detailed(str(uuid.uuid4()), client=client)
    assert missing.status_code == 404
    assert isinstance(missing.parsed, models.Problem)
    assert missing.parsed.type_.endswith("/not-found")

    again = await read.asyncio_detailed(created.parsed.id, client=client)
    assert isinstance(again.parsed, models.ApplicantRead)
    assert again.parsed.id == created.parsed.id


async def test_a_retried_contribution_replays_and_a_reused_key_is_a_typed_problem(
    clients: dict[str, str], payments: Harness, tokens: Tokens
) -> None:
    package = clients["payments"]
    client = _client(package, payments, officer(tokens))
    models = _module(package, "models")
    create_account = _module(package, "api.ledger.create_account")
    record = _module(package, "api.ledger.record_contribution")

    account = await create_account.asyncio(
        client=client,
        body=models.AccountCreate.from_dict(
            {"currency": "USD", "kind": "funding", "bank_iban": TREASURY_IBAN, "bank_holder": "Treasury DE"}
        ),
    )
    assert isinstance(account, models.AccountRead)
    body = models.ContributionCreate.from_dict(
        {"funding_account_id": account.id, "amount_minor": 50_000, "reference": "budget"}
    )
    first = await record.asyncio_detailed(client=client, body=body, idempotency_key="budget-2026")
    retried = await record.asyncio_detailed(client=client, body=body, idempotency_key="budget-2026")
    assert first.status_code == retried.status_code == 201
    assert retried.headers["idempotent-replayed"] == "true"
    assert isinstance(retried.parsed, models.ContributionRead)
    assert retried.parsed.to_dict() == first.parsed.to_dict()

    other = models.ContributionCreate.from_dict(
        {"funding_account_id": account.id, "amount_minor": 60_000, "reference": "budget"}
    )
    reused = await record.asyncio_detailed(client=client, body=other, idempotency_key="budget-2026")
    assert reused.status_code == 422
    assert isinstance(reused.parsed, models.Problem)
    assert "different request" in reused.parsed.detail


@pytest.mark.parametrize(
    ("service", "module", "scopes"),
    [
        ("asylum", "api.cases.read_case", ("cases:read",)),
        ("testimony", "api.testimonies.read_testimony", ("testimonies:read",)),
    ],
)
async def test_an_unknown_record_is_a_typed_not_found_problem(
    clients: dict[str, str], starter: Any, tokens: Tokens, service: str, module: str, scopes: tuple[str, ...]
) -> None:
    from tests.harness import serve

    app, settings = starter.create(service)
    async with serve(app) as plain:
        h = Harness(service, app, plain, settings, settings.database_url)
        client = _client(clients[service], h, tokens.partner("DE", *scopes))
        answer = await _module(clients[service], module).asyncio_detailed(str(uuid.uuid4()), client=client)
    assert answer.status_code == 404
    assert isinstance(answer.parsed, _module(clients[service], "models").Problem)
    assert answer.parsed.status == 404
