"""Another partner sees none of a partner's testimonies: every route answers 404, lists are empty."""

from __future__ import annotations

from tests.harness import Harness, Tokens
from tests.testimony.api.factories import officer, published_testimony, terms


async def test_another_partner_gets_404_on_every_testimony_route(testimony: Harness, tokens: Tokens) -> None:
    journey = await published_testimony(testimony, tokens, org="DE")
    t, d = journey["testimony"]["id"], journey["derivative"]["id"]
    record, publication = journey["consent"]["record_id"], journey["publication"]["id"]
    other = officer(tokens, "PL")
    reads = [
        f"/v1/testimonies/{t}",
        f"/v1/testimonies/{t}/consents",
        f"/v1/testimonies/{t}/derivatives",
        f"/v1/testimonies/{t}/derivatives/{d}",
        f"/v1/testimonies/{t}/derivatives/{d}/coverage",
        f"/v1/testimonies/{t}/publications",
        f"/v1/publications/{publication}",
    ]
    for path in reads:
        response = await testimony.client.get(path, headers=other)
        assert response.status_code == 404, path
        assert (await testimony.client.get(path, headers=officer(tokens, "DE"))).status_code == 200, path
    writes = [
        (f"/v1/testimonies/{t}/consents", {"subject_ref": "author", "terms": terms()}),
        (f"/v1/testimonies/{t}/consents/{record}/withdrawals", None),
        (f"/v1/testimonies/{t}/consents/{record}/narrowings", {"terms": terms(approval_required=True)}),
        (f"/v1/testimonies/{t}/derivatives", {"title": "x"}),
        (f"/v1/testimonies/{t}/derivatives/{d}/reviews", {"content_sha256": "0" * 64}),
        (f"/v1/testimonies/{t}/derivatives/{d}/publications", None),
    ]
    for path, body in writes:
        response = await testimony.client.post(path, json=body, headers=other)
        assert response.status_code == 404, path
    files = {"file": ("a.jpg", b"\xff\xd8\xff", "image/jpeg")}
    assert (await testimony.client.post(f"/v1/testimonies/{t}/media", files=files, headers=other)).status_code == 404
    listed = await testimony.client.get("/v1/testimonies", headers=other)
    assert listed.json()["items"] == []
    assert (await testimony.client.get(f"/public/testimonies/{publication}")).status_code == 200


async def test_partner_routes_refuse_other_kinds_of_caller(testimony: Harness, tokens: Tokens) -> None:
    from shared.auth import CallerKind

    ngo = tokens.headers("NGO-A", CallerKind.ngo, "testimonies:read")
    assert (await testimony.client.get("/v1/testimonies", headers=ngo)).status_code == 403
    assert (await testimony.client.get("/v1/testimonies")).status_code == 401
