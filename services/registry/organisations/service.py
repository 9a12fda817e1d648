"""The registry's rules: who may be registered, how organisations change, and the snapshot services cache."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.models import Organisation, OrganisationChange
from services.registry.organisations import repository
from services.registry.organisations.errors import (
    OrganisationAlreadyRegistered,
    OrganisationInvalid,
    OrganisationNotFound,
    StatusUnchanged,
)
from shared.auth import Principal
from shared.changes import Change, record_change
from shared.db import lock_for_transaction
from shared.errors import InvalidParam
from shared.orgcodes import likely_code
from shared.outbox import EventPublisher
from shared.pagination import PageParams, split_page
from shared.plumbing import PlumbingTables
from shared.schemas.common import Page
from shared.schemas.registry import (
    OrganisationChangeRead,
    OrganisationCreate,
    OrganisationKind,
    OrganisationRead,
    OrganisationStatus,
    OrganisationUpdate,
    RegistrySnapshot,
)

# Writers take this lock, so history ids are handed out in commit order and a snapshot never skips a change.
WRITE_LOCK = "registry:organisations"
EDITABLE = ("name", "issuer", "jwks_url", "currencies", "mandates")


@dataclass(frozen=True)
class RegistryTools:
    """What the rules need besides the session."""

    tables: PlumbingTables
    publisher: EventPublisher
    # In production every organisation must name its identity provider: there is no development key to fall back on.
    require_identity_provider: bool


def to_read(organisation: Organisation) -> OrganisationRead:
    """The wire form of an organisation."""
    return OrganisationRead(
        code=organisation.code,
        kind=OrganisationKind(organisation.kind),
        name=organisation.name,
        status=OrganisationStatus(organisation.status),
        issuer=organisation.issuer,
        jwks_url=organisation.jwks_url,
        currencies=list(organisation.currencies),
        mandates=list(organisation.mandates),
        revision=organisation.revision,
        created_at=organisation.created_at,
        updated_at=organisation.updated_at,
    )


def _change_read(change: OrganisationChange) -> OrganisationChangeRead:
    return OrganisationChangeRead(
        id=change.id,
        code=change.code,
        action=change.action,
        at=change.at,
        actor_org=change.actor_org,
        actor_kind=change.actor_kind,
        actor_subject=change.actor_subject,
        changes=dict(change.changes),
        reason=change.reason,
    )


def _invalid(field: str, reason: str) -> OrganisationInvalid:
    return OrganisationInvalid(
        f"{field}: {reason}.", invalid_params=[InvalidParam(name=f"body.{field}", reason=reason)]
    )


async def _check_fields(
    session: AsyncSession, tools: RegistryTools, kind: OrganisationKind, values: dict[str, Any]
) -> None:
    if values["jwks_url"] is not None and values["issuer"] is None:
        raise _invalid("issuer", "the `iss` its identity provider writes is needed beside `jwks_url`")
    if tools.require_identity_provider and (values["jwks_url"] is None or values["issuer"] is None):
        raise _invalid("jwks_url", "required in production with `issuer`: tokens are checked against its own keys")
    if kind is OrganisationKind.partner:
        if values["mandates"]:
            raise _invalid("mandates", "a partner has no mandates; NGOs and auditors do")
        if not values["currencies"]:
            raise _invalid("currencies", "a partner funds and pays in at least one currency")
    else:
        if values["currencies"]:
            raise _invalid("currencies", f"an {kind.value} holds no money; only partners list currencies")
        await _check_mandates(session, values["mandates"])


async def _check_mandates(session: AsyncSession, mandates: Sequence[str]) -> None:
    statuses = await repository.partner_codes(session, mandates)
    for position, code in enumerate(mandates):
        status = statuses.get(code)
        if status is None:
            guess = likely_code(code)
            hint = f" (did you mean {guess!r}?)" if guess and guess in statuses else ""
            reason = f"{code!r} is not a registered partner{hint}"
        elif status != OrganisationStatus.active:
            reason = f"{code!r} is suspended"
        else:
            continue
        raise OrganisationInvalid(
            f"mandates: {reason}.", invalid_params=[InvalidParam(name=f"body.mandates.{position}", reason=reason)]
        )


def _wire(value: Any) -> Any:
    return str(value) if value is not None and not isinstance(value, (str, list)) else value


async def _record(
    session: AsyncSession,
    tools: RegistryTools,
    actor: Principal,
    organisation: Organisation,
    action: str,
    changes: dict[str, Any],
    reason: str | None = None,
) -> None:
    now = datetime.now(UTC)
    await repository.add_change(
        session,
        OrganisationChange(
            code=organisation.code,
            action=action,
            at=now,
            actor_org=actor.org,
            actor_kind=actor.kind.value,
            actor_subject=actor.subject,
            changes=changes,
            reason=reason,
        ),
    )
    await record_change(
        session,
        tools.publisher,
        Change(
            actor,
            "organisation",
            organisation.code,
            action,
            partner_id=organisation.code if organisation.kind == OrganisationKind.partner else None,
            detail={"fields": sorted(changes)},
        ),
    )


async def create_organisation(
    session: AsyncSession, tools: RegistryTools, actor: Principal, body: OrganisationCreate
) -> OrganisationRead:
    """Register an organisation; 409 when the code is taken, 422 naming any field that cannot be."""
    await lock_for_transaction(session, WRITE_LOCK)
    if await repository.get_organisation(session, body.code) is not None:
        raise OrganisationAlreadyRegistered(f"An organisation with code {body.code!r} is already registered.")
    values = {field: _wire(getattr(body, field)) for field in EDITABLE}
    await _check_fields(session, tools, body.kind, values)
    now = datetime.now(UTC)
    organisation = Organisation(
        code=body.code,
        kind=body.kind.value,
        status=OrganisationStatus.active.value,
        revision=1,
        created_at=now,
        updated_at=now,
        **values,
    )
    await repository.add_organisation(session, organisation)
    changes = {"kind": {"before": None, "after": body.kind.value}, "status": {"before": None, "after": "active"}}
    changes |= {field: {"before": None, "after": value} for field, value in values.items()}
    await _record(session, tools, actor, organisation, "created", changes)
    return to_read(organisation)


async def _locked(session: AsyncSession, code: str) -> Organisation:
    await lock_for_transaction(session, WRITE_LOCK)
    organisation = await repository.get_organisation_for_update(session, code)
    if organisation is None:
        raise OrganisationNotFound(f"No organisation is registered with code {code!r}.")
    return organisation


async def update_organisation(
    session: AsyncSession, tools: RegistryTools, actor: Principal, code: str, body: OrganisationUpdate
) -> OrganisationRead:
    """Change an organisation's name, identity provider, currencies or mandates; unchanged fields are not recorded."""
    organisation = await _locked(session, code)
    given = body.model_dump(exclude_unset=True, mode="json")
    current = {field: getattr(organisation, field) for field in EDITABLE}
    proposed = {**current, **{field: _wire(given[field]) for field in given if field in EDITABLE}}
    changes = {
        field: {"before": current[field], "after": proposed[field]}
        for field in EDITABLE
        if proposed[field] != current[field]
    }
    if not changes:
        return to_read(organisation)
    await _check_fields(session, tools, OrganisationKind(organisation.kind), proposed)
    for field, value in proposed.items():
        setattr(organisation, field, value)
    organisation.revision += 1
    organisation.updated_at = datetime.now(UTC)
    await session.flush()
    await _record(session, tools, actor, organisation, "updated", changes)
    return to_read(organisation)


async def change_status(
    session: AsyncSession,
    tools: RegistryTools,
    actor: Principal,
    code: str,
    status: OrganisationStatus,
    reason: str,
) -> OrganisationRead:
    """Suspend or reactivate an organisation; 409 when it already has that status."""
    organisation = await _locked(session, code)
    if organisation.status == status.value:
        raise StatusUnchanged(f"Organisation {code!r} is already {status.value}.")
    changes = {"status": {"before": organisation.status, "after": status.value}}
    organisation.status = status.value
    organisation.revision += 1
    organisation.updated_at = datetime.now(UTC)
    await session.flush()
    action = "suspended" if status is OrganisationStatus.suspended else "reactivated"
    await _record(session, tools, actor, organisation, action, changes, reason)
    return to_read(organisation)


async def read_organisation(session: AsyncSession, code: str) -> OrganisationRead:
    """One organisation; 404 when no such code is registered."""
    organisation = await repository.get_organisation(session, code)
    if organisation is None:
        raise OrganisationNotFound(f"No organisation is registered with code {code!r}.")
    return to_read(organisation)


async def list_organisations(
    session: AsyncSession, page: PageParams, kind: OrganisationKind | None, status: OrganisationStatus | None
) -> Page[OrganisationRead]:
    """One page of organisations, by code."""
    rows = await repository.list_organisations(
        session, page, kind.value if kind else None, status.value if status else None
    )
    items, cursor = split_page(rows, page, lambda o: o.code)
    return Page(items=[to_read(o) for o in items], next_cursor=cursor)


async def list_history(session: AsyncSession, code: str, page: PageParams) -> Page[OrganisationChangeRead]:
    """One page of an organisation's history, oldest first; 404 for a code never registered."""
    if await repository.get_organisation(session, code) is None:
        raise OrganisationNotFound(f"No organisation is registered with code {code!r}.")
    rows = await repository.list_changes(session, code, page)
    items, cursor = split_page(rows, page, lambda c: c.id)
    return Page(items=[_change_read(c) for c in items], next_cursor=cursor)


async def snapshot(session: AsyncSession) -> tuple[RegistrySnapshot, str]:
    """Every organisation and the registry's version, with a strong ETag of exactly this content."""
    version = await repository.latest_change_id(session)
    body = RegistrySnapshot(
        version=version, organisations=[to_read(o) for o in await repository.all_organisations(session)]
    )
    digest = hashlib.sha256(body.model_dump_json().encode()).hexdigest()[:32]
    return body, f'"{digest}"'
