from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select

from shared.crypto import (
    CiphertextInvalid,
    FieldCipher,
    KeyDestroyed,
    MasterKeyUnknown,
    keyed_hash,
    normalise_identifier,
)
from shared.keys import DirectoryVault, StaticMasterKeys
from tests.harness import Harness
from tests.shared.probe import tables

M1 = {"m1": b"\x01" * 32}
M2 = {"m2": b"\x02" * 32}


def make_cipher(vault_dir: Path, ring: dict[str, bytes] = M1, *, cache_seconds: float = 60.0) -> FieldCipher:
    """A cipher as one replica builds it: master keys, the shared vault, the probe's tables."""
    masters = StaticMasterKeys(ring)
    return FieldCipher(tables, masters, DirectoryVault(vault_dir, masters), cache_seconds=cache_seconds)


async def test_round_trip_and_binding_to_partner_field_and_row(probe: Harness, tmp_path: Path) -> None:
    cipher = make_cipher(tmp_path)
    async with probe.app.state.sessionmaker() as session, session.begin():
        token = await cipher.encrypt(session, "DE", "Иван Петров", field="applicants.names", row="a1")
        assert "Иван" not in token
        assert await cipher.decrypt(session, "DE", token, field="applicants.names", row="a1") == "Иван Петров"
        with pytest.raises(CiphertextInvalid):
            await cipher.decrypt(session, "PL", token, field="applicants.names", row="a1")
        with pytest.raises(CiphertextInvalid):
            await cipher.decrypt(session, "DE", token, field="applicants.birth_date", row="a1")
        tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
        with pytest.raises(CiphertextInvalid):
            await cipher.decrypt(session, "DE", tampered, field="applicants.names", row="a1")


async def test_a_ciphertext_copied_to_another_row_of_the_same_partner_and_column_does_not_decrypt(
    probe: Harness, tmp_path: Path
) -> None:
    cipher = make_cipher(tmp_path)
    async with probe.app.state.sessionmaker() as session, session.begin():
        token = await cipher.encrypt(session, "DE", "Иван Петров", field="applicants.names", row="a1")
        with pytest.raises(CiphertextInvalid):
            await cipher.decrypt(session, "DE", token, field="applicants.names", row="a2")


async def test_rotation_keeps_old_data_readable_and_encrypts_new_data_with_the_new_key(
    probe: Harness, tmp_path: Path
) -> None:
    cipher = make_cipher(tmp_path)
    async with probe.app.state.sessionmaker() as session, session.begin():
        old = await cipher.encrypt(session, "DE", "before", field="f", row="r")
        version = await cipher.rotate_partner_key(session, "DE")
        new = await cipher.encrypt(session, "DE", "after", field="f", row="r")
        assert FieldCipher.key_version_of(old) == version - 1
        assert FieldCipher.key_version_of(new) == version
    fresh = make_cipher(tmp_path)  # another replica, empty cache
    async with probe.app.state.sessionmaker() as session:
        assert await fresh.decrypt(session, "DE", old, field="f", row="r") == "before"
        assert await fresh.decrypt(session, "DE", new, field="f", row="r") == "after"


async def test_master_key_rotation_reads_keys_wrapped_by_the_old_master(probe: Harness, tmp_path: Path) -> None:
    async with probe.app.state.sessionmaker() as session, session.begin():
        token = await make_cipher(tmp_path).encrypt(session, "DE", "secret", field="f", row="r")
    rotated = make_cipher(tmp_path, {**M2, **M1})
    async with probe.app.state.sessionmaker() as session, session.begin():
        assert await rotated.decrypt(session, "DE", token, field="f", row="r") == "secret"
        await rotated.rotate_partner_key(session, "DE")
        newer = await rotated.encrypt(session, "DE", "newer", field="f", row="r")
    without_old_master = make_cipher(tmp_path, M2)
    async with probe.app.state.sessionmaker() as session:
        with pytest.raises(MasterKeyUnknown):
            await without_old_master.decrypt(session, "DE", token, field="f", row="r")
        # The vault's KEK of DE is itself still wrapped by m1: rotate-master re-wraps it too.
        with pytest.raises(MasterKeyUnknown):
            await without_old_master.decrypt(session, "DE", newer, field="f", row="r")


async def test_rewrapping_under_a_new_master_lets_the_old_one_retire(probe: Harness, tmp_path: Path) -> None:
    async with probe.app.state.sessionmaker() as session, session.begin():
        cipher = make_cipher(tmp_path)
        before = [await cipher.encrypt(session, p, f"{p} before", field="f", row="r") for p in ("DE", "PL", "FR")]
    rotating = make_cipher(tmp_path, {**M2, **M1})
    batches = []
    while True:
        async with probe.app.state.sessionmaker() as session, session.begin():
            progress = await rotating.rewrap_batch(session, limit=2)
        batches.append(progress)
        if progress.remaining == 0:
            break
    assert [b.rewrapped for b in batches] == [2, 1]
    masters = StaticMasterKeys({**M2, **M1})
    assert await DirectoryVault(tmp_path, masters).rewrap_entries() == 3
    async with probe.app.state.sessionmaker() as session, session.begin():
        after = await rotating.encrypt(session, "DE", "DE after", field="f", row="r")
    retired = make_cipher(tmp_path, M2)
    async with probe.app.state.sessionmaker() as session:
        kids = set((await session.execute(select(tables.partner_keys.c.master_kid))).scalars())
        assert kids == {"m2"}
        opened = [
            await retired.decrypt(session, p, t, field="f", row="r")
            for p, t in zip(("DE", "PL", "FR"), before, strict=True)
        ]
        assert opened == ["DE before", "PL before", "FR before"]
        assert await retired.decrypt(session, "DE", after, field="f", row="r") == "DE after"


async def test_rewrapping_never_destroys_keys_of_a_master_that_is_missing(probe: Harness, tmp_path: Path) -> None:
    async with probe.app.state.sessionmaker() as session, session.begin():
        token = await make_cipher(tmp_path).encrypt(session, "DE", "kept", field="f", row="r")
    async with probe.app.state.sessionmaker() as session, session.begin():
        with pytest.raises(MasterKeyUnknown):
            await make_cipher(tmp_path, M2).rewrap_batch(session)
    async with probe.app.state.sessionmaker() as session:
        assert await make_cipher(tmp_path).decrypt(session, "DE", token, field="f", row="r") == "kept"


async def test_destroying_a_partners_keys_erases_its_data_only(probe: Harness, tmp_path: Path) -> None:
    cipher = make_cipher(tmp_path)
    async with probe.app.state.sessionmaker() as session, session.begin():
        de = await cipher.encrypt(session, "DE", "de data", field="f", row="r")
        pl = await cipher.encrypt(session, "PL", "pl data", field="f", row="r")
        await cipher.destroy_partner_keys(session, "DE")
    async with probe.app.state.sessionmaker() as session:
        with pytest.raises(KeyDestroyed):
            await make_cipher(tmp_path).decrypt(session, "DE", de, field="f", row="r")
        assert await make_cipher(tmp_path).decrypt(session, "PL", pl, field="f", row="r") == "pl data"
        with pytest.raises(KeyDestroyed):
            await cipher.encrypt(session, "DE", "more", field="f", row="r")


async def test_a_destroyed_kek_erases_data_keys_restored_from_a_backup(probe: Harness, tmp_path: Path) -> None:
    cipher = make_cipher(tmp_path)
    async with probe.app.state.sessionmaker() as session, session.begin():
        token = await cipher.encrypt(session, "DE", "de data", field="f", row="r")
    keys = tables.partner_keys
    async with probe.app.state.sessionmaker() as session:
        backup = [dict(r) for r in (await session.execute(select(keys))).mappings()]

    async def restore_backup() -> None:
        async with probe.app.state.sessionmaker() as session, session.begin():
            await session.execute(delete(keys))
            await session.execute(insert(keys), backup)

    async with probe.app.state.sessionmaker() as session, session.begin():
        await cipher.destroy_partner_keys(session, "DE")
    await restore_backup()
    async with probe.app.state.sessionmaker() as session:
        # Marking the service's keys destroyed alone does not survive a restore...
        assert await make_cipher(tmp_path).decrypt(session, "DE", token, field="f", row="r") == "de data"
    assert await DirectoryVault(tmp_path, StaticMasterKeys(M1)).destroy("DE")
    await restore_backup()
    async with probe.app.state.sessionmaker() as session:
        # ...destroying the partner's KEK in the vault does.
        with pytest.raises(KeyDestroyed):
            await make_cipher(tmp_path).decrypt(session, "DE", token, field="f", row="r")
        with pytest.raises(KeyDestroyed):
            await make_cipher(tmp_path).encrypt(session, "DE", "new data", field="f", row="r2")


def test_keyed_hash_matches_spellings_of_one_document_number() -> None:
    key = b"k" * 32
    assert normalise_identifier(" 75 12-34567 ") == "751234567"
    assert keyed_hash(key, "75 1234567", purpose="doc") == keyed_hash(key, "751234567", purpose="doc")
    assert keyed_hash(key, "751234567", purpose="doc") != keyed_hash(key, "751234568", purpose="doc")
    assert keyed_hash(key, "751234567", purpose="doc") != keyed_hash(b"x" * 32, "751234567", purpose="doc")
    assert "751234567" not in keyed_hash(key, "751234567", purpose="doc")


async def test_a_key_created_in_a_rolled_back_transaction_is_never_used(probe: Harness, tmp_path: Path) -> None:
    cipher = make_cipher(tmp_path)
    async with probe.app.state.sessionmaker() as session:
        await cipher.encrypt(session, "DE", "lost", field="f", row="r")
        await session.rollback()
    other_replica = make_cipher(tmp_path)
    async with probe.app.state.sessionmaker() as session, session.begin():
        await other_replica.encrypt(session, "DE", "kept", field="f", row="r")
    async with probe.app.state.sessionmaker() as session, session.begin():
        token = await cipher.encrypt(session, "DE", "after", field="f", row="r")
    async with probe.app.state.sessionmaker() as session:
        assert await make_cipher(tmp_path).decrypt(session, "DE", token, field="f", row="r") == "after"


async def test_keys_destroyed_by_another_replica_stop_decrypting_once_the_cache_expires(
    probe: Harness, tmp_path: Path
) -> None:
    reader = make_cipher(tmp_path, cache_seconds=0.0)
    async with probe.app.state.sessionmaker() as session, session.begin():
        token = await reader.encrypt(session, "DE", "data", field="f", row="r")
    async with probe.app.state.sessionmaker() as session:
        assert await reader.decrypt(session, "DE", token, field="f", row="r") == "data"
    async with probe.app.state.sessionmaker() as session, session.begin():
        await make_cipher(tmp_path).destroy_partner_keys(session, "DE")
    async with probe.app.state.sessionmaker() as session:
        with pytest.raises(KeyDestroyed):
            await reader.decrypt(session, "DE", token, field="f", row="r")


@pytest.mark.postgres_only
async def test_concurrent_first_encryptions_for_a_new_partner_share_one_key(probe: Harness, tmp_path: Path) -> None:
    import asyncio

    replicas = [make_cipher(tmp_path) for _ in range(8)]

    async def encrypt(cipher: FieldCipher, i: int) -> str:
        async with probe.app.state.sessionmaker() as session, session.begin():
            return await cipher.encrypt(session, "NEW", f"value {i}", field="f", row="r")

    tokens = await asyncio.gather(*(encrypt(c, i) for i, c in enumerate(replicas)))
    assert {FieldCipher.key_version_of(t) for t in tokens} == {1}
    async with probe.app.state.sessionmaker() as session:
        fresh = make_cipher(tmp_path)
        opened = [await fresh.decrypt(session, "NEW", t, field="f", row="r") for t in tokens]
        assert opened == [f"value {i}" for i in range(8)]
