"""Policy rules: validated uploads, increasing versions, the version in force on a date."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility.models import Policy
from services.eligibility.policies import repository
from services.eligibility.policies.engine.document import PolicyDocument
from services.eligibility.policies.engine.errors import PolicyInvalid
from services.eligibility.policies.engine.load import PolicyFormat, load_default_policy, parse_policy, parse_policy_data
from services.eligibility.policies.errors import NoPolicyInForce, PolicyNotFound, PolicyRejected, PolicyVersionTaken
from shared.auth import Principal
from shared.changes import Change, record_change
from shared.errors import InvalidParam
from shared.ids import new_id
from shared.outbox import EventPublisher
from shared.pagination import PageParams, split_page
from shared.schemas.common import Page
from shared.schemas.eligibility import PolicyRead

# Stored policies never change, so their parsed form can be kept by id.
_parsed: dict[str, PolicyDocument] = {}


def policy_read(policy: Policy) -> PolicyRead:
    """The wire form of a stored policy."""
    return PolicyRead(
        id=policy.id,
        partner_id=policy.partner_id,
        version=policy.version,
        effective_from=policy.effective_from,
        effective_to=policy.effective_to,
        tiers=[tier["id"] for tier in policy.document.get("tiers", [])],
        created_at=policy.created_at,
        created_by=policy.created_by,
        document=policy.document,
    )


def _document_data(document: PolicyDocument) -> dict[str, Any]:
    return document.model_dump(mode="json", by_alias=True, exclude_none=True)


async def upload_policy(
    session: AsyncSession, publisher: EventPublisher, actor: Principal, text: bytes, policy_format: PolicyFormat
) -> PolicyRead:
    """Validate and store a new policy version for the actor's partner; older versions stay as they were."""
    try:
        document = parse_policy(text, policy_format)
    except PolicyInvalid as error:
        raise PolicyRejected(
            f"The policy was rejected: {error}",
            invalid_params=[InvalidParam(name=p.location or "document", reason=p.message) for p in error.problems],
        ) from None
    if document.partner != actor.org:
        raise PolicyRejected(f"The policy names partner {document.partner}; set `partner: {actor.org}`.")
    latest = await repository.latest_version(session)
    if document.version <= latest:
        raise PolicyVersionTaken(
            f"Version {document.version} is not newer than your latest policy version {latest}; "
            f"upload it as version {latest + 1}."
        )
    policy = Policy(
        id=new_id(),
        partner_id=actor.org,
        version=document.version,
        effective_from=document.effective_from,
        effective_to=document.effective_to,
        document=_document_data(document),
        created_at=datetime.now(UTC),
        created_by=actor.subject,
    )
    await repository.add_policy(session, policy)
    _parsed[policy.id] = document
    await record_change(
        session,
        publisher,
        Change(actor, "policy", policy.id, "uploaded", partner_id=actor.org, detail={"version": document.version}),
    )
    return policy_read(policy)


async def list_policies(session: AsyncSession, page: PageParams) -> Page[PolicyRead]:
    """One page of the partner's policy versions, oldest first."""
    policies, cursor = split_page(await repository.list_policies(session, page), page, lambda p: p.id)
    return Page[PolicyRead](items=[policy_read(p) for p in policies], next_cursor=cursor)


async def read_policy(session: AsyncSession, version: int) -> PolicyRead:
    """One version of the partner's policy."""
    policy = await repository.get_policy_by_version(session, version)
    if policy is None:
        raise PolicyNotFound(f"Your organisation has no policy version {version}.")
    return policy_read(policy)


def default_policy_document(partner: str) -> dict[str, Any]:
    """The shipped default policy made out to a partner: a starting point to adapt and upload."""
    return _document_data(load_default_policy(partner))


def parsed_policy(policy: Policy) -> PolicyDocument:
    """The validated document of a stored policy."""
    if policy.id not in _parsed:
        _parsed[policy.id] = parse_policy_data(policy.document)
    return _parsed[policy.id]


async def policy_in_force(session: AsyncSession, on: date) -> tuple[Policy, PolicyDocument]:
    """The partner's policy in force on a day (the highest version whose dates include it)."""
    policy = await repository.policy_in_force(session, on)
    if policy is None:
        raise NoPolicyInForce(
            f"Your organisation has no tier policy in force on {on.isoformat()}; upload one "
            "(GET /v1/policies/default gives the shipped default as a starting point)."
        )
    return policy, parsed_policy(policy)
