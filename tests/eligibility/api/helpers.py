"""Plain factory functions for the eligibility API tests."""

from __future__ import annotations

from typing import Any

import httpx
import yaml

from shared.auth import CallerKind
from tests.harness import Harness, Tokens, run_jobs

PARTNER_SCOPES = (
    "applicants:read",
    "applicants:write",
    "duplicates:resolve",
    "policies:read",
    "policies:write",
    "assessments:read",
    "assessments:write",
    "assessments:approve",
    "appeals:read",
    "appeals:write",
    "screening:read",
    "screening:review",
    "waivers:request",
    "waivers:approve",
)


def as_officer(tokens: Tokens, org: str = "DE", subject: str = "assessor") -> dict[str, str]:
    """Headers of a partner officer holding every eligibility scope."""
    return tokens.partner(org, *PARTNER_SCOPES, subject=f"{org}:{subject}")


def applicant_body(**overrides: Any) -> dict[str, Any]:
    """A conscript with verified service and one passport."""
    body: dict[str, Any] = {
        "category": "conscript",
        "names": [
            {"script": "cyrillic", "given": "Иван", "family": "Петров", "patronymic": "Сергеевич"},
            {"script": "latin", "given": "Ivan", "family": "Petrov"},
        ],
        "birth_date": "1999-04-01",
        "citizenship": "RU",
        "documents": [{"type": "passport", "issuing_country": "RU", "number": "75 1234567"}],
        "evidence": {"service_verified": True},
    }
    body.update(overrides)
    return body


async def register(h: Harness, tokens: Tokens, org: str = "DE", **overrides: Any) -> dict[str, Any]:
    """Register an applicant and return its JSON."""
    response = await h.client.post("/v1/applicants", json=applicant_body(**overrides), headers=as_officer(tokens, org))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def default_policy(h: Harness, tokens: Tokens, org: str = "DE") -> dict[str, Any]:
    """The shipped default policy made out to a partner."""
    response = await h.client.get("/v1/policies/default", headers=as_officer(tokens, org))
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


async def upload_policy(h: Harness, tokens: Tokens, document: dict[str, Any], org: str = "DE") -> httpx.Response:
    """Upload a policy document as YAML."""
    headers = {**as_officer(tokens, org), "Content-Type": "application/yaml"}
    return await h.client.post("/v1/policies", content=yaml.safe_dump(document), headers=headers)


async def install_default_policy(h: Harness, tokens: Tokens, org: str = "DE") -> None:
    """Upload the shipped default policy for a partner."""
    response = await upload_policy(h, tokens, await default_policy(h, tokens, org), org)
    assert response.status_code == 201, response.text


def ofac_list(*people: tuple[str, str, str]) -> bytes:
    """A small list in OFAC's sdn.xml structure: (first names, last name, date of birth like '21 May 1955')."""
    entries = "".join(
        f"""
  <sdnEntry>
    <uid>{9000 + i}</uid>
    <firstName>{first}</firstName>
    <lastName>{last}</lastName>
    <sdnType>Individual</sdnType>
    <programList><program>RUSSIA-EO14024</program></programList>
    <dateOfBirthList><dateOfBirthItem><uid>{9500 + i}</uid><dateOfBirth>{born}</dateOfBirth>
      <mainEntry>true</mainEntry></dateOfBirthItem></dateOfBirthList>
  </sdnEntry>"""
        for i, (first, last, born) in enumerate(people)
    )
    return f"""<?xml version="1.0" standalone="yes"?>
<sdnList xmlns="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML">
  <publshInformation><Publish_Date>11/20/2026</Publish_Date><Record_Count>{len(people)}</Record_Count>
  </publshInformation>{entries}
</sdnList>""".encode()


async def load_list(h: Harness, tokens: Tokens, *people: tuple[str, str, str]) -> dict[str, Any]:
    """Load an OFAC-shaped list as the programme's service account."""
    headers = {
        **tokens.headers("platform", CallerKind.operator, "sanctions:write"),
        "Content-Type": "application/xml",
    }
    response = await h.client.post("/v1/sanctions-lists/ofac_sdn", content=ofac_list(*people), headers=headers)
    assert response.status_code == 202, response.text
    loaded: dict[str, Any] = response.json()
    await wait_for_rescreening(h, tokens, loaded["rescreening_job_id"])
    return loaded


async def read_rescreening_job(h: Harness, tokens: Tokens, job_id: str) -> dict[str, Any]:
    """Read a re-screening job as the programme's service account."""
    headers = tokens.headers("platform", CallerKind.operator, "sanctions:write")
    response = await h.client.get(f"/v1/sanctions-screening-jobs/{job_id}", headers=headers)
    assert response.status_code == 200, response.text
    job: dict[str, Any] = response.json()
    return job


async def wait_for_rescreening(h: Harness, tokens: Tokens, job_id: str, attempts: int = 500) -> dict[str, Any]:
    """Run the worker's jobs until a re-screening job completed; fail if it stops any other way or never finishes."""
    for _ in range(attempts):
        await run_jobs(h.app)
        job = await read_rescreening_job(h, tokens, job_id)
        assert job["status"] in {"queued", "running", "completed"}, job
        if job["status"] == "completed":
            return job
    raise AssertionError(f"re-screening job {job_id} did not complete")


UNRELATED_PERSON = ("Sergei Kuzhugetovich", "SHOIGU", "21 May 1955")
HEADER_FIELDS = (
    "category,family_latin,given_latin,patronymic_latin,family_cyrillic,given_cyrillic,patronymic_cyrillic,"
    "birth_date,citizenship,rank_or_post,document_type,document_country,document_number,service_verified,"
    "arrived_in_partner_territory,main_applicant_id"
)


async def assess(h: Harness, tokens: Tokens, applicant_id: str, org: str = "DE", **body: Any) -> httpx.Response:
    """Run an assessment as the partner's assessor."""
    return await h.client.post(
        f"/v1/applicants/{applicant_id}/assessments", json=body, headers=as_officer(tokens, org, "assessor")
    )


async def approve(h: Harness, tokens: Tokens, assessment_id: str, approver: str, org: str = "DE") -> httpx.Response:
    """Approve an assessment as a named officer."""
    return await h.client.post(f"/v1/assessments/{assessment_id}/approvals", headers=as_officer(tokens, org, approver))
