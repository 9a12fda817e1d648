"""Testimony settings (environment prefix `TESTIMONY_`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from shared.config import Environment, ServiceSettings


class TestimonySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TESTIMONY_", env_nested_delimiter="__", extra="ignore")

    service_name: str = "testimony"
    # The programme's Ed25519 key (PKCS#8 PEM) that signs receipts and manifests; generated under var/ in development.
    signing_key: SecretStr | None = None
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

    @model_validator(mode="after")
    def _refuse_missing_production_storage_and_key(self) -> TestimonySettings:
        if self.environment is not Environment.production:
            return self
        problems: list[str] = []
        if self.signing_key is None:
            problems.append("signing_key must hold the programme's Ed25519 key in production")
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
