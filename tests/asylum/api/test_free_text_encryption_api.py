"""Free-text reasons may name people: they are stored as ciphertexts and stay readable after a transfer."""

from __future__ import annotations

from sqlalchemy import text

from tests.asylum.api.factories import database, move, ngo, officer, open_case
from tests.harness import Harness, Tokens

DECISION_REASON = "Zeugin Olena Kowalenko bestätigt die Verfolgung"
TRANSITION_REASON = "Anwalt Dr. Piotr Nowak hat die Akte eingereicht"
TRANSFER_REASON = "Familie wohnt bei Iryna Schewtschenko in Krakau"


async def dump_table(h: Harness, table: str) -> str:
    """Every stored value of a table as one string."""
    async with database(h) as session:
        rows = (await session.execute(text(f"SELECT * FROM {table}"))).all()  # noqa: S608 (fixed names)
    return " ".join(str(value) for row in rows for value in row)


async def test_free_text_reasons_are_stored_encrypted_and_read_in_clear(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens)
    await cases_api.client.post(
        f"/v1/cases/{case['id']}/transitions",
        json={"to_state": "lodged", "reason": TRANSITION_REASON},
        headers=officer(tokens),
    )
    child = await cases_api.client.post(
        f"/v1/cases/{case['id']}/dependants", json={"relation": "child"}, headers=officer(tokens)
    )
    decided = await cases_api.client.post(
        f"/v1/cases/{case['id']}/dependants/{child.json()['id']}/decision",
        json={"decision": "refused", "reason": DECISION_REASON},
        headers=officer(tokens),
    )
    assert decided.json()["decision_reason"] == DECISION_REASON

    assert "Kowalenko" not in await dump_table(cases_api, "dependants")
    assert "Nowak" not in await dump_table(cases_api, "case_history")
    history = await cases_api.client.get(f"/v1/cases/{case['id']}/history", headers=officer(tokens))
    assert [e["reason"] for e in history.json()["items"]] == [None, TRANSITION_REASON]
    listed = await cases_api.client.get(f"/v1/cases/{case['id']}/dependants", headers=officer(tokens))
    assert listed.json()[0]["decision_reason"] == DECISION_REASON


async def test_a_transferred_case_keeps_its_reasons_readable_for_the_new_partner(
    cases_api: Harness, tokens: Tokens
) -> None:
    case = await open_case(cases_api, tokens)
    await move(cases_api, tokens, case["id"], "lodged")
    child = await cases_api.client.post(
        f"/v1/cases/{case['id']}/dependants", json={"relation": "child"}, headers=officer(tokens)
    )
    await cases_api.client.post(
        f"/v1/cases/{case['id']}/dependants/{child.json()['id']}/decision",
        json={"decision": "refused", "reason": DECISION_REASON},
        headers=officer(tokens),
    )
    await cases_api.client.post(
        f"/v1/cases/{case['id']}/access-grants", json={"ngo_org": "NGO-A", "level": "full"}, headers=officer(tokens)
    )
    moved = await cases_api.client.post(
        f"/v1/cases/{case['id']}/transfer",
        json={"to_partner": "PL", "reason": TRANSFER_REASON},
        headers=officer(tokens),
    )
    assert moved.status_code == 200, moved.text

    assert "Schewtschenko" not in await dump_table(cases_api, "case_history")
    # The dependant's reason was re-encrypted with the receiving partner's key.
    stored = await dump_table(cases_api, "dependants")
    assert "cv2.PL." in stored
    assert "cv2.DE." not in stored
    listed = await cases_api.client.get(f"/v1/cases/{case['id']}/dependants", headers=officer(tokens, "PL"))
    assert listed.json()[0]["decision_reason"] == DECISION_REASON
    history = await cases_api.client.get(f"/v1/cases/{case['id']}/history", headers=officer(tokens, "PL"))
    assert [e["reason"] for e in history.json()["items"]] == [None, "step to lodged", TRANSFER_REASON]
    shared = await cases_api.client.get(f"/v1/shared-cases/{case['id']}", headers=ngo(tokens))
    assert shared.json()["dependants"][0]["decision_reason"] == DECISION_REASON
    assert [e["reason"] for e in shared.json()["history"]][-1] == TRANSFER_REASON
