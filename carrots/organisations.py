"""The organisations `carrots up` registers on the embedded default, so development tokens have someone to name."""

from __future__ import annotations

from shared.schemas.registry import OrganisationCreate, OrganisationKind

DEV_PARTNERS = ("DE", "PL", "FR")

# No identity provider: development tokens are signed with the key under var/ (production refuses that).
DEV_ORGANISATIONS: tuple[OrganisationCreate, ...] = (
    OrganisationCreate(code="DE", kind=OrganisationKind.partner, name="Germany (development)", currencies=["EUR"]),
    OrganisationCreate(
        code="PL", kind=OrganisationKind.partner, name="Poland (development)", currencies=["PLN", "EUR"]
    ),
    OrganisationCreate(code="FR", kind=OrganisationKind.partner, name="France (development)", currencies=["EUR"]),
    OrganisationCreate(
        code="NGO-A", kind=OrganisationKind.ngo, name="An NGO (development)", mandates=list(DEV_PARTNERS)
    ),
    OrganisationCreate(
        code="AUDIT-FIRM",
        kind=OrganisationKind.auditor,
        name="An audit firm (development)",
        mandates=list(DEV_PARTNERS),
    ),
)
