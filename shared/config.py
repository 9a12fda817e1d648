"""Settings every service shares; each service subclasses them with its own env prefix."""

from __future__ import annotations

import base64
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import AnyHttpUrl, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.faults import FAULT_ENV, armed

DEV_MARKER = "dev-only"


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


class Subscriber(BaseSettings):
    """A peer that receives this service's events over HTTP."""

    name: str
    url: AnyHttpUrl
    event_types: list[str] = Field(default_factory=lambda: ["*"])


class ServiceSettings(BaseSettings):
    """Configuration common to all four services.

    Development defaults live under `var/` and are generated on first use; production refuses them.
    """

    model_config = SettingsConfigDict(env_nested_delimiter="__", extra="ignore")

    environment: Environment = Environment.development
    service_name: str = "service"
    var_dir: Path = Path("var")
    database_url: str = ""
    public_url: str = "http://127.0.0.1:8000"
    # Production serving: the ingress path this service also answers under (`/payments`), and the port that
    # alone serves event deliveries and metrics (see shared/edge.py). Unset in development.
    root_path: str = Field(default="", pattern=r"^(/[A-Za-z0-9._-]+)*$")
    internal_port: int | None = Field(default=None, ge=1, le=65535)

    # Identity: a local Ed25519 key pair in development, the identity provider's JWKS in production.
    jwt_issuer: str = "carrots-dev"
    jwt_audience: str = "carrots"
    jwks_url: str | None = None
    jwt_dev_public_key_path: Path | None = None

    # Field encryption master keys: "kid:base64key" pairs, the first one encrypts new data.
    master_keys: list[str] = Field(default_factory=list)
    # Or master keys that stay in AWS KMS: key ARNs, the first one wraps new keys (replaces master_keys).
    kms_master_key_ids: list[str] = Field(default_factory=list)
    kms_region: str | None = None
    kms_endpoint_url: str | None = None
    # The key vault of partner key-encryption keys, shared by every service: a directory (wrapped by the
    # master key; a dedicated volume in production) or AWS KMS (a KMS key per partner).
    key_vault: Literal["directory", "kms"] = "directory"
    key_vault_dir: Path | None = None
    key_vault_kms_alias_prefix: str = "alias/carrots/partner/"
    # Keyed hashing key for values matched across partners (document numbers).
    blind_index_key: SecretStr | None = None
    # This service's own Ed25519 keys ("kid:path-to-PKCS8-PEM"); every listed key signs its events and the
    # first signs its tokens. List two during a rollover.
    signing_keys: list[str] = Field(default_factory=list)
    # Public keys of the services whose events and tokens this one accepts: {"eligibility": ["kid:path-or-PEM"]}.
    peer_keys: dict[str, list[str]] = Field(default_factory=dict)
    subscribers: list[Subscriber] = Field(default_factory=list)
    # The registry of organisations: every service caches its snapshot and polls for changes.
    registry_url: str = "http://127.0.0.1:8005"
    registry_refresh_seconds: float = Field(default=2.0, gt=0)
    # With no answer from the registry for this long, requests that need an organisation answer 503.
    registry_max_staleness_seconds: float = Field(default=300.0, gt=0)
    outbox_poll_seconds: float = 1.0
    # The bearer token Prometheus sends to scrape `/metrics`. Without one, `/metrics` is open in development
    # and test and refused (401) in production.
    metrics_token: SecretStr | None = None
    # Where traces go (OTLP over HTTP, e.g. `http://otel-collector:4318`); else `OTEL_EXPORTER_OTLP_ENDPOINT`;
    # with neither, nothing is recorded or sent.
    otlp_endpoint: str | None = None
    # Whether this service's worker delivers its events (API processes never do).
    outbox_enabled: bool = True
    # The worker: how many jobs one process runs at once, how often it looks for work, and how long a job's
    # lease lasts without renewal (a killed worker's job is taken over once its lease lapses).
    worker_job_slots: int = Field(default=2, ge=1)
    worker_poll_seconds: float = Field(default=1.0, gt=0)
    job_lease_seconds: float = Field(default=60.0, gt=0)
    # Finished jobs are kept this long (their domain records, such as an intake job's report, stay).
    job_retention_days: float = Field(default=30.0, gt=0)

    @model_validator(mode="after")
    def _refuse_development_secrets_in_production(self) -> ServiceSettings:
        if self.master_keys and self.kms_master_key_ids:
            raise ValueError("set master_keys or kms_master_key_ids, not both")
        if self.environment is not Environment.production:
            return self
        problems: list[str] = []
        if not self.jwks_url:
            problems.append("jwks_url must point at the identity provider's JWKS in production")
        if not self.database_url or self.database_url.startswith("sqlite"):
            problems.append("database_url must be a PostgreSQL URL in production")
        if self.blind_index_key is None or DEV_MARKER in self.blind_index_key.get_secret_value():
            problems.append("blind_index_key must be set and not a development value")
        if not self.signing_keys or any(DEV_MARKER in k.partition(":")[0] for k in self.signing_keys):
            problems.append("signing_keys must name this service's own keys, not development keys")
        if any(DEV_MARKER in k.partition(":")[0] for keys in self.peer_keys.values() for k in keys):
            problems.append("peer_keys must not trust development keys")
        if not (self.master_keys or self.kms_master_key_ids) or any(DEV_MARKER in k for k in self.master_keys):
            problems.append("master_keys (or kms_master_key_ids) must be set and not development keys")
        if self.key_vault == "directory" and (
            self.key_vault_dir is None or self.key_vault_dir.is_relative_to(self.var_dir)
        ):
            problems.append("key_vault_dir must name the vault's dedicated volume in production (or key_vault=kms)")
        if armed():
            problems.append(f"{FAULT_ENV} arms a fault for tests and must not be set in production")
        if problems:
            raise ValueError("refusing to start in production: " + "; ".join(problems))
        return self

    def master_keyring(self) -> dict[str, bytes]:
        """Decode `master_keys` into key id → 32-byte key, in the configured order."""
        ring: dict[str, bytes] = {}
        for item in self.master_keys:
            kid, _, encoded = item.partition(":")
            key = base64.urlsafe_b64decode(encoded.encode() + b"==")
            if len(key) != 32:
                raise ValueError(f"master key {kid!r} must decode to 32 bytes, got {len(key)}")
            ring[kid] = key
        return ring
