"""`carrots testimony verify-receipt` checks consent and takedown receipts offline against the published keys."""

from __future__ import annotations

import json
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from typer.testing import CliRunner, Result

from carrots.cli import app
from tests.harness import Harness, Tokens
from tests.testimony.api.factories import published_testimony

KEYS = "/.well-known/carrots-testimony-keys.json"


def verify(receipt: Path, keys: str) -> Result:
    return CliRunner().invoke(app, ["testimony", "verify-receipt", str(receipt), "--keys", keys])


async def test_consent_and_takedown_receipts_verify_and_altered_ones_do_not(
    testimony: Harness, tokens: Tokens, tmp_path: Path
) -> None:
    journey = await published_testimony(testimony, tokens)
    withdrawn = await testimony.client.post(
        "/public/consent/withdrawals", json={"token": journey["consent"]["withdrawal_token"]}
    )
    assert withdrawn.status_code == 200, withdrawn.text
    keys = tmp_path / "keys.json"
    keys.write_bytes((await testimony.client.get(KEYS)).content)
    consent = tmp_path / "consent-answer.json"
    consent.write_text(json.dumps(journey["consent"]))
    (takedown_answer,) = withdrawn.json()["takedowns"]
    takedown = tmp_path / "takedown.jws"
    takedown.write_text(takedown_answer["receipt"] + "\n")

    given = verify(consent, str(keys))
    assert given.exit_code == 0, given.output
    assert given.output.count("\n") == 1
    assert given.output.startswith("valid: consent receipt: given of record")
    gone = verify(takedown, str(keys))
    assert gone.exit_code == 0, gone.output
    assert gone.output.count("\n") == 1
    assert gone.output.startswith(f"valid: takedown receipt: publication {journey['publication']['id']}")

    header, claims, signature = takedown_answer["receipt"].split(".")
    forged = tmp_path / "forged.jws"
    forged.write_text(".".join([header, claims[:-4] + ("AAAA" if claims[-4:] != "AAAA" else "BBBB"), signature]))
    altered = verify(forged, str(keys))
    assert altered.exit_code == 1
    assert altered.output.startswith("invalid: ")
    assert altered.output.count("\n") == 1


async def test_a_document_that_is_no_receipt_is_invalid(testimony: Harness, tokens: Tokens, tmp_path: Path) -> None:
    journey = await published_testimony(testimony, tokens)
    keys = tmp_path / "keys.json"
    keys.write_bytes((await testimony.client.get(KEYS)).content)
    manifest = tmp_path / "manifest.jws"
    manifest.write_bytes(
        (await testimony.client.get(f"/public/testimonies/{journey['publication']['id']}/manifest.jws")).content
    )
    result = verify(manifest, str(keys))
    assert result.exit_code == 1
    assert result.output == "invalid: the document is neither a consent receipt nor a takedown receipt\n"


async def test_the_key_set_can_be_fetched_from_its_url(testimony: Harness, tokens: Tokens, tmp_path: Path) -> None:
    journey = await published_testimony(testimony, tokens)
    site = tmp_path / "site"
    (site / ".well-known").mkdir(parents=True)
    (site / ".well-known" / "carrots-testimony-keys.json").write_bytes((await testimony.client.get(KEYS)).content)
    receipt = tmp_path / "receipt.jws"
    receipt.write_text(journey["consent"]["receipt"])
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = verify(receipt, f"http://127.0.0.1:{server.server_port}{KEYS}")
        missing = verify(receipt, f"http://127.0.0.1:{server.server_port}/nothing.json")
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 0, result.output
    assert result.output.startswith("valid: consent receipt")
    assert missing.exit_code == 2
