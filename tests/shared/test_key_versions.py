"""A partner's current key version is reused across transactions for a bounded time; erasure and rotation end it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from shared.crypto import VERSION_SECONDS, FieldCipher, KeyDestroyed
from shared.keys import DirectoryVault, StaticMasterKeys
from tests.harness import Harness
from tests.shared.probe import tables
from tests.statements import counting_statements

M1 = {"m1": b"\x01" * 32}


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def _cipher(vault_dir: Path, clock: Clock) -> FieldCipher:
    masters = StaticMasterKeys(M1)
    return FieldCipher(tables, masters, DirectoryVault(vault_dir, masters), clock=clock)


async def _encrypt(probe: Harness, cipher: FieldCipher) -> tuple[str, int]:
    """Encrypt in a transaction of its own; the token and how many times `partner_keys` was read for its version."""
    with counting_statements(probe.app.state.engine) as log:
        async with probe.app.state.sessionmaker() as session, session.begin():
            token = await cipher.encrypt(session, "DE", "data", field="f", row="r")
    return token, log.kinds().count("SELECT partner_keys")


async def test_the_version_is_read_once_per_interval_not_once_per_transaction(probe: Harness, tmp_path: Path) -> None:
    clock = Clock()
    cipher = _cipher(tmp_path, clock)
    await _encrypt(probe, cipher)  # creates the partner's first key
    clock.now += VERSION_SECONDS  # the creating transaction's version is not remembered: read, then remembered
    assert (await _encrypt(probe, cipher))[1] == 1
    clock.now += VERSION_SECONDS / 2
    assert (await _encrypt(probe, cipher))[1] == 0
    clock.now += VERSION_SECONDS / 2
    assert (await _encrypt(probe, cipher))[1] == 1


async def _destroy(session: AsyncSession, cipher: FieldCipher) -> None:
    await cipher.destroy_partner_keys(session, "DE")


async def test_an_erasure_in_this_process_refuses_the_next_write_at_once(probe: Harness, tmp_path: Path) -> None:
    clock = Clock()
    cipher = _cipher(tmp_path, clock)
    await _encrypt(probe, cipher)
    clock.now += VERSION_SECONDS
    await _encrypt(probe, cipher)  # remembered now
    async with probe.app.state.sessionmaker() as session, session.begin():
        await _destroy(session, cipher)
    with pytest.raises(KeyDestroyed):
        await _encrypt(probe, cipher)


async def test_an_erasure_through_another_replica_refuses_writes_here_within_the_interval(
    probe: Harness, tmp_path: Path
) -> None:
    clock = Clock()
    cipher = _cipher(tmp_path, clock)
    await _encrypt(probe, cipher)
    clock.now += VERSION_SECONDS
    await _encrypt(probe, cipher)  # remembered now
    async with probe.app.state.sessionmaker() as session, session.begin():
        await _destroy(session, _cipher(tmp_path, Clock()))
    clock.now += VERSION_SECONDS
    with pytest.raises(KeyDestroyed):
        await _encrypt(probe, cipher)


async def test_a_rotation_in_this_process_is_used_at_once(probe: Harness, tmp_path: Path) -> None:
    clock = Clock()
    cipher = _cipher(tmp_path, clock)
    await _encrypt(probe, cipher)
    clock.now += VERSION_SECONDS
    await _encrypt(probe, cipher)  # version 1 remembered
    async with probe.app.state.sessionmaker() as session, session.begin():
        assert await cipher.rotate_partner_key(session, "DE") == 2
    token, _ = await _encrypt(probe, cipher)
    assert FieldCipher.key_version_of(token) == 2
