from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from services.testimony.app import create_blob_store
from services.testimony.config import TestimonySettings as Settings

PRODUCTION = {
    "environment": "production",
    "database_url": "postgresql+psycopg://testimony@db/testimony",
    "jwks_url": "https://idp.example/.well-known/jwks.json",
    "master_keys": ["k1:" + "A" * 43],
    "key_vault_dir": "/srv/carrots-vault",
    "blind_index_key": "from-the-kms",
    "signing_keys": ["k2026:/run/secrets/testimony-event-signing.pem"],
    "signing_key": "-----BEGIN PRIVATE KEY-----\nplaceholder\n-----END PRIVATE KEY-----",
    "storage_backend": "s3",
    "s3_bucket": "media",
}


def test_production_refuses_a_localhost_public_url() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings.model_validate(PRODUCTION)
    assert "public_url" in str(refused.value)
    settings = Settings.model_validate({**PRODUCTION, "public_url": "https://testimonies.example"})
    assert settings.public_url == "https://testimonies.example"


def test_s3_without_a_bucket_is_refused_rather_than_falling_back_to_local_files(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path, storage_backend="s3")
    with pytest.raises(ValueError, match="S3_BUCKET"):
        create_blob_store(settings)
