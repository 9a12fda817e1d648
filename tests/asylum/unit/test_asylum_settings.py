"""Argon2 costs: production refuses cheap hashing, test runs default to it."""

from __future__ import annotations

import pytest
from argon2 import profiles
from pydantic import ValidationError

from services.asylum.config import AsylumSettings


def test_production_refuses_cheap_secret_hashing() -> None:
    with pytest.raises(ValidationError, match="secret_hash_memory_kib"):
        AsylumSettings(
            environment="production",
            jwks_url="https://idp.example/jwks",
            database_url="postgresql+psycopg://db/asylum",
            signing_keys=["k2026:/run/secrets/asylum-event-signing.pem"],
            blind_index_key="a-real-key",
            master_keys=["k1:" + "A" * 43],
            key_vault_dir="/srv/carrots-vault",
            secret_hash_memory_kib=1024,
        )


def test_development_hashes_with_the_rfc_9106_profile() -> None:
    parameters = AsylumSettings(environment="development").secret_hash_parameters()
    assert parameters.memory_cost == profiles.RFC_9106_LOW_MEMORY.memory_cost
    assert parameters.time_cost == profiles.RFC_9106_LOW_MEMORY.time_cost


def test_test_runs_hash_cheaply_unless_a_cost_is_set() -> None:
    assert AsylumSettings(environment="test").secret_hash_memory_kib == profiles.CHEAPEST.memory_cost
    assert AsylumSettings(environment="test", secret_hash_time_cost=2).secret_hash_memory_kib == (
        profiles.RFC_9106_LOW_MEMORY.memory_cost
    )
