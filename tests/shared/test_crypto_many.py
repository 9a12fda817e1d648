"""Encrypting many values at once gives what encrypting each one gives: bound to partner, field and row."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.crypto import CiphertextInvalid, FieldCipher
from tests.harness import Harness
from tests.shared.test_crypto import make_cipher

ITEMS = [("Иван Петров", "applicants.names", "a1"), ("", "applicants.birth_date", "a1"), ("x" * 5000, "f", "a2")]


async def test_many_values_decrypt_as_each_one_encrypted_alone_and_stay_bound(probe: Harness, tmp_path: Path) -> None:
    cipher: FieldCipher = make_cipher(tmp_path)
    async with probe.app.state.sessionmaker() as session, session.begin():
        tokens = await cipher.encrypt_many(session, "DE", ITEMS)
        single = await cipher.encrypt(session, "DE", "Иван Петров", field="applicants.names", row="a1")
        assert [t.split(".", 3)[:3] for t in tokens] == [single.split(".", 3)[:3]] * len(ITEMS)
        for (plaintext, field, row), token in zip(ITEMS, tokens, strict=True):
            assert await cipher.decrypt(session, "DE", token, field=field, row=row) == plaintext
        with pytest.raises(CiphertextInvalid):
            await cipher.decrypt(session, "DE", tokens[0], field="applicants.names", row="a2")
        with pytest.raises(CiphertextInvalid):
            await cipher.decrypt(session, "PL", tokens[0], field="applicants.names", row="a1")
        # Each value its own nonce, also for equal values.
        same = await cipher.encrypt_many(session, "DE", [ITEMS[0]] * 50)
        assert len({t.split(".", 3)[3][:16] for t in same}) == 50
        assert await cipher.encrypt_many(session, "DE", []) == []
