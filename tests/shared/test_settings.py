from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from services.payments.config import PaymentsSettings
from shared.devkeys import with_dev_defaults


def test_production_refuses_development_keys(tmp_path: Path) -> None:
    dev = with_dev_defaults(PaymentsSettings(var_dir=tmp_path))
    with pytest.raises(ValidationError) as refused:
        PaymentsSettings.model_validate({**dev.model_dump(), "environment": "production"})
    message = str(refused.value)
    assert "jwks_url" in message
    assert "PostgreSQL" in message
    assert "development" in message
    assert "key_vault_dir" in message


def test_production_starts_with_real_secrets() -> None:
    from shared.config import ServiceSettings

    settings = ServiceSettings(
        environment="production",
        database_url="postgresql+psycopg://payments@db/payments",
        jwks_url="https://idp.example/.well-known/jwks.json",
        master_keys=["k2026:" + "A" * 43],
        key_vault_dir="/srv/carrots-vault",
        blind_index_key="a-real-secret-from-the-kms",
        signing_keys=["k2026:/run/secrets/payments-event-signing.pem"],
    )
    assert settings.master_keyring()["k2026"] == b"\x00" * 32


def test_each_service_reads_its_own_environment_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    from services.asylum.config import AsylumSettings

    monkeypatch.setenv("PAYMENTS_DATABASE_URL", "sqlite+aiosqlite:///payments.db")
    monkeypatch.setenv("ASYLUM_DATABASE_URL", "sqlite+aiosqlite:///asylum.db")
    assert PaymentsSettings().database_url.endswith("payments.db")
    assert AsylumSettings().database_url.endswith("asylum.db")


def test_production_refuses_to_sign_with_a_development_service_key(tmp_path: Path) -> None:
    dev = with_dev_defaults(PaymentsSettings(var_dir=tmp_path))
    assert dev.signing_keys[0].startswith("dev-only-")
    with pytest.raises(ValidationError, match="signing_keys"):
        PaymentsSettings.model_validate(
            {
                **dev.model_dump(),
                "environment": "production",
                "database_url": "postgresql+psycopg://payments@db/payments",
                "jwks_url": "https://idp.example/.well-known/jwks.json",
            }
        )


def test_development_defaults_live_under_var(tmp_path: Path) -> None:
    settings = with_dev_defaults(PaymentsSettings(var_dir=tmp_path))
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'payments.db'}"
    assert (tmp_path / "keys" / "dev-jwt-ed25519.pem").exists()
    again = with_dev_defaults(PaymentsSettings(var_dir=tmp_path))
    assert again.master_keyring() == settings.master_keyring()


def test_services_starting_at_once_on_one_var_share_the_same_development_keys(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from services.asylum.config import AsylumSettings
    from shared.devkeys import ensure_dev_public_key

    def start() -> tuple[dict[str, bytes], bytes, bytes]:
        settings = with_dev_defaults(AsylumSettings(var_dir=tmp_path))
        (signing_key,) = settings.signing_keys
        return (
            settings.master_keyring(),
            Path(signing_key.partition(":")[2]).read_bytes(),
            ensure_dev_public_key(tmp_path).read_bytes(),
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: start(), range(32)))
    assert all(r == results[0] for r in results)
    assert results[0][2].startswith(b"-----BEGIN PUBLIC KEY-----")


def test_production_takes_master_keys_from_kms_instead_of_the_environment() -> None:
    from shared.config import ServiceSettings

    settings = ServiceSettings(
        environment="production",
        database_url="postgresql+psycopg://payments@db/payments",
        jwks_url="https://idp.example/.well-known/jwks.json",
        kms_master_key_ids=["arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"],
        key_vault="kms",
        blind_index_key="a-real-secret-from-the-kms",
        signing_keys=["k2026:/run/secrets/payments-event-signing.pem"],
    )
    assert settings.master_keys == []
    with pytest.raises(ValidationError, match="not both"):
        ServiceSettings(master_keys=["k1:" + "A" * 43], kms_master_key_ids=["arn:aws:kms:eu-central-1:1:key/x"])


def test_development_master_keys_rotate_under_var_and_a_retired_one_stays_gone(tmp_path: Path) -> None:
    from shared.devkeys import create_dev_master_key, dev_master_keys

    first = with_dev_defaults(PaymentsSettings(var_dir=tmp_path)).master_keys
    assert [k.split(":")[0] for k in first] == ["dev-only-1"]
    assert with_dev_defaults(PaymentsSettings(var_dir=tmp_path)).key_vault_dir == tmp_path / "keys" / "vault"
    assert create_dev_master_key(tmp_path) == "dev-only-2"
    assert [k.split(":")[0] for k in dev_master_keys(tmp_path)] == ["dev-only-2", "dev-only-1"]
    (tmp_path / "keys" / "master-dev.key").unlink()
    assert [k.split(":")[0] for k in dev_master_keys(tmp_path)] == ["dev-only-2"]
