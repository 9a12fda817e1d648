"""Receipts, manifests and tokens are signed or hashed so that nobody can forge or replay them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.testimony.consent.chain import ConsentEvent, append_event
from services.testimony.consent.domain import ConsentEventKind, ConsentMethod, ConsentTerms, Purpose, PurposeConditions
from services.testimony.signing.errors import SignatureInvalid, SigningKeyUnreadable
from services.testimony.signing.jws import sign_document
from services.testimony.signing.keys import (
    compute_key_id,
    decode_base64url,
    encode_base64url,
    export_private_pem,
    export_public_jwk,
    export_public_pem,
    generate_signing_key,
    load_public_key,
    load_signing_key,
)
from services.testimony.signing.manifests import (
    ManifestPart,
    PublicationManifest,
    describe_text_part,
    read_manifest,
    sign_manifest,
)
from services.testimony.signing.receipts import (
    ConsentReceiptRequest,
    TakedownReason,
    TakedownRequest,
    issue_consent_receipt,
    issue_takedown_receipt,
    read_consent_receipt,
    read_takedown_receipt,
)
from services.testimony.signing.tokens import issue_token, token_matches

T0 = datetime(2026, 4, 1, 12, tzinfo=UTC)


def make_manifest(text: str = "What I saw.") -> PublicationManifest:
    return PublicationManifest(
        issuer="https://carrots.example",
        publication_id="pub-1",
        item_id="item-1",
        published_at=T0,
        consent_versions=("1:" + "a" * 64,),
        parts=(describe_text_part(text),),
    )


def test_the_key_id_is_the_rfc_7638_thumbprint() -> None:
    # RFC 8037, appendix A.3: the thumbprint of its example Ed25519 key.
    public_key = Ed25519PublicKey.from_public_bytes(decode_base64url("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"))
    assert compute_key_id(public_key) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_a_signing_key_survives_export_and_import() -> None:
    key = generate_signing_key()
    restored = load_signing_key(export_private_pem(key))
    assert restored.key_id == key.key_id
    assert compute_key_id(load_public_key(export_public_pem(key.public_key))) == key.key_id
    jwk = export_public_jwk(key.public_key)
    assert jwk["kid"] == key.key_id
    assert compute_key_id(load_public_key(json.dumps(jwk).encode())) == key.key_id
    assert compute_key_id(load_public_key(json.dumps({"keys": [jwk]}).encode())) == key.key_id


def test_keys_that_are_not_ed25519_are_refused() -> None:
    with pytest.raises(SigningKeyUnreadable):
        load_public_key(b'{"kty": "RSA", "n": "x", "e": "AQAB"}')
    with pytest.raises(SigningKeyUnreadable):
        load_public_key(b"not a key")
    with pytest.raises(SigningKeyUnreadable):
        load_signing_key(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")


def test_a_consent_receipt_states_the_event_and_version_it_acknowledges() -> None:
    key = generate_signing_key()
    terms = ConsentTerms({Purpose.PRESS: PurposeConditions()}, "notice-7", ConsentMethod.ELECTRONIC_FORM)
    link = append_event("rec-9", [], ConsentEvent(ConsentEventKind.GIVEN, T0, terms))
    receipt = issue_consent_receipt(
        key, ConsentReceiptRequest("https://carrots.example", "rec-9", "tst-3", link, "https://x/withdraw")
    )
    claims = read_consent_receipt(receipt, key.public_key)
    assert claims["sub"] == "rec-9"
    assert claims["event"] == "given"
    assert claims["consent_version"] == f"1:{link.event_hash}"
    assert claims["terms"]["notice_version"] == "notice-7"
    assert set(claims["terms"]["grants"]) == {"press"}


def test_a_receipt_signed_by_another_key_is_rejected() -> None:
    link = append_event(
        "rec-9",
        [],
        ConsentEvent(
            ConsentEventKind.GIVEN,
            T0,
            ConsentTerms({Purpose.PRESS: PurposeConditions()}, "n", ConsentMethod.ELECTRONIC_FORM),
        ),
    )
    receipt = issue_consent_receipt(generate_signing_key(), ConsentReceiptRequest("iss", "rec-9", "t", link))
    with pytest.raises(SignatureInvalid):
        read_consent_receipt(receipt, generate_signing_key().public_key)


def test_a_tampered_manifest_is_rejected() -> None:
    key = generate_signing_key()
    token = sign_manifest(key, make_manifest())
    header, payload, signature = token.split(".")
    claims = json.loads(decode_base64url(payload))
    claims["parts"][0]["sha256"] = "0" * 64
    forged_payload = encode_base64url(json.dumps(claims).encode())
    with pytest.raises(SignatureInvalid, match="signature"):
        read_manifest(f"{header}.{forged_payload}.{signature}", key.public_key)


def test_a_manifest_round_trips_with_its_content_hash() -> None:
    key = generate_signing_key()
    manifest = make_manifest()
    assert read_manifest(sign_manifest(key, manifest), key.public_key) == manifest


def test_one_kind_of_signed_document_cannot_pass_for_another() -> None:
    key = generate_signing_key()
    takedown = issue_takedown_receipt(
        key, TakedownRequest("iss", "pub-1", "tst-1", T0, TakedownReason.WITHDRAWN, "2:" + "b" * 64)
    )
    assert read_takedown_receipt(takedown, key.public_key)["reason"] == "withdrawn"
    with pytest.raises(SignatureInvalid):
        read_manifest(takedown, key.public_key)
    with pytest.raises(SignatureInvalid):
        read_consent_receipt(takedown, key.public_key)


def test_a_manifest_whose_content_hash_disagrees_with_its_parts_is_rejected() -> None:
    key = generate_signing_key()
    claims = {
        "iss": "iss",
        "iat": 1,
        "jti": "pub-1",
        "sub": "item-1",
        "published_at": "2026-04-01T12:00:00.000000Z",
        "consent_versions": [],
        "content_sha256": "0" * 64,
        "parts": [{"name": "text", "media_type": "text/plain", "sha256": "1" * 64, "size": 3}],
    }
    with pytest.raises(SignatureInvalid, match="content hash"):
        read_manifest(sign_document(key, claims, "publication-manifest+jwt"), key.public_key)


def test_a_manifest_part_lists_hash_and_size_of_the_utf8_text() -> None:
    part = describe_text_part("привет")
    assert part == ManifestPart("text", "text/plain; charset=utf-8", part.sha256, len("привет".encode()))


def test_a_withdrawal_token_is_stored_only_as_its_hash() -> None:
    issued = issue_token()
    assert issued.token not in issued.token_hash
    assert token_matches(issued.token, issued.token_hash)
    assert not token_matches(issue_token().token, issued.token_hash)
    assert issue_token().token != issued.token
