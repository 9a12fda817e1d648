"""Operators rotate keys with `carrots keys`: data written before and after stays readable."""

from __future__ import annotations

import base64
import importlib
import json
import os
import re
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import anyio.to_thread
import pytest
from typer.testing import CliRunner, Result

from carrots.cli import app as cli
from carrots.registry import SERVICES
from shared.crypto import FieldCipher, RewrapProgress
from shared.keys import DirectoryVault, StaticMasterKeys
from shared.keys.operations import ServiceKeyStore, rotate_master_key
from shared.schemas.events import APPLICANT_APPROVED
from tests.asylum.api import factories as asylum_api
from tests.conftest import AppStarter
from tests.eligibility.api import helpers as eligibility_api
from tests.flows.conftest import NAMES, System, start_system
from tests.harness import Tokens, serve
from tests.payments.service import helpers as payments_api
from tests.testimony.api import factories as testimony_api

OLD = "old:" + base64.urlsafe_b64encode(os.urandom(32)).decode()
NEW = "new:" + base64.urlsafe_b64encode(os.urandom(32)).decode()


async def write(clients: dict[str, Any], tokens: Tokens, label: str, var_dir: Path) -> dict[str, str]:
    """Personal data of partner DE in every service; returns the path that reads each back."""
    eligibility = await clients["eligibility"].post(
        "/v1/applicants",
        json=eligibility_api.applicant_body(names=[{"script": "latin", "given": label, "family": "Petrov"}]),
        headers=eligibility_api.as_officer(tokens),
    )
    assert eligibility.status_code == 201, eligibility.text
    funding = await clients["payments"].post(
        "/v1/accounts", json={"currency": "EUR", "kind": "funding"}, headers=payments_api.officer(tokens)
    )
    contribution = await clients["payments"].post(
        "/v1/contributions",
        json={"funding_account_id": funding.json()["id"], "amount_minor": 100, "reference": label},
        headers=payments_api.with_key(payments_api.officer(tokens)),
    )
    assert contribution.status_code == 201, contribution.text
    approval = asylum_api.approval_without_case("DE", f"applicant-{label}")
    heard = await asylum_api.deliver_event(clients["asylum"], var_dir, APPLICANT_APPROVED, approval)
    assert heard.status_code == 204, heard.text
    case = await clients["asylum"].post(
        "/v1/cases", json={"applicant_id": f"applicant-{label}"}, headers=asylum_api.officer(tokens)
    )
    assert case.status_code == 201, case.text
    dependant = await clients["asylum"].post(
        f"/v1/cases/{case.json()['id']}/dependants",
        json={"relation": "child", "name": label},
        headers=asylum_api.officer(tokens),
    )
    assert dependant.status_code == 201, dependant.text
    testimony = await clients["testimony"].post(
        "/v1/testimonies",
        json={"applicant_id": "app-1", "language": "en", "text": "text", "family_member_refs": []},
        headers=testimony_api.officer(tokens),
    )
    derivative = await clients["testimony"].post(
        f"/v1/testimonies/{testimony.json()['id']}/derivatives",
        json={"title": label, "redact_terms": [], "media_original_ids": []},
        headers=testimony_api.officer(tokens, subject="redactor"),
    )
    assert derivative.status_code == 201, derivative.text
    return {
        "eligibility": f"/v1/applicants/{eligibility.json()['id']}",
        "payments": f"/v1/transfers/{contribution.json()['transfer_id']}",
        "asylum": f"/v1/cases/{case.json()['id']}/dependants",
        "testimony": f"/v1/testimonies/{testimony.json()['id']}/derivatives/{derivative.json()['id']}",
    }


async def read(clients: dict[str, Any], tokens: Tokens, paths: dict[str, str]) -> dict[str, str]:
    """The personal value each path reads back."""
    headers = {
        "eligibility": eligibility_api.as_officer(tokens),
        "payments": payments_api.officer(tokens),
        "asylum": asylum_api.officer(tokens),
        "testimony": testimony_api.officer(tokens),
    }
    answers = {name: await clients[name].get(path, headers=headers[name]) for name, path in paths.items()}
    assert {name: a.status_code for name, a in answers.items()} == dict.fromkeys(paths, 200), answers
    return {
        "eligibility": answers["eligibility"].json()["names"][0]["given"],
        "payments": answers["payments"].json()["memo"],
        "asylum": answers["asylum"].json()[0]["name"],
        "testimony": answers["testimony"].json()["title"],
    }


async def keys_command(system: System, vault: Path, *args: str, master_keys: list[str] | None = None) -> Result:
    """Run `carrots keys ...` against the system's databases with both master keys (unless told), the new one first."""
    env: dict[str, str | None] = {}
    for name in NAMES:
        prefix = SERVICES[name].env_prefix
        env |= {
            f"{prefix}ENVIRONMENT": "test",
            f"{prefix}DATABASE_URL": system.settings[name].database_url,
            f"{prefix}MASTER_KEYS": json.dumps(master_keys or [NEW, OLD]),
            f"{prefix}KEY_VAULT_DIR": str(vault),
            f"{prefix}VAR_DIR": str(system.settings[name].var_dir),
        }
    return await anyio.to_thread.run_sync(lambda: CliRunner().invoke(cli, ["keys", *args], env=env))


def store_of(system: System, name: str, vault: Path, ring: dict[str, bytes]) -> ServiceKeyStore:
    app = system.apps[name]
    masters = StaticMasterKeys(ring)
    cipher = FieldCipher(app.state.tables, masters, DirectoryVault(vault, masters))
    return ServiceKeyStore(name, app.state.sessionmaker, app.state.tables, cipher)


class Interrupted(Exception):
    """Stands for a rotation job killed after its first batch."""


async def test_master_key_rotation_rewraps_everything_so_the_old_key_retires_and_all_data_stays_readable(
    starter: AppStarter, tokens: Tokens, tmp_path: Path
) -> None:
    vault = tmp_path / "vault"
    async with start_system(starter, master_keys=[OLD], key_vault_dir=vault) as system:
        before = await write(system.clients, tokens, "Before", system.settings["asylum"].var_dir)
        assert await read(system.clients, tokens, before) == {
            "eligibility": "Before",
            "payments": "Before",
            "asylum": "Before",
            "testimony": "Before",
        }
        await eligibility_api.register(system.harness("eligibility"), tokens, "PL")
        both = {kid: base64.urlsafe_b64decode(key + "==") for kid, key in (k.split(":", 1) for k in (NEW, OLD))}

        def stop(progress: RewrapProgress) -> None:
            raise Interrupted

        with pytest.raises(Interrupted):
            await rotate_master_key(store_of(system, "eligibility", vault, both), batch_size=1, on_batch=stop)
        midway = await keys_command(system, vault, "status", "--service", "eligibility")
        assert "data keys per master key: new: 1, old: 1" in midway.output
        rotated = await keys_command(system, vault, "rotate-master", "--batch-size", "1")
        assert rotated.exit_code == 0, rotated.output
        # The rerun resumes: in eligibility only the key the interrupted run left is re-wrapped, one batch at a time.
        assert "eligibility: 1 data key(s) to re-wrap under master key new\neligibility: 1 of 1 done, 0 left" in (
            rotated.output
        )
        for name in NAMES:
            assert f"{name}: every data key is under master key new" in rotated.output
        for name in ("payments", "asylum", "testimony"):
            counted = re.search(rf"{name}: (\d+) data key\(s\) to re-wrap", rotated.output)
            assert counted is not None, rotated.output
            total = int(counted.group(1))
            assert total >= 1, name
            steps = re.findall(rf"{name}: (\d+) of {total} done, (\d+) left", rotated.output)
            assert [(int(d), int(left)) for d, left in steps] == [(n, total - n) for n in range(1, total + 1)]
        again = await keys_command(system, vault, "rotate-master")
        assert again.exit_code == 0, again.output
        assert again.output.count("0 data key(s) to re-wrap under master key new") == len(NAMES)
        status = await keys_command(system, vault, "status")
        assert status.exit_code == 0, status.output
        assert "old" not in status.output
        assert status.output.count("data keys per master key: new: ") == len(NAMES)
        partner = await keys_command(system, vault, "rotate-partner", "DE")
        assert partner.exit_code == 0, partner.output
        for name in NAMES:
            assert f"{name}: partner DE now encrypts with version 2" in partner.output

        # The old key is retired: services now hold only the new one.
        async with AsyncExitStack() as stack:
            clients = {}
            for name in NAMES:
                settings = system.settings[name].model_copy(update={"master_keys": [NEW]})
                module = importlib.import_module(f"services.{name}.app")
                clients[name] = await stack.enter_async_context(serve(module.create_app(settings)))
            after = await write(clients, tokens, "After", system.settings["asylum"].var_dir)
            assert set((await read(clients, tokens, before)).values()) == {"Before"}
            assert set((await read(clients, tokens, after)).values()) == {"After"}
        status = await keys_command(system, vault, "status")
        assert status.output.count("partner DE: 2 version(s), current version 2") == len(NAMES)


async def test_a_rotation_missing_the_old_master_key_stops_and_says_so_without_destroying_anything(
    starter: AppStarter, tokens: Tokens, tmp_path: Path
) -> None:
    vault = tmp_path / "vault"
    async with start_system(starter, master_keys=[OLD], key_vault_dir=vault) as system:
        before = await write(system.clients, tokens, "Before", system.settings["asylum"].var_dir)
        # The old key was dropped from the configuration too early: only the new one is listed.
        rotated = await keys_command(system, vault, "rotate-master", "--service", "eligibility", master_keys=[NEW])
        assert rotated.exit_code == 1
        assert "keep the old key listed after the new one" in rotated.output
        status = await keys_command(system, vault, "status", "--service", "eligibility")
        assert "destroyed data keys: 0" in status.output
        assert set((await read(system.clients, tokens, before)).values()) == {"Before"}
