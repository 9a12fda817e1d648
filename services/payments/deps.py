"""Payments dependency aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.payments.config import PaymentsSettings
from services.payments.ledger.chain import CheckpointSigner
from shared.crypto import FieldCipher
from shared.errors import may_answer
from shared.outbox import EventPublisher


async def settings(request: Request) -> PaymentsSettings:
    """The payments settings of this app."""
    value: PaymentsSettings = request.app.state.settings
    return value


@may_answer(410)
async def cipher(request: Request) -> FieldCipher:
    """The field cipher that encrypts bank details."""
    value: FieldCipher = request.app.state.cipher
    return value


async def signer(request: Request) -> CheckpointSigner:
    """The key that signs chain checkpoints."""
    value: CheckpointSigner = request.app.state.checkpoint_signer
    return value


async def publisher(request: Request) -> EventPublisher:
    """The outbox publisher of this app."""
    value: EventPublisher = request.app.state.publisher
    return value


async def sessionmaker(request: Request) -> async_sessionmaker[AsyncSession]:
    """The session factory, for work that outlives the request's unit of work."""
    value: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    return value


SettingsDep = Annotated[PaymentsSettings, Depends(settings)]
CipherDep = Annotated[FieldCipher, Depends(cipher)]
SignerDep = Annotated[CheckpointSigner, Depends(signer)]
SessionMakerDep = Annotated[async_sessionmaker[AsyncSession], Depends(sessionmaker)]
PublisherDep = Annotated[EventPublisher, Depends(publisher)]
