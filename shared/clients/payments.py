"""Typed client of the payments service."""

from __future__ import annotations

from shared.http import ServiceClient
from shared.schemas.common import Page
from shared.schemas.payments import (
    AccountCreate,
    AccountRead,
    BalanceCheck,
    BankAccountRead,
    BankAccountSet,
    BankProfileRead,
    BankProfileSet,
    CheckpointKey,
    CheckpointRead,
    ContributionCreate,
    ContributionRead,
    DueRelease,
    ManualReleaseCreate,
    ManualReleaseRead,
    ObligationRead,
    PayoutCreate,
    PayoutRead,
    ReleaseResult,
    TransferRead,
    TrialBalance,
)


def _keyed(idempotency_key: str) -> dict[str, str]:
    return {"Idempotency-Key": idempotency_key}


class PaymentsClient(ServiceClient):
    """Calls payments' API with a partner's or an auditor's token."""

    async def create_account(self, body: AccountCreate) -> AccountRead:
        return await self.request("POST", "/v1/accounts", AccountRead, json=body)

    async def read_account(self, account_id: str) -> AccountRead:
        return await self.request("GET", f"/v1/accounts/{account_id}", AccountRead)

    async def record_contribution(self, body: ContributionCreate, *, idempotency_key: str) -> ContributionRead:
        return await self.request(
            "POST", "/v1/contributions", ContributionRead, json=body, headers=_keyed(idempotency_key)
        )

    async def read_transfer(self, transfer_id: str) -> TransferRead:
        return await self.request("GET", f"/v1/transfers/{transfer_id}", TransferRead)

    async def list_obligations(self, *, applicant_id: str | None = None, limit: int = 50) -> Page[ObligationRead]:
        params: dict[str, str | int] = {"limit": limit}
        if applicant_id:
            params["applicant_id"] = applicant_id
        return await self.request("GET", "/v1/obligations", Page[ObligationRead], params=params)

    async def request_manual_release(self, body: ManualReleaseCreate) -> ManualReleaseRead:
        return await self.request("POST", "/v1/manual-releases", ManualReleaseRead, json=body)

    async def approve_manual_release(self, release_id: str) -> ManualReleaseRead:
        return await self.request("POST", f"/v1/manual-releases/{release_id}/approval", ManualReleaseRead)

    async def read_manual_release(self, release_id: str) -> ManualReleaseRead:
        return await self.request("GET", f"/v1/manual-releases/{release_id}", ManualReleaseRead)

    async def release_due(self, body: DueRelease) -> ReleaseResult:
        return await self.request("POST", "/v1/obligations/release-due", ReleaseResult, json=body)

    async def set_bank_account(self, applicant_id: str, body: BankAccountSet) -> BankAccountRead:
        return await self.request("PUT", f"/v1/beneficiaries/{applicant_id}/bank-account", BankAccountRead, json=body)

    async def read_bank_profile(self) -> BankProfileRead:
        return await self.request("GET", "/v1/bank-profile", BankProfileRead)

    async def set_bank_profile(self, body: BankProfileSet) -> BankProfileRead:
        return await self.request("PUT", "/v1/bank-profile", BankProfileRead, json=body)

    async def create_payout(self, body: PayoutCreate, *, idempotency_key: str) -> PayoutRead:
        return await self.request("POST", "/v1/payouts", PayoutRead, json=body, headers=_keyed(idempotency_key))

    async def read_payout(self, payout_id: str) -> PayoutRead:
        return await self.request("GET", f"/v1/payouts/{payout_id}", PayoutRead)

    async def approve_payout(self, payout_id: str) -> PayoutRead:
        return await self.request("POST", f"/v1/payouts/{payout_id}/approvals", PayoutRead)

    async def execute_payout(self, payout_id: str, *, idempotency_key: str) -> PayoutRead:
        return await self.request(
            "POST", f"/v1/payouts/{payout_id}/execute", PayoutRead, headers=_keyed(idempotency_key)
        )

    async def read_checkpoint_key(self) -> CheckpointKey:
        return await self.request("GET", "/v1/ledger/checkpoint-key", CheckpointKey)

    async def list_checkpoints(self, partner_id: str) -> list[CheckpointRead]:
        return await self.request("GET", f"/v1/audit/partners/{partner_id}/checkpoints", list[CheckpointRead])

    async def read_trial_balance(self, partner_id: str) -> TrialBalance:
        return await self.request("GET", f"/v1/audit/partners/{partner_id}/trial-balance", TrialBalance)

    async def check_balances(self, partner_id: str) -> BalanceCheck:
        return await self.request("GET", f"/v1/audit/partners/{partner_id}/balance-check", BalanceCheck)
