"""Eligibility dependency aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.eligibility.applicants.service import Crypto
from services.eligibility.sanctions.service import ScreeningState
from shared.outbox import EventPublisher


def crypto(request: Request) -> Crypto:
    return Crypto(
        cipher=request.app.state.cipher,
        blind_index_key=request.app.state.blind_index_key,
    )


def screening_state(request: Request) -> ScreeningState:
    state: ScreeningState = request.app.state.screening
    return state


def publisher(request: Request) -> EventPublisher:
    events: EventPublisher = request.app.state.publisher
    return events


CryptoDep = Annotated[Crypto, Depends(crypto)]
ScreeningDep = Annotated[ScreeningState, Depends(screening_state)]
PublisherDep = Annotated[EventPublisher, Depends(publisher)]
