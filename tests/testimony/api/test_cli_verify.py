"""`carrots testimony verify` checks a downloaded item offline and rejects an altered one."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from carrots.cli import app
from tests.harness import Harness, Tokens
from tests.testimony.api.factories import public_paths, published_testimony


async def test_a_downloaded_item_verifies_offline_and_an_altered_one_does_not(
    testimony: Harness, tokens: Tokens, tmp_path: Path
) -> None:
    journey = await published_testimony(testimony, tokens)
    _, item_path, _ = public_paths(journey["publication"]["id"])
    item = tmp_path / "item.json"
    item.write_bytes((await testimony.client.get(item_path)).content)
    key = tmp_path / "key.json"
    key.write_bytes((await testimony.client.get("/.well-known/carrots-testimony-keys.json")).content)

    runner = CliRunner()
    good = runner.invoke(app, ["testimony", "verify", str(item), "--key", str(key)])
    assert good.exit_code == 0, good.output
    assert journey["publication"]["id"] in good.output

    item.write_text(item.read_text().replace("ninth", "tenth"))
    bad = runner.invoke(app, ["testimony", "verify", str(item), "--key", str(key)])
    assert bad.exit_code == 1
    assert "NOT VERIFIED" in bad.output
