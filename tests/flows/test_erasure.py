"""Erasure by key destruction: once a partner's KEK is destroyed, its personal data is gone in every
service, also in database backups taken before."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import asynccontextmanager, closing, contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import anyio.from_thread
import anyio.to_thread
import httpx
import pytest
from sqlalchemy import delete, insert, select
from sqlalchemy.engine import make_url
from typer.testing import CliRunner, Result

from carrots.cli import app as cli
from carrots.registry import SERVICES
from shared.auth import CallerKind
from shared.crypto import CiphertextInvalid, FieldCipher, KeyDestroyed
from shared.keys.operations import ServiceKeyStore, erase_partner
from tests.asylum.api import factories as asylum_api
from tests.eligibility.api import helpers as eligibility_api
from tests.flows.conftest import NAMES, System
from tests.flows.journey import approve_deserter, fund_programme, payments_officer
from tests.harness import Tokens, backend
from tests.payments.service import helpers as payments_api
from tests.testimony.api import factories as testimony_api


def stores(system: System) -> list[ServiceKeyStore]:
    return [
        ServiceKeyStore(name, app.state.sessionmaker, app.state.tables, app.state.cipher)
        for name, app in system.apps.items()
    ]


async def write_personal_data(system: System, tokens: Tokens) -> dict[str, str]:
    """Personal data of partner DE in all four services; returns the paths that read it."""
    approved = await approve_deserter(system, tokens)
    funding = await fund_programme(system, tokens, approved.applicant_id)
    contribution = await system.clients["payments"].post(
        "/v1/contributions",
        json={"funding_account_id": funding["id"], "amount_minor": 100, "reference": "from Ivan Petrov's cousin"},
        headers=payments_api.with_key(payments_officer(tokens)),
    )
    assert contribution.status_code == 201, contribution.text
    asylum = system.harness("asylum")
    moved = await asylum_api.move(asylum, tokens, approved.case_id, "lodged")
    assert moved.status_code == 200, moved.text
    added = await asylum.client.post(
        f"/v1/cases/{approved.case_id}/dependants",
        json={"relation": "spouse", "name": "Olga Petrova"},
        headers=asylum_api.officer(tokens),
    )
    assert added.status_code == 201, added.text
    testimony = system.harness("testimony")
    submitted = await testimony_api.submit(testimony, tokens)
    derivative = await testimony_api.redact(testimony, tokens, submitted["id"])
    return {
        "eligibility": f"/v1/applicants/{approved.applicant_id}",
        "eligibility-assessment": f"/v1/assessments/{approved.assessment['id']}",
        "payments": f"/v1/transfers/{contribution.json()['transfer_id']}",
        "asylum": f"/v1/cases/{approved.case_id}/dependants",
        "asylum-history": f"/v1/cases/{approved.case_id}/history",
        "testimony": f"/v1/testimonies/{submitted['id']}/derivatives/{derivative['id']}",
    }


async def read_all(system: System, tokens: Tokens, paths: dict[str, str]) -> dict[str, Any]:
    """Each read's status and body."""
    headers = {
        "eligibility": eligibility_api.as_officer(tokens),
        "payments": payments_officer(tokens),
        "asylum": asylum_api.officer(tokens),
        "testimony": testimony_api.officer(tokens),
    }
    answers: dict[str, Any] = {}
    for label, path in paths.items():
        service = label.split("-")[0]
        response = await system.clients[service].get(path, headers=headers[service])
        answers[label] = (response.status_code, response.json())
    return answers


async def ciphertexts_of(system: System, partner: str) -> list[tuple[str, str]]:
    """(service, value) of every stored ciphertext of a partner, in every table of every service."""
    found: list[tuple[str, str]] = []
    for name, app in system.apps.items():
        metadata = app.state.tables.partner_keys.metadata
        async with app.state.engine.connect() as conn:
            for table in metadata.sorted_tables:
                for column in table.columns:
                    if not str(column.type).upper().startswith(("TEXT", "VARCHAR")):
                        continue
                    rows = await conn.execute(select(column).where(column.like(f"cv2.{partner}.%")))
                    found += [(name, value) for value in rows.scalars()]
    return found


async def backup_partner_keys(system: System) -> dict[str, list[dict[str, Any]]]:
    backup: dict[str, list[dict[str, Any]]] = {}
    for name, app in system.apps.items():
        async with app.state.engine.connect() as conn:
            backup[name] = [dict(r) for r in (await conn.execute(select(app.state.tables.partner_keys))).mappings()]
    return backup


async def restore_partner_keys(system: System, backup: dict[str, list[dict[str, Any]]]) -> None:
    for name, app in system.apps.items():
        keys = app.state.tables.partner_keys
        async with app.state.engine.begin() as conn:
            await conn.execute(delete(keys))
            await conn.execute(insert(keys), backup[name])


async def open_error(system: System, service: str, partner: str, token: str) -> type[Exception]:
    """What decrypting a ciphertext with a fresh replica's cipher raises (the field and row are not known here)."""
    app = system.apps[service]
    fresh = FieldCipher(app.state.tables, app.state.cipher._masters, app.state.key_vault)
    async with app.state.sessionmaker() as session:
        with pytest.raises((KeyDestroyed, CiphertextInvalid)) as raised:
            await fresh.decrypt(session, partner, token, field="?", row="?")
    return raised.type


async def test_an_erased_partner_reads_as_erased_in_every_service_and_in_restored_backups(
    system_with_own_vault: System, tokens: Tokens
) -> None:
    system = system_with_own_vault
    paths = await write_personal_data(system, tokens)
    other = await eligibility_api.register(system.harness("eligibility"), tokens, "PL")
    before = await read_all(system, tokens, paths)
    assert {label: status for label, (status, _) in before.items()} == dict.fromkeys(paths, 200)
    assert before["asylum"][1][-1]["name"] == "Olga Petrova"
    stored = await ciphertexts_of(system, "DE")
    assert {service for service, _ in stored} == set(NAMES)
    backup = await backup_partner_keys(system)
    # With its key available, a ciphertext only fails on the wrong field and row, not as erased.
    assert {await open_error(system, s, "DE", t) for s, t in stored} == {CiphertextInvalid}

    report = await erase_partner(system.apps["eligibility"].state.key_vault, "DE", stores(system))
    assert report.kek_destroyed
    assert all(report.data_keys_destroyed[name] >= 1 for name in NAMES)

    after = await read_all(system, tokens, paths)
    for label in ("eligibility", "eligibility-assessment", "payments", "testimony"):
        status, body = after[label]
        assert (status, body["type"]) == (410, "https://carrots.example/problems/erased"), label
    assert [d["name"] for d in after["asylum"][1]] == [None, None]
    assert [e["reason"] for e in after["asylum-history"][1]["items"]] == [None, None]

    await restore_partner_keys(system, backup)
    assert {await open_error(system, s, "DE", t) for s, t in stored} == {KeyDestroyed}
    restored = await read_all(system, tokens, paths)
    assert restored["eligibility"][0] == 410
    assert restored["testimony"][0] == 410
    still = await system.clients["eligibility"].get(
        f"/v1/applicants/{other['id']}", headers=eligibility_api.as_officer(tokens, "PL")
    )
    assert still.status_code == 200
    assert still.json()["names"] == other["names"]


class ToApp(httpx.BaseTransport):
    """Carries the command line's blocking HTTP calls to an app served in process, as if it listened on a port."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()

        async def forward() -> httpx.Response:
            answer = await self._client.request(
                request.method, request.url.raw_path.decode(), headers=dict(request.headers), content=body
            )
            return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

        return anyio.from_thread.run(forward)


async def erase_command(system: System, *args: str) -> Result:
    """Run `carrots keys erase-partner ...` against the in-process eligibility app."""
    real = httpx.Client
    transport = ToApp(system.clients["eligibility"])

    def client(**kwargs: Any) -> httpx.Client:
        return real(transport=transport, base_url=kwargs["base_url"])

    def run() -> Result:
        with mock.patch("carrots.commands.keys.httpx.Client", client):
            return CliRunner().invoke(cli, ["keys", "erase-partner", *args])

    return await anyio.to_thread.run_sync(run)


async def keys_command(system: System, *args: str) -> Result:
    """Run `carrots keys ...` against the system's databases and vault, with its development master key."""
    env: dict[str, str | None] = {}
    for name, settings in system.settings.items():
        prefix = SERVICES[name].env_prefix
        env |= {
            f"{prefix}ENVIRONMENT": "test",
            f"{prefix}DATABASE_URL": settings.database_url,
            f"{prefix}KEY_VAULT_DIR": str(settings.key_vault_dir),
            f"{prefix}VAR_DIR": str(settings.var_dir),
        }
    return await anyio.to_thread.run_sync(lambda: CliRunner().invoke(cli, ["keys", *args], env=env))


def operator_token(tokens: Tokens, subject: str) -> str:
    return tokens.mint("platform", CallerKind.operator, "keys:erase", subject=subject)


@contextmanager
def a_minute_later() -> Iterator[None]:
    """Every replica's key cache lives at most a minute: step the clock it reads past that."""
    start = time.monotonic()
    with mock.patch("shared.crypto.time.monotonic", return_value=start + 61):
        yield


def copy_database(source: Path, target: Path) -> None:
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


@asynccontextmanager
async def database_backup(system: System) -> Any:
    """A copy of every service's database taken now; `restore()` puts it back in place, as after a disaster."""
    if backend() == "sqlite":
        files = {name: Path(make_url(s.database_url).database or "") for name, s in system.settings.items()}
        copies = {name: path.with_suffix(".backup") for name, path in files.items()}
        for name, path in files.items():
            # SQLite's online backup: a consistent copy of the file, write-ahead log included.
            copy_database(path, copies[name])

        async def restore() -> None:
            for name, path in files.items():
                await system.apps[name].state.engine.dispose()
                copy_database(copies[name], path)

    else:
        # One database per service on a shared server: the rows that hold wrapped keys stand for the dump.
        rows = await backup_partner_keys(system)

        async def restore() -> None:
            await restore_partner_keys(system, rows)

    yield restore


async def test_two_operators_erase_a_partner_from_the_command_line_in_every_service_and_in_a_restored_backup(
    system_with_own_vault: System, tokens: Tokens
) -> None:
    system = system_with_own_vault
    paths = await write_personal_data(system, tokens)
    before = await read_all(system, tokens, paths)
    assert {label: status for label, (status, _) in before.items()} == dict.fromkeys(paths, 200)
    async with database_backup(system) as restore:
        alice, bob = operator_token(tokens, "alice"), operator_token(tokens, "bob")
        mistyped = await erase_command(system, "request", "DE", "--confirm", "de", "--token", alice)
        assert mistyped.exit_code == 1
        asked = await erase_command(system, "request", "DE", "--confirm", "DE", "--token", alice)
        assert asked.exit_code == 0, asked.output
        found = re.search(r"erasure request (\S+) for partner DE: pending_approval", asked.output)
        assert found is not None, asked.output
        request_id = found.group(1)
        assert f"carrots keys erase-partner approve {request_id}" in asked.output
        by_herself = await erase_command(system, "approve", request_id, "--confirm", "DE", "--token", alice)
        assert by_herself.exit_code == 1
        assert "error 403" in by_herself.output
        assert (await read_all(system, tokens, paths))["eligibility"][0] == 200
        approved = await erase_command(system, "approve", request_id, "--confirm", "DE", "--token", bob)
        assert approved.exit_code == 0, approved.output
        assert "requested by alice, approved by bob" in approved.output

        with a_minute_later():
            after = await read_all(system, tokens, paths)
        for label in ("eligibility", "eligibility-assessment", "payments", "testimony"):
            status, body = after[label]
            assert (status, body["type"]) == (410, "https://carrots.example/problems/erased"), label
        assert [d["name"] for d in after["asylum"][1]] == [None, None]
        assert [e["reason"] for e in after["asylum-history"][1]["items"]] == [None, None]

        eligibility = system.apps["eligibility"].state
        audit_log = eligibility.tables.audit_log
        async with eligibility.sessionmaker() as session:
            trail = (
                await session.execute(
                    select(audit_log.c.action, audit_log.c.actor_kind, audit_log.c.actor_subject)
                    .where(audit_log.c.resource_id == request_id)
                    .order_by(audit_log.c.id)
                )
            ).all()
        assert [tuple(row) for row in trail] == [
            ("erasure_request.requested", "operator", "alice"),
            ("erasure_request.approved", "operator", "bob"),
        ]

        # The other services' data keys are useless already; the operator marks them so each answers without the vault.
        status = await keys_command(system, "status")
        for name in ("payments", "asylum", "testimony"):
            assert f"{name} still holds data keys of erased partner(s) DE" in status.output, status.output
        assert "eligibility still holds" not in status.output
        assert (await keys_command(system, "mark-erased", "PL")).exit_code == 1
        marked = await keys_command(system, "mark-erased", "DE")
        assert marked.exit_code == 0, marked.output
        assert "eligibility: 0 data key(s) of partner DE marked destroyed" in marked.output
        for name in ("payments", "asylum", "testimony"):
            assert re.search(rf"{name}: [1-9]\d* data key\(s\) of partner DE marked destroyed", marked.output)
        assert "still holds" not in (await keys_command(system, "status")).output

        # The databases come back from the backup taken before: their wrapped keys unwrap no more.
        await restore()
        keys = eligibility.tables.partner_keys
        async with eligibility.sessionmaker() as session:
            survived = await session.execute(
                select(keys.c.wrapped_key).where(keys.c.partner_id == "DE", keys.c.wrapped_key.is_not(None))
            )
            assert survived.first() is not None, "the backup should hold DE's wrapped data key"
        with a_minute_later():
            restored = await read_all(system, tokens, paths)
        for label in ("eligibility", "eligibility-assessment", "payments", "testimony"):
            assert restored[label][0] == 410, label
        assert [d["name"] for d in restored["asylum"][1]] == [None, None]
