"""Payments batch schemas: many ledger transfers in one request, each item booked whole or not at all.

A batch is applied in item order inside one database transaction. Each item is checked against the balances
the items before it left, and is either booked completely (its transfer, entries, balances, record, audit
entry and event) or not at all, with a problem saying why; a refused item never stops the others. The
`Idempotency-Key` of the request covers the whole batch: sent again with the same body it replays the first
answer, item results included, and books nothing more.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shared.errors import Problem
from shared.schemas.payments import ContributionCreate, ContributionRead, PayoutRead

MAX_BATCH_ITEMS = 1000


class ContributionBatchCreate(BaseModel):
    """Up to 1,000 contributions, booked in order; each one whole or not at all."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "funding_account_id": "0193a4b2-7c1e-7d3a-9b2f-4e5d6c7b8a90",
                            "amount_minor": 250000000,
                            "reference": "budget-2026-q4",
                        },
                        {
                            "funding_account_id": "0193a4b2-7c1e-7d3a-9b2f-4e5d6c7b8a91",
                            "amount_minor": 1200000,
                            "reference": "top-up-2026-12",
                        },
                    ]
                }
            ]
        },
    )
    items: list[ContributionCreate] = Field(
        min_length=1,
        max_length=MAX_BATCH_ITEMS,
        description="The contributions, booked in this order (1 to 1,000). Each is checked against the balances "
        "the items before it left.",
    )


class ContributionBatchItem(BaseModel):
    """What became of one contribution of a batch: booked (`status` 201, `contribution`) or refused (`problem`)."""

    index: int = Field(description="The item's position in the request, from 0.")
    status: int = Field(
        description="201 when booked; otherwise the status the same contribution alone would have answered "
        "(404 unknown funding account, 409 balance limit, 422 not a funding account)."
    )
    contribution: ContributionRead | None = Field(default=None, description="The booked contribution (201 only).")
    problem: Problem | None = Field(default=None, description="Why the item was refused (not 201 only).")


class ContributionBatchRead(BaseModel):
    """The outcome of a contribution batch, one result per item in request order."""

    booked: int = Field(description="How many items were booked.")
    refused: int = Field(description="How many items were refused; nothing of them was written.")
    items: list[ContributionBatchItem]


class PayoutBatchExecute(BaseModel):
    """Up to 1,000 approved payouts to execute, in order; each one whole or not at all."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"payout_ids": ["0193a4b2-7c1e-7d3a-9b2f-4e5d6c7b8a90", "0193a4b2-7c1e-7d3a-9b2f-4e5d6c7b8a91"]}
            ]
        },
    )
    payout_ids: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        min_length=1,
        max_length=MAX_BATCH_ITEMS,
        description="Payouts to execute, in this order (1 to 1,000 ids of at most 64 characters). Each is checked "
        "against the funding balances the items before it left.",
    )


class PayoutBatchItem(BaseModel):
    """What became of one payout of a batch: executed (`status` 200, `payout`) or refused (`problem`)."""

    index: int = Field(description="The item's position in the request, from 0.")
    status: int = Field(
        description="200 when executed; otherwise the status executing that payout alone would have answered "
        "(404 unknown payout, 409 not approved, already executed, obligation no longer due or funds too low, "
        "422 a rate that no longer applies)."
    )
    payout: PayoutRead | None = Field(default=None, description="The executed payout (200 only).")
    problem: Problem | None = Field(default=None, description="Why the item was refused (not 200 only).")


class PayoutBatchRead(BaseModel):
    """The outcome of a payout batch, one result per item in request order."""

    executed: int = Field(description="How many payouts were executed.")
    refused: int = Field(description="How many items were refused; nothing of them was written.")
    items: list[PayoutBatchItem]
