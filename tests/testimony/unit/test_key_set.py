"""The published JWK set lists every key that signed, and verification picks the key a document names."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from services.testimony.app import load_retired_keys
from services.testimony.config import TestimonySettings as Settings
from services.testimony.signing.errors import SignatureInvalid
from services.testimony.signing.keys import (
    export_public_jwk,
    export_public_jwk_set,
    export_public_pem,
    generate_signing_key,
    retire_public_key,
)
from services.testimony.signing.verify import select_signing_key, verify_downloaded_item
from tests.testimony.unit.test_offline_verify import publish

EARLY, LATE = datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)


def test_the_set_lists_the_current_key_first_then_retired_keys_newest_first_without_repeats() -> None:
    current, older, oldest = generate_signing_key(), generate_signing_key(), generate_signing_key()
    retired = [
        retire_public_key(oldest.public_key, EARLY),
        retire_public_key(older.public_key, LATE),
        retire_public_key(current.public_key, LATE),
    ]
    keys = export_public_jwk_set(current, retired)["keys"]
    assert isinstance(keys, list)
    assert [k["kid"] for k in keys] == [current.key_id, older.key_id, oldest.key_id]
    assert [k.get("retired_at") for k in keys] == [None, "2026-01-01T00:00:00Z", "2025-01-01T00:00:00Z"]


def test_each_document_verifies_with_the_key_its_header_names() -> None:
    old, new = generate_signing_key(), generate_signing_key()
    key_set = json.dumps(export_public_jwk_set(new, [retire_public_key(old.public_key, LATE)])).encode()
    for signer in (old, new):
        _, document = publish(signer)
        assert verify_downloaded_item(document, key_set).key_id == signer.key_id


def test_a_set_member_filed_under_another_keys_kid_is_not_trusted_for_it() -> None:
    signer, impostor = generate_signing_key(), generate_signing_key()
    forged = {"keys": [{**export_public_jwk(impostor.public_key), "kid": signer.key_id}]}
    jws, _ = publish(signer)
    with pytest.raises(SignatureInvalid, match="do not include"):
        select_signing_key(jws, json.dumps(forged).encode())


def test_a_single_pem_key_other_than_the_signer_is_refused() -> None:
    _, document = publish(generate_signing_key())
    with pytest.raises(SignatureInvalid):
        verify_downloaded_item(document, export_public_pem(generate_signing_key().public_key))


def test_retired_keys_are_read_from_the_environment_as_pem_text(monkeypatch: pytest.MonkeyPatch) -> None:
    old = generate_signing_key()
    entry = {"key": export_public_pem(old.public_key).decode(), "retired_at": "2026-01-01T00:00:00Z"}
    monkeypatch.setenv("TESTIMONY_RETIRED_PUBLIC_KEYS", json.dumps([entry]))
    (retired,) = load_retired_keys(Settings())
    assert (retired.key_id, retired.retired_at) == (old.key_id, LATE)


def test_a_retired_key_without_a_time_zone_is_refused() -> None:
    pem = export_public_pem(generate_signing_key().public_key).decode()
    with pytest.raises(ValueError, match="timezone"):
        Settings.model_validate({"retired_public_keys": [{"key": pem, "retired_at": "2026-01-01T00:00:00"}]})
