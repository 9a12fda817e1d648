"""Asylum dependency aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.asylum.cases.credentials import SecretHasher
from services.asylum.config import AsylumSettings
from services.asylum.service import AsylumTools
from shared.crypto import FieldCipher


def asylum_tools(request: Request) -> AsylumTools:
    """The publisher, secret hasher and field cipher of this app."""
    state = request.app.state
    return AsylumTools(publisher=state.publisher, hasher=state.secret_hasher, cipher=state.cipher)


def field_cipher(request: Request) -> FieldCipher:
    """The app's field cipher."""
    cipher: FieldCipher = request.app.state.cipher
    return cipher


def asylum_settings(request: Request) -> AsylumSettings:
    """The app's settings."""
    settings: AsylumSettings = request.app.state.asylum_settings
    return settings


def secret_hasher(request: Request) -> SecretHasher:
    """The app's secret hasher."""
    hasher: SecretHasher = request.app.state.secret_hasher
    return hasher


ToolsDep = Annotated[AsylumTools, Depends(asylum_tools)]
CipherDep = Annotated[FieldCipher, Depends(field_cipher)]
SettingsDep = Annotated[AsylumSettings, Depends(asylum_settings)]
HasherDep = Annotated[SecretHasher, Depends(secret_hasher)]
