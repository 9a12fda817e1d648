from __future__ import annotations

from tests.harness import Harness, Tokens

APPLICANT = {
    "category": "conscript",
    "names": [{"script": "cyrillic", "given": "Иван", "family": "Петров", "patronymic": "Сергеевич"}],
    "birth_date": "1999-04-01",
    "citizenship": "RU",
    "documents": [{"type": "passport", "issuing_country": "RU", "number": "75 1234567"}],
}


async def test_registered_applicant_reads_back_for_its_partner(eligibility: Harness, tokens: Tokens) -> None:
    created = await eligibility.client.post(
        "/v1/applicants", json=APPLICANT, headers=tokens.partner("DE", "applicants:write")
    )
    assert created.status_code == 201, created.text
    applicant_id = created.json()["id"]
    read = await eligibility.client.get(
        f"/v1/applicants/{applicant_id}", headers=tokens.partner("DE", "applicants:read")
    )
    assert read.status_code == 200
    assert read.json()["names"][0]["family"] == "Петров"
    other = await eligibility.client.get(
        f"/v1/applicants/{applicant_id}", headers=tokens.partner("PL", "applicants:read")
    )
    assert other.status_code == 404
