"""After a key rotation the service publishes every key that ever signed, and old documents still verify."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from carrots.cli import app as cli
from services.testimony.app import create_app
from services.testimony.config import RetiredPublicKeySetting
from services.testimony.config import TestimonySettings as Settings
from services.testimony.signing.errors import SignatureInvalid
from services.testimony.signing.keys import export_private_pem, export_public_pem, generate_signing_key
from services.testimony.signing.receipts import read_consent_receipt, read_takedown_receipt
from services.testimony.signing.verify import select_signing_key, verify_downloaded_item
from tests.conftest import AppStarter
from tests.harness import Harness, Tokens, serve
from tests.testimony.api.factories import officer, public_paths, published_testimony
from tests.testimony.unit.test_offline_verify import publish as sign_offline_item

KEYS = "/.well-known/carrots-testimony-keys.json"
PEM = "/.well-known/carrots-testimony-key.pem"
ROTATED_AT = datetime(2026, 6, 1, tzinfo=UTC)


async def test_an_item_signed_before_a_rotation_still_verifies_from_the_published_set(
    starter: AppStarter, tokens: Tokens, tmp_path: Path
) -> None:
    old, new = generate_signing_key(), generate_signing_key()
    before: Settings = starter.settings(
        "testimony", signing_key=SecretStr(export_private_pem(old).decode()), expiry_sweep_enabled=False
    )
    first = create_app(before)
    async with serve(first) as client:
        journey = await published_testimony(Harness("testimony", first, client, before, before.database_url), tokens)
    # The retired key is given by the path of its public PEM: its private half is not needed any more.
    retired_pem = tmp_path / "retired.pem"
    retired_pem.write_bytes(export_public_pem(old.public_key))
    after = before.model_copy(
        update={
            "signing_key": SecretStr(export_private_pem(new).decode()),
            "retired_public_keys": [RetiredPublicKeySetting(key=str(retired_pem), retired_at=ROTATED_AT)],
        }
    )
    async with serve(create_app(after)) as client:
        keys = (await client.get(KEYS)).json()["keys"]
        assert [k["kid"] for k in keys] == [new.key_id, old.key_id]
        assert "retired_at" not in keys[0]
        assert datetime.fromisoformat(keys[1]["retired_at"]) == ROTATED_AT
        assert (await client.get(PEM)).content == export_public_pem(new.public_key)
        _, item_path, _ = public_paths(journey["publication"]["id"])
        item = (await client.get(item_path)).content
        withdrawal = await client.post(
            f"/v1/testimonies/{journey['testimony']['id']}/consents/{journey['consent']['record_id']}/withdrawals",
            headers=officer(tokens),
        )
        key_set = (await client.get(KEYS)).content

    # Published under the old key, verified against the set the rotated service publishes.
    assert verify_downloaded_item(item, key_set).key_id == old.key_id
    consent_receipt = journey["consent"]["receipt"]
    assert read_consent_receipt(consent_receipt, select_signing_key(consent_receipt, key_set))["sub"]
    # Signing moved to the new key: the takedown after the rotation is signed by it and verifies too.
    assert withdrawal.status_code == 200, withdrawal.text
    takedown = withdrawal.json()["takedowns"][0]["receipt"]
    assert read_takedown_receipt(takedown, select_signing_key(takedown, key_set))["reason"] == "withdrawn"
    assert read_takedown_receipt(takedown, new.public_key)["sub"] == journey["publication"]["id"]

    saved_item, saved_keys = tmp_path / "item.json", tmp_path / "keys.json"
    saved_item.write_bytes(item)
    saved_keys.write_bytes(key_set)
    verified = CliRunner().invoke(cli, ["testimony", "verify", str(saved_item), "--key", str(saved_keys)])
    assert verified.exit_code == 0, verified.output
    assert old.key_id in verified.output

    # A key the programme never published verifies nothing, even though the document is well formed.
    _, foreign = sign_offline_item(generate_signing_key())
    with pytest.raises(SignatureInvalid, match="do not include"):
        verify_downloaded_item(foreign, key_set)
