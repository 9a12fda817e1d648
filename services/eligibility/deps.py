"""Eligibility dependency aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.eligibility.service import Crypto


def crypto(request: Request) -> Crypto:
    return Crypto(
        cipher=request.app.state.cipher,
        blind_index_key=request.app.state.blind_index_key,
    )


CryptoDep = Annotated[Crypto, Depends(crypto)]
