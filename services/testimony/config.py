"""Testimony settings (environment prefix `TESTIMONY_`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from shared.config import Environment, ServiceSettings


class RetiredPublicKeySetting(BaseModel):
    """A public key that signed before a rotation: PEM text or the path of a PEM file, and when it retired."""

    key: str = Field(description="SubjectPublicKeyInfo PEM text, or the path of a file holding it.")
    retired_at: AwareDatetime = Field(description="When this key stopped signing (the next key's first day).")

    def read_pem(self) -> bytes:
        """The PEM bytes, read from the file when `key` is a path."""
        text = self.key.strip()
        return text.encode("ascii") if text.startswith("-----BEGIN") else Path(text).read_bytes()


class TestimonySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TESTIMONY_", env_nested_delimiter="__", extra="ignore")

    service_name: str = "testimony"
    # The programme's Ed25519 key (PKCS#8 PEM) that signs receipts and manifests; generated under var/ in development.
    signing_key: SecretStr | None = None
    # Or the path of a mounted file holding that key (a secret volume), in place of `signing_key`.
    signing_key_path: Path | None = None
    # Public halves of keys that signed before a rotation, so their receipts and manifests still verify from the
    # published JWK set. JSON in the environment: [{"key": "<PEM or path>", "retired_at": "2026-01-01T00:00:00Z"}].
    retired_public_keys: list[RetiredPublicKeySetting] = Field(default_factory=list)
    programme_name: str = "The million little carrots programme"
    issuer: str = "carrots-testimony"
    storage_backend: Literal["local", "s3"] = "local"
    storage_dir: Path | None = None
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    s3_prefix: str = "testimony/"
    submission_token_hours: int = 72
    # How often lapsed consents are swept into takedowns (reads refuse them at once regardless).
    expiry_sweep_seconds: float = 60.0
    expiry_sweep_enabled: bool = True
    # How long a `/my-testimony` page stays open after the applicant typed his token.
    page_session_minutes: int = Field(default=30, ge=1, le=24 * 60)

    @model_validator(mode="after")
    def _refuse_missing_production_storage_and_key(self) -> TestimonySettings:
        if self.environment is not Environment.production:
            return self
        problems: list[str] = []
        if self.signing_key is None and self.signing_key_path is None:
            problems.append("signing_key (or signing_key_path) must hold the programme's Ed25519 key in production")
        if self.storage_backend != "s3" or not self.s3_bucket:
            problems.append("storage_backend must be s3 with an s3_bucket in production")
        if self.public_url.startswith(("http://127.", "http://localhost")):
            problems.append("public_url must be the public address feeds, pages and receipts point at")
        if problems:
            raise ValueError("refusing to start in production: " + "; ".join(problems))
        return self

    def blob_dir(self) -> Path:
        """Where local blobs live."""
        return self.storage_dir or self.var_dir / "testimony-blobs"
