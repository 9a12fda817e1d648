"""Plain factory functions for the testimony API tests: each step of the journey over HTTP."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

from PIL import ExifTags, Image

from tests.harness import Harness, Tokens

SECRET_WORD = "Olgavetta"
ORIGINAL_TEXT = (
    f"I served in the 3rd battalion. My sister {SECRET_WORD} still lives in Kursk.\n\n"
    "On the morning of the ninth we were ordered to shell the village."
)
ALL_SCOPES = (
    "testimonies:read",
    "testimonies:write",
    "testimonies:consent",
    "testimonies:redact",
    "testimonies:review",
    "testimonies:publish",
)


def officer(tokens: Tokens, org: str = "DE", subject: str = "officer-1") -> dict[str, str]:
    """Headers of a partner officer holding every testimony scope."""
    return tokens.partner(org, *ALL_SCOPES, subject=subject)


def terms(**conditions: Any) -> dict[str, Any]:
    """Consent terms granting public publication with the given conditions (anonymous by default)."""
    return {
        "grants": {"public_publication": {"attribution": "anonymous", **conditions}},
        "notice_version": "notice-2026-11",
        "method": "officer_witnessed",
    }


def in_hours(hours: float) -> str:
    """An ISO 8601 UTC moment some hours from now."""
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def image_with_gps() -> bytes:
    """A JPEG carrying GPS coordinates, a device model and an author in its EXIF."""
    exif = Image.Exif()
    exif[0x0110] = "Model X"
    exif[0x013B] = SECRET_WORD
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (51.0, 43.0, 50.0), 3: "E", 4: (36.0, 11.0, 34.0)}
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 120, 10)).save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


async def submit(
    h: Harness, tokens: Tokens, org: str = "DE", family: tuple[str, ...] = ("sister-1",), text: str = ORIGINAL_TEXT
) -> dict[str, Any]:
    """Submit a testimony as an officer."""
    body = {"applicant_id": "app-1", "language": "en", "text": text, "family_member_refs": list(family)}
    response = await h.client.post("/v1/testimonies", json=body, headers=officer(tokens, org))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def add_image(h: Harness, tokens: Tokens, testimony_id: str, content: bytes, org: str = "DE") -> dict[str, Any]:
    """Attach an image original."""
    files = {"file": ("photo.jpg", content, "image/jpeg")}
    response = await h.client.post(f"/v1/testimonies/{testimony_id}/media", files=files, headers=officer(tokens, org))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def give_consent(
    h: Harness, tokens: Tokens, testimony_id: str, subject_ref: str = "author", org: str = "DE", **conditions: Any
) -> dict[str, Any]:
    """Record a consent for public publication."""
    body = {"subject_ref": subject_ref, "terms": terms(**conditions)}
    response = await h.client.post(f"/v1/testimonies/{testimony_id}/consents", json=body, headers=officer(tokens, org))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def redact(
    h: Harness,
    tokens: Tokens,
    testimony_id: str,
    org: str = "DE",
    hide_sister: bool = True,
    media_ids: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Make a derivative as a redactor, hiding the sister's name unless told otherwise."""
    body: dict[str, Any] = {
        "title": "The morning of the ninth",
        "redact_terms": [{"terms": [SECRET_WORD], "category": "family_name", "subject_ref": "sister-1"}]
        if hide_sister
        else [],
        "media_original_ids": list(media_ids),
    }
    response = await h.client.post(
        f"/v1/testimonies/{testimony_id}/derivatives", json=body, headers=officer(tokens, org, "redactor")
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def review(
    h: Harness, tokens: Tokens, testimony_id: str, derivative: dict[str, Any], reviewer: str, org: str = "DE"
) -> Any:
    """Approve a derivative as one reviewer; returns the raw response."""
    return await h.client.post(
        f"/v1/testimonies/{testimony_id}/derivatives/{derivative['id']}/reviews",
        json={"content_sha256": derivative["content_sha256"]},
        headers=officer(tokens, org, reviewer),
    )


async def review_twice(
    h: Harness, tokens: Tokens, testimony_id: str, derivative: dict[str, Any], org: str = "DE"
) -> None:
    """Two distinct reviewers approve the derivative."""
    for reviewer in ("reviewer-a", "reviewer-b"):
        response = await review(h, tokens, testimony_id, derivative, reviewer, org)
        assert response.status_code == 201, response.text


async def publish(h: Harness, tokens: Tokens, testimony_id: str, derivative_id: str, org: str = "DE") -> Any:
    """Ask to publish a derivative; returns the raw response."""
    return await h.client.post(
        f"/v1/testimonies/{testimony_id}/derivatives/{derivative_id}/publications",
        headers=officer(tokens, org, "publisher"),
    )


async def published_testimony(
    h: Harness, tokens: Tokens, org: str = "DE", media: bytes | None = None, **conditions: Any
) -> dict[str, Any]:
    """Run the journey up to a live publication; returns every intermediate answer."""
    testimony = await submit(h, tokens, org)
    media_ids: tuple[str, ...] = ()
    if media is not None:
        media_ids = ((await add_image(h, tokens, testimony["id"], media, org))["id"],)
    consent = await give_consent(h, tokens, testimony["id"], org=org, **conditions)
    derivative = await redact(h, tokens, testimony["id"], org, media_ids=media_ids)
    await review_twice(h, tokens, testimony["id"], derivative, org)
    response = await publish(h, tokens, testimony["id"], derivative["id"], org)
    assert response.status_code == 201, response.text
    return {"testimony": testimony, "consent": consent, "derivative": derivative, "publication": response.json()}


def public_paths(publication_id: str) -> list[str]:
    """Every public surface of one publication."""
    base = f"/public/testimonies/{publication_id}"
    return [base, f"{base}/item.json", f"{base}/manifest.jws"]


def own_terms(**conditions: Any) -> dict[str, Any]:
    """Terms an applicant gives himself through a form: public publication, approval asked for unless told."""
    return {
        "grants": {"public_publication": {"attribution": "anonymous", "approval_required": True, **conditions}},
        "notice_version": "my-testimony-2026-12/en",
        "method": "electronic_form",
    }


async def applicant_submits(h: Harness, tokens: Tokens, org: str = "DE", text: str = ORIGINAL_TEXT) -> dict[str, Any]:
    """The officer hands over a submission token and the applicant submits with it; returns both."""
    issued = await h.client.post("/v1/submission-tokens", json={"applicant_id": "app-1"}, headers=officer(tokens, org))
    assert issued.status_code == 201, issued.text
    token = issued.json()["token"]
    body = {"token": token, "language": "en", "text": text, "family_member_refs": []}
    submitted = await h.client.post("/public/submissions", json=body)
    assert submitted.status_code == 201, submitted.text
    return {"token": token, "testimony_id": submitted.json()["testimony_id"]}


async def reviewed_version(h: Harness, tokens: Tokens, testimony_id: str, org: str = "DE") -> dict[str, Any]:
    """A version of the testimony made and reviewed by two officers, ready to publish."""
    derivative = await redact(h, tokens, testimony_id, org, hide_sister=False)
    await review_twice(h, tokens, testimony_id, derivative, org)
    return derivative
