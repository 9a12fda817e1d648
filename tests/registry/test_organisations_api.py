"""The registry's operator API: organisations, their history, and the snapshot services cache."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from shared.auth import CallerKind
from tests.harness import Harness, Tokens, producer

WRITE = ("registry:write", "registry:read")


def operator(tokens: Tokens, subject: str = "operator-1") -> dict[str, str]:
    return tokens.headers("platform", CallerKind.operator, *WRITE, subject=subject)


async def create(h: Harness, tokens: Tokens, **body: Any) -> httpx.Response:
    return await h.client.post("/v1/organisations", json=body, headers=operator(tokens))


async def add_partner(h: Harness, tokens: Tokens, code: str, currencies: tuple[str, ...] = ("EUR",)) -> dict[str, Any]:
    r = await create(h, tokens, code=code, kind="partner", name=f"Partner {code}", currencies=list(currencies))
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_an_operator_registers_a_partner_and_reads_it_back(registry: Harness, tokens: Tokens) -> None:
    created = await add_partner(registry, tokens, "DE")
    assert (created["status"], created["revision"], created["currencies"]) == ("active", 1, ["EUR"])
    read = await registry.client.get("/v1/organisations/DE", headers=operator(tokens))
    assert read.json() == created


async def test_a_code_that_is_taken_is_a_409(registry: Harness, tokens: Tokens) -> None:
    await add_partner(registry, tokens, "DE")
    again = await create(registry, tokens, code="DE", kind="partner", name="Again", currencies=["EUR"])
    assert again.status_code == 409


async def test_codes_are_never_normalised_and_the_refusal_names_the_code_given(
    registry: Harness, tokens: Tokens
) -> None:
    for given in ("de", "FR ", "\uff26\uff32", "D\u0415"):
        r = await create(registry, tokens, code=given, kind="partner", name="x", currencies=["EUR"])
        assert r.status_code == 422, given
        problem = r.json()
        assert problem["invalid_params"][0]["name"] == "body.code"
        assert repr(given) in problem["invalid_params"][0]["reason"]
        assert "did you mean" in problem["invalid_params"][0]["reason"]
    listed = await registry.client.get("/v1/organisations", headers=operator(tokens))
    assert listed.json()["items"] == []


async def test_mandates_must_name_registered_active_partners(registry: Harness, tokens: Tokens) -> None:
    await add_partner(registry, tokens, "DE")
    await add_partner(registry, tokens, "PL")
    await registry.client.post("/v1/organisations/PL/suspend", json={"reason": "test"}, headers=operator(tokens))
    for mandates, named in ((["DE", "DEE"], "'DEE' is not a registered partner"), (["PL"], "'PL' is suspended")):
        r = await create(registry, tokens, code="AUD", kind="auditor", name="Audit", mandates=mandates)
        assert r.status_code == 422
        assert named in r.json()["detail"]
    ok = await create(registry, tokens, code="AUD", kind="auditor", name="Audit", mandates=["DE"])
    assert ok.status_code == 201
    assert ok.json()["mandates"] == ["DE"]


async def test_fields_that_do_not_fit_the_kind_are_refused(registry: Harness, tokens: Tokens) -> None:
    cases = [
        {"code": "DE", "kind": "partner", "name": "x", "currencies": []},
        {"code": "DE", "kind": "partner", "name": "x", "currencies": ["EUR"], "mandates": ["PL"]},
        {"code": "NGO-A", "kind": "ngo", "name": "x", "currencies": ["EUR"]},
        {"code": "DE", "kind": "partner", "name": "x", "currencies": ["EURO"]},
        {"code": "DE", "kind": "partner", "name": "x", "currencies": ["EUR"], "jwks_url": "https://idp.example/jwks"},
    ]
    for body in cases:
        r = await create(registry, tokens, **body)
        assert r.status_code == 422, body
        assert r.headers["content-type"] == "application/problem+json"


async def test_every_change_enters_an_append_only_history_with_who_and_what(registry: Harness, tokens: Tokens) -> None:
    await add_partner(registry, tokens, "DE")
    updated = await registry.client.patch(
        "/v1/organisations/DE",
        json={"name": "Germany", "issuer": "https://idp.de.example/", "jwks_url": "https://idp.de.example/jwks"},
        headers=operator(tokens, "operator-2"),
    )
    assert updated.status_code == 200
    assert updated.json()["revision"] == 2
    same = await registry.client.patch("/v1/organisations/DE", json={"name": "Germany"}, headers=operator(tokens))
    assert same.json()["revision"] == 2
    await registry.client.post("/v1/organisations/DE/suspend", json={"reason": "audit"}, headers=operator(tokens))
    again = await registry.client.post("/v1/organisations/DE/suspend", json={"reason": "x"}, headers=operator(tokens))
    assert again.status_code == 409
    await registry.client.post("/v1/organisations/DE/reactivate", json={"reason": "ok"}, headers=operator(tokens))
    history = (await registry.client.get("/v1/organisations/DE/history", headers=operator(tokens))).json()["items"]
    assert [h["action"] for h in history] == ["created", "updated", "suspended", "reactivated"]
    assert history[1]["actor_subject"] == "operator-2"
    assert history[1]["changes"]["name"] == {"before": "Partner DE", "after": "Germany"}
    assert set(history[1]["changes"]) == {"name", "issuer", "jwks_url"}
    assert history[2]["changes"] == {"status": {"before": "active", "after": "suspended"}}
    assert history[2]["reason"] == "audit"
    first = (await registry.client.get("/v1/organisations/DE/history?limit=1", headers=operator(tokens))).json()
    rest = await registry.client.get(
        f"/v1/organisations/DE/history?after={first['next_cursor']}", headers=operator(tokens)
    )
    assert [h["action"] for h in rest.json()["items"]] == ["updated", "suspended", "reactivated"]


async def test_organisations_list_by_code_with_a_cursor(registry: Harness, tokens: Tokens) -> None:
    for code in ("PL", "DE", "FR"):
        await add_partner(registry, tokens, code)
    first = (await registry.client.get("/v1/organisations?limit=2", headers=operator(tokens))).json()
    assert [o["code"] for o in first["items"]] == ["DE", "FR"]
    rest = (
        await registry.client.get(f"/v1/organisations?after={first['next_cursor']}", headers=operator(tokens))
    ).json()
    assert [o["code"] for o in rest["items"]] == ["PL"]
    assert rest.get("next_cursor") is None


async def test_only_operators_change_the_registry(registry: Harness, tokens: Tokens, var_dir: Path) -> None:
    body = {"code": "DE", "kind": "partner", "name": "x", "currencies": ["EUR"]}
    partner = await registry.client.post("/v1/organisations", json=body, headers=tokens.partner("DE", *WRITE))
    assert partner.status_code == 401
    token = producer(var_dir, "asylum").issue_token("registry", ["registry:write"])
    service = await registry.client.post("/v1/organisations", json=body, headers={"Authorization": f"Bearer {token}"})
    assert service.status_code == 403
    reader = tokens.headers("platform", CallerKind.operator, "registry:read")
    assert (await registry.client.post("/v1/organisations", json=body, headers=reader)).status_code == 403


async def test_a_service_polls_the_snapshot_and_gets_304_until_something_changes(
    registry: Harness, tokens: Tokens, var_dir: Path
) -> None:
    await add_partner(registry, tokens, "DE")
    token = producer(var_dir, "payments").issue_token("registry", ["registry:read"])
    auth = {"Authorization": f"Bearer {token}"}
    first = await registry.client.get("/v1/snapshot", headers=auth)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert [o["code"] for o in first.json()["organisations"]] == ["DE"]
    unchanged = await registry.client.get("/v1/snapshot", headers={**auth, "If-None-Match": etag})
    assert unchanged.status_code == 304
    await registry.client.post("/v1/organisations/DE/suspend", json={"reason": "x"}, headers=operator(tokens))
    changed = await registry.client.get("/v1/snapshot", headers={**auth, "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert changed.json()["version"] > first.json()["version"]
    assert changed.json()["organisations"][0]["status"] == "suspended"
