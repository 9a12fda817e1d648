"""Testimony vocabularies (purposes, attributions, consent methods and events) and the strict body base."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

PurposeName = Literal["public_publication", "press", "partner_governments", "prosecutors"]
AttributionName = Literal["named", "anonymous"]
ConsentMethodName = Literal["electronic_form", "signed_paper_form", "recorded_verbal", "officer_witnessed"]
ConsentEventName = Literal["given", "narrowed", "renewed", "withdrawn"]
TakedownReasonName = Literal["withdrawn", "expired", "narrowed"]
SubjectRef = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="Pseudonymous reference of a person (`author`, or a family member's reference); never a name.",
    ),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
