"""Asylum dependency aliases."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request

from services.asylum.applicant.throttle import ThrottlePolicy
from services.asylum.cases.credentials import BoundedHasher
from services.asylum.cases.service import AsylumTools
from services.asylum.config import AsylumSettings
from shared.crypto import FieldCipher
from shared.errors import may_answer
from shared.outbox import EventPublisher


@may_answer(410)
async def asylum_tools(request: Request) -> AsylumTools:
    """The publisher, secret hasher and field cipher of this app."""
    state = request.app.state
    return AsylumTools(publisher=state.publisher, hasher=state.secret_hasher, cipher=state.cipher)


async def event_publisher(request: Request) -> EventPublisher:
    """The app's outbox publisher."""
    publisher: EventPublisher = request.app.state.publisher
    return publisher


@may_answer(410)
async def field_cipher(request: Request) -> FieldCipher:
    """The app's field cipher."""
    cipher: FieldCipher = request.app.state.cipher
    return cipher


async def secret_hasher(request: Request) -> BoundedHasher:
    """The app's secret hasher."""
    hasher: BoundedHasher = request.app.state.secret_hasher
    return hasher


ToolsDep = Annotated[AsylumTools, Depends(asylum_tools)]
CipherDep = Annotated[FieldCipher, Depends(field_cipher)]
HasherDep = Annotated[BoundedHasher, Depends(secret_hasher)]
PublisherDep = Annotated[EventPublisher, Depends(event_publisher)]


async def throttle_policy(request: Request) -> ThrottlePolicy:
    """Throttling rules of the applicant's lookups, keyed with the app's blind-index key."""
    settings: AsylumSettings = request.app.state.asylum_settings
    return ThrottlePolicy(
        key=request.app.state.blind_index_key,
        window=timedelta(seconds=settings.lookup_window_seconds),
        max_per_reference=settings.lookup_max_failures_per_reference,
        lockout=timedelta(seconds=settings.lookup_lockout_seconds),
        free_per_client=settings.lookup_free_failures_per_client,
        failure_delay=settings.lookup_failure_delay_seconds,
        max_failure_delay=settings.lookup_max_failure_delay_seconds,
    )


ThrottleDep = Annotated[ThrottlePolicy, Depends(throttle_policy)]
