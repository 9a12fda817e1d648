"""A partner's bank profile: which pain.001 version its files are written in and which camt.053 it sends."""

from pathlib import Path

from alembic import command
from lxml import etree
from sqlalchemy import create_engine, text

from carrots.registry import SERVICES
from services.payments.domain.bankfiles.pain001 import validate_pain001
from shared.migrations import alembic_config, upgrade_to_head
from shared.schemas.payments import CreditTransferVersion
from tests.harness import Harness, Tokens
from tests.payments.service.helpers import (
    camt053,
    officer,
    open_funding,
    paid_out,
    set_bank_profile,
)

XML = {"Content-Type": "application/xml"}


async def bank_file(payments: Harness, headers: dict[str, str], funding_id: str) -> bytes:
    response = await payments.client.post(
        "/v1/bank-files", json={"funding_account_id": funding_id, "execution_date": "2026-11-27"}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.content


async def test_a_partner_without_a_profile_gets_the_current_versions(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    profile = await payments.client.get("/v1/bank-profile", headers=headers)
    assert profile.status_code == 200, profile.text
    assert profile.json() == {
        "credit_transfer_version": "pain.001.001.09",
        "statement_version": "camt.053.001.08",
        "is_default": True,
        "updated_by": None,
        "updated_at": None,
    }
    funding = await open_funding(payments, headers, "USD", 1_000_000)
    await paid_out(payments, headers, funding["id"], "app-p1")
    assert validate_pain001(await bank_file(payments, headers, funding["id"])) is CreditTransferVersion.v09


async def test_bank_files_follow_the_profile_the_partner_set(payments: Harness, tokens: Tokens) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers, "USD", 1_000_000)
    stored = await set_bank_profile(payments, headers, "pain.001.001.03", "camt.053.001.02")
    assert (stored["is_default"], stored["updated_by"]) == (False, "officer-1")
    read = (await payments.client.get("/v1/bank-profile", headers=headers)).json()
    assert read == stored
    await paid_out(payments, headers, funding["id"], "app-p2")
    old = await bank_file(payments, headers, funding["id"])
    assert validate_pain001(old) is CreditTransferVersion.v03
    assert etree.QName(etree.fromstring(old)).namespace == "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
    await set_bank_profile(payments, headers, "pain.001.001.09", "camt.053.001.08")
    await paid_out(payments, headers, funding["id"], "app-p3")
    assert validate_pain001(await bank_file(payments, headers, funding["id"])) is CreditTransferVersion.v09


async def test_a_statement_in_another_version_than_the_profile_is_refused_and_changes_nothing(
    payments: Harness, tokens: Tokens
) -> None:
    headers = officer(tokens)
    funding = await open_funding(payments, headers, "USD", 1_000_000)
    payout = await paid_out(payments, headers, funding["id"], "app-p4")
    statement = camt053([(payout["end_to_end_id"], "750.00", "DBIT")], version="camt.053.001.02")
    refused = await payments.client.post("/v1/bank-statements", content=statement, headers={**headers, **XML})
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "camt.053.001.08" in refused.json()["detail"]
    assert "PUT /v1/bank-profile" in refused.json()["detail"]
    status = (await payments.client.get(f"/v1/payouts/{payout['id']}", headers=headers)).json()["status"]
    assert status == "executed"
    await set_bank_profile(payments, headers, statement="camt.053.001.02")
    accepted = await payments.client.post("/v1/bank-statements", content=statement, headers={**headers, **XML})
    assert accepted.json()["settled"] == [payout["end_to_end_id"]]


async def test_setting_the_profile_needs_its_own_scope_and_is_per_partner(payments: Harness, tokens: Tokens) -> None:
    others = tokens.partner("DE", "payouts:execute", "bank_accounts:write", "bank_profile:read")
    refused = await payments.client.put(
        "/v1/bank-profile",
        json={"credit_transfer_version": "pain.001.001.03", "statement_version": "camt.053.001.02"},
        headers=others,
    )
    assert refused.status_code == 403
    unread = await payments.client.get("/v1/bank-profile", headers=tokens.partner("DE", "payouts:execute"))
    assert unread.status_code == 403
    await set_bank_profile(payments, officer(tokens), "pain.001.001.03", "camt.053.001.02")
    assert (await payments.client.get("/v1/bank-profile", headers=others)).json()["is_default"] is False
    french = (await payments.client.get("/v1/bank-profile", headers=officer(tokens, org="FR"))).json()
    assert (french["credit_transfer_version"], french["is_default"]) == ("pain.001.001.09", True)


async def test_an_unknown_version_is_refused_with_the_allowed_ones(payments: Harness, tokens: Tokens) -> None:
    response = await payments.client.put(
        "/v1/bank-profile",
        json={"credit_transfer_version": "pain.001.001.12", "statement_version": "camt.053.001.08"},
        headers=officer(tokens),
    )
    assert response.status_code == 422
    (param,) = response.json()["invalid_params"]
    assert param["name"] == "body.credit_transfer_version"
    assert "pain.001.001.03" in param["reason"]
    assert "pain.001.001.09" in param["reason"]
    assert (await payments.client.get("/v1/bank-profile", headers=officer(tokens))).json()["is_default"] is True


def test_partners_with_funding_accounts_keep_version_03_files_after_the_upgrade(tmp_path: Path) -> None:
    entry = SERVICES["payments"]
    url = f"sqlite+aiosqlite:///{tmp_path / 'p.db'}"
    command.upgrade(alembic_config(entry.migrations_dir, url), "0002")
    engine = create_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO accounts (id, partner_id, currency, kind, balance_minor, created_at) VALUES "
                "('a1', 'DE', 'EUR', 'funding', 0, '2026-01-01 00:00:00'), "
                "('a2', 'DE', 'USD', 'funding', 0, '2026-01-01 00:00:00'), "
                "('a3', 'FR', 'EUR', 'programme_liability', 0, '2026-01-01 00:00:00')"
            )
        )
    upgrade_to_head(entry.migrations_dir, url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT partner_id, credit_transfer_version, statement_version FROM bank_profiles")
        ).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("DE", "pain.001.001.03", "camt.053.001.02")]
