"""Asylum settings (environment prefix `ASYLUM_`)."""

from __future__ import annotations

from argon2 import Parameters, profiles
from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from services.asylum.cases.credentials import available_cores
from shared.config import Environment, ServiceSettings

_PRODUCTION = profiles.RFC_9106_LOW_MEMORY
# OWASP's floor for Argon2id; anything cheaper makes stolen hashes easy to crack.
MIN_PRODUCTION_MEMORY_KIB = 19 * 1024


class AsylumSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ASYLUM_", env_nested_delimiter="__", extra="ignore")

    service_name: str = "asylum"

    # Argon2id cost of applicant secrets (RFC 9106 low-memory profile by default).
    secret_hash_time_cost: int = Field(default=_PRODUCTION.time_cost, ge=1)
    secret_hash_memory_kib: int = Field(default=_PRODUCTION.memory_cost, ge=8)
    secret_hash_parallelism: int = Field(default=_PRODUCTION.parallelism, ge=1)
    # Hashing jobs run at once per replica (unset: one per core this process may use); each holds
    # `secret_hash_memory_kib` of memory. More than one per core only adds memory and latency.
    secret_hash_concurrency: int | None = Field(default=None, ge=1)
    # Hashing jobs that may wait for a slot (unset: four per slot, at least 8); beyond them a lookup answers 503
    # at once. A waiting job holds no Argon2 memory; the limit only keeps a lookup from waiting for long.
    secret_hash_queue: int | None = Field(default=None, ge=0)

    # Status lookup throttling: failures are counted in a window.  A reference is locked out after its limit;
    # a client address never is (many applicants may share it): past its free failures, each failing answer
    # waits twice as long as the one before, up to the cap, and a right secret is answered at once.
    lookup_window_seconds: int = Field(default=900, ge=1)
    lookup_max_failures_per_reference: int = Field(default=5, ge=1)
    lookup_lockout_seconds: int = Field(default=3600, ge=1)
    lookup_free_failures_per_client: int = Field(default=10, ge=0)
    lookup_failure_delay_seconds: float = Field(default=1.0, ge=0)
    lookup_max_failure_delay_seconds: float = Field(default=30.0, ge=0)

    # Statistics withhold any non-zero figure over fewer cases than this, so nobody can be singled out.
    stats_min_cell: int = Field(default=5, ge=1)

    @model_validator(mode="after")
    def _cheap_hashing_in_tests(self) -> AsylumSettings:
        # Test suites start many apps; unless a test sets the cost, Argon2 runs at its cheapest there.
        cost_fields = {"secret_hash_time_cost", "secret_hash_memory_kib", "secret_hash_parallelism"}
        if self.environment is Environment.test and not cost_fields & self.model_fields_set:
            cheapest = profiles.CHEAPEST
            self.secret_hash_time_cost = cheapest.time_cost
            self.secret_hash_memory_kib = cheapest.memory_cost
            self.secret_hash_parallelism = cheapest.parallelism
        return self

    @model_validator(mode="after")
    def _refuse_cheap_hashing_in_production(self) -> AsylumSettings:
        if self.environment is Environment.production and self.secret_hash_memory_kib < MIN_PRODUCTION_MEMORY_KIB:
            raise ValueError(
                f"refusing to start in production: secret_hash_memory_kib must be at least {MIN_PRODUCTION_MEMORY_KIB}"
            )
        return self

    def secret_hash_slots(self) -> tuple[int, int]:
        """Hashing jobs that run at once and that may wait, defaults filled in from the cores available."""
        running = self.secret_hash_concurrency or available_cores()
        return running, max(8, 4 * running) if self.secret_hash_queue is None else self.secret_hash_queue

    def secret_hash_parameters(self) -> Parameters:
        """The Argon2id parameters applicant secrets are hashed with."""
        return Parameters(
            type=_PRODUCTION.type,
            version=_PRODUCTION.version,
            salt_len=_PRODUCTION.salt_len,
            hash_len=_PRODUCTION.hash_len,
            time_cost=self.secret_hash_time_cost,
            memory_cost=self.secret_hash_memory_kib,
            parallelism=self.secret_hash_parallelism,
        )
