from __future__ import annotations

import pytest

from shared.crypto import CiphertextInvalid, FieldCipher, KeyDestroyed, keyed_hash, normalise_identifier
from tests.harness import Harness
from tests.shared.probe import tables

MASTER = {"m1": b"\x01" * 32}


async def test_round_trip_and_binding_to_partner_and_field(probe: Harness) -> None:
    cipher = FieldCipher(tables, MASTER)
    async with probe.app.state.sessionmaker() as session, session.begin():
        token = await cipher.encrypt(session, "DE", "Иван Петров", field="applicants.names")
        assert "Иван" not in token
        assert await cipher.decrypt(session, "DE", token, field="applicants.names") == "Иван Петров"
        with pytest.raises(CiphertextInvalid):
            await cipher.decrypt(session, "PL", token, field="applicants.names")
        with pytest.raises(CiphertextInvalid):
            await cipher.decrypt(session, "DE", token, field="applicants.birth_date")
        tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
        with pytest.raises(CiphertextInvalid):
            await cipher.decrypt(session, "DE", tampered, field="applicants.names")


async def test_rotation_keeps_old_data_readable_and_encrypts_new_data_with_the_new_key(probe: Harness) -> None:
    cipher = FieldCipher(tables, MASTER)
    async with probe.app.state.sessionmaker() as session, session.begin():
        old = await cipher.encrypt(session, "DE", "before", field="f")
        version = await cipher.rotate_partner_key(session, "DE")
        new = await cipher.encrypt(session, "DE", "after", field="f")
        assert FieldCipher.key_version_of(old) == version - 1
        assert FieldCipher.key_version_of(new) == version
    fresh = FieldCipher(tables, MASTER)  # another replica, empty cache
    async with probe.app.state.sessionmaker() as session:
        assert await fresh.decrypt(session, "DE", old, field="f") == "before"
        assert await fresh.decrypt(session, "DE", new, field="f") == "after"


async def test_master_key_rotation_reads_keys_wrapped_by_the_old_master(probe: Harness) -> None:
    async with probe.app.state.sessionmaker() as session, session.begin():
        token = await FieldCipher(tables, MASTER).encrypt(session, "DE", "secret", field="f")
    rotated = FieldCipher(tables, {"m2": b"\x02" * 32, **MASTER})
    async with probe.app.state.sessionmaker() as session, session.begin():
        assert await rotated.decrypt(session, "DE", token, field="f") == "secret"
        await rotated.rotate_partner_key(session, "DE")
        newer = await rotated.encrypt(session, "DE", "newer", field="f")
    without_old_master = FieldCipher(tables, {"m2": b"\x02" * 32})
    async with probe.app.state.sessionmaker() as session:
        assert await without_old_master.decrypt(session, "DE", newer, field="f") == "newer"
        with pytest.raises(KeyDestroyed):
            await without_old_master.decrypt(session, "DE", token, field="f")


async def test_destroying_a_partners_keys_erases_its_data_only(probe: Harness) -> None:
    cipher = FieldCipher(tables, MASTER)
    async with probe.app.state.sessionmaker() as session, session.begin():
        de = await cipher.encrypt(session, "DE", "de data", field="f")
        pl = await cipher.encrypt(session, "PL", "pl data", field="f")
        await cipher.destroy_partner_keys(session, "DE")
    async with probe.app.state.sessionmaker() as session:
        with pytest.raises(KeyDestroyed):
            await FieldCipher(tables, MASTER).decrypt(session, "DE", de, field="f")
        assert await FieldCipher(tables, MASTER).decrypt(session, "PL", pl, field="f") == "pl data"
        with pytest.raises(KeyDestroyed):
            await cipher.encrypt(session, "DE", "more", field="f")


def test_keyed_hash_matches_spellings_of_one_document_number() -> None:
    key = b"k" * 32
    assert normalise_identifier(" 75 12-34567 ") == "751234567"
    assert keyed_hash(key, "75 1234567", purpose="doc") == keyed_hash(key, "751234567", purpose="doc")
    assert keyed_hash(key, "751234567", purpose="doc") != keyed_hash(key, "751234568", purpose="doc")
    assert keyed_hash(key, "751234567", purpose="doc") != keyed_hash(b"x" * 32, "751234567", purpose="doc")
    assert "751234567" not in keyed_hash(key, "751234567", purpose="doc")


async def test_a_key_created_in_a_rolled_back_transaction_is_never_used(probe: Harness) -> None:
    cipher = FieldCipher(tables, MASTER)
    async with probe.app.state.sessionmaker() as session:
        await cipher.encrypt(session, "DE", "lost", field="f")
        await session.rollback()
    other_replica = FieldCipher(tables, MASTER)
    async with probe.app.state.sessionmaker() as session, session.begin():
        await other_replica.encrypt(session, "DE", "kept", field="f")
    async with probe.app.state.sessionmaker() as session, session.begin():
        token = await cipher.encrypt(session, "DE", "after", field="f")
    async with probe.app.state.sessionmaker() as session:
        assert await FieldCipher(tables, MASTER).decrypt(session, "DE", token, field="f") == "after"


async def test_keys_destroyed_by_another_replica_stop_decrypting_once_the_cache_expires(probe: Harness) -> None:
    reader = FieldCipher(tables, MASTER, cache_seconds=0.0)
    async with probe.app.state.sessionmaker() as session, session.begin():
        token = await reader.encrypt(session, "DE", "data", field="f")
    async with probe.app.state.sessionmaker() as session:
        assert await reader.decrypt(session, "DE", token, field="f") == "data"
    async with probe.app.state.sessionmaker() as session, session.begin():
        await FieldCipher(tables, MASTER).destroy_partner_keys(session, "DE")
    async with probe.app.state.sessionmaker() as session:
        with pytest.raises(KeyDestroyed):
            await reader.decrypt(session, "DE", token, field="f")


@pytest.mark.postgres_only
async def test_concurrent_first_encryptions_for_a_new_partner_share_one_key(probe: Harness) -> None:
    import asyncio

    replicas = [FieldCipher(tables, MASTER) for _ in range(8)]

    async def encrypt(cipher: FieldCipher, i: int) -> str:
        async with probe.app.state.sessionmaker() as session, session.begin():
            return await cipher.encrypt(session, "NEW", f"value {i}", field="f")

    tokens = await asyncio.gather(*(encrypt(c, i) for i, c in enumerate(replicas)))
    assert {FieldCipher.key_version_of(t) for t in tokens} == {1}
    async with probe.app.state.sessionmaker() as session:
        fresh = FieldCipher(tables, MASTER)
        assert [await fresh.decrypt(session, "NEW", t, field="f") for t in tokens] == [f"value {i}" for i in range(8)]
