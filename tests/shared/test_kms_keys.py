"""The KMS backends of the master keys and of the partner key vault, against moto's KMS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from shared.crypto import CiphertextInvalid, FieldCipher, KeyDestroyed, MasterKeyUnknown
from shared.keys import KmsMasterKeys, KmsVault
from tests.harness import Harness
from tests.shared.probe import tables


@pytest.fixture
def kms() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("kms", region_name="eu-central-1")


def new_key(kms: Any) -> str:
    return str(kms.create_key(Description="master")["KeyMetadata"]["Arn"])


async def test_kms_master_keys_wrap_under_the_first_key_and_unwrap_under_any_configured_one(kms: Any) -> None:
    old, new = new_key(kms), new_key(kms)
    before = KmsMasterKeys(kms, [old])
    kid, blob = await before.wrap(b"k" * 32, b"partner-key:DE:1")
    assert kid == old
    rotated = KmsMasterKeys(kms, [new, old])
    assert rotated.current_kid == new
    assert await rotated.unwrap(kid, blob, b"partner-key:DE:1") == b"k" * 32
    with pytest.raises(CiphertextInvalid):
        await rotated.unwrap(kid, blob, b"partner-key:DE:2")
    with pytest.raises(MasterKeyUnknown):
        await KmsMasterKeys(kms, [new]).unwrap(kid, blob, b"partner-key:DE:1")


async def test_a_destroyed_kms_kek_refuses_every_later_use(kms: Any) -> None:
    vault = KmsVault(kms)
    kek_id, blob = await vault.seal("DE", b"d" * 32, b"aad")
    again, _ = await KmsVault(kms).seal("DE", b"e" * 32, b"aad")
    assert again == kek_id  # one KEK per partner, found by its alias
    assert await vault.open("DE", kek_id, blob, b"aad") == b"d" * 32
    assert not await vault.erased("DE")
    assert await vault.destroy("DE")
    assert await vault.erased("DE")
    with pytest.raises(KeyDestroyed):
        await vault.open("DE", kek_id, blob, b"aad")
    with pytest.raises(KeyDestroyed):
        await vault.seal("DE", b"f" * 32, b"aad")
    assert not await vault.destroy("DE")
    entries = {e.partner_id: e for e in await vault.entries()}
    assert entries["DE"].destroyed_at is not None


async def test_field_encryption_runs_on_kms_master_keys_and_a_kms_vault(probe: Harness, kms: Any) -> None:
    vault = KmsVault(kms)
    cipher = FieldCipher(tables, KmsMasterKeys(kms, [new_key(kms)]), vault)
    async with probe.app.state.sessionmaker() as session, session.begin():
        token = await cipher.encrypt(session, "DE", "Иван", field="f", row="r")
    fresh = FieldCipher(tables, KmsMasterKeys(kms, [cipher._masters.current_kid]), vault)
    async with probe.app.state.sessionmaker() as session:
        assert await fresh.decrypt(session, "DE", token, field="f", row="r") == "Иван"
    await vault.destroy("DE")
    erased = FieldCipher(tables, KmsMasterKeys(kms, [cipher._masters.current_kid]), vault)
    async with probe.app.state.sessionmaker() as session:
        with pytest.raises(KeyDestroyed):
            await erased.decrypt(session, "DE", token, field="f", row="r")
