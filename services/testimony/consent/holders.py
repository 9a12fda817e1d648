"""Who acts with a token instead of a login: the author (submission token) or a consenting person (withdrawal token)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.testimony.common.toolkit import token_holder
from services.testimony.consent import repository
from services.testimony.consent.models import ConsentRecord
from services.testimony.errors import ConsentNotYetGiven, TokenNotRecognised
from services.testimony.intake.service import find_submission_token, find_testimony
from services.testimony.models import Testimony
from services.testimony.signing.tokens import hash_token
from shared.auth import Principal
from shared.tenancy import scope_to_tenant

AUTHOR = "author"


# Audited and announced as `consent.<event>` on the consent record's id; the terms never leave the chain.
CONSENT = "consent"


@dataclass(frozen=True)
class TokenHolder:
    """Someone acting with a token instead of a login: on which testimony, as whom, and through which token.

    A submission token, once it has brought its testimony in, opens that testimony for its author; a withdrawal
    token opens the one consent it was handed out with. `record` is `None` until a consent was first given.
    """

    testimony: Testimony
    subject_ref: str
    record: ConsentRecord | None
    via: str

    @property
    def principal(self) -> Principal:
        """The token holder as the audit log records them."""
        return token_holder(self.testimony.partner_id, self.via)

    def require_record(self) -> ConsentRecord:
        """The holder's consent record, or a refusal saying no consent was ever given."""
        if self.record is None:
            raise ConsentNotYetGiven("No consent has been given for this testimony yet; give it first.")
        return self.record


NOT_RECOGNISED = (
    "The token is not valid: use the submission token your testimony was sent with, or the withdrawal token "
    "you received when you gave consent."
)


async def find_holder(session: AsyncSession, token_hash: str) -> TokenHolder:
    """Whom a token (by its hash) lets act, with the session scoped to their partner, or 401."""
    record = await repository.find_record_by_token(session, token_hash)
    if record is not None:
        scope_to_tenant(session, record.partner_id)
        return TokenHolder(await find_testimony(session, record.testimony_id), record.subject_ref, record, CONSENT)
    submission = await find_submission_token(session, token_hash)
    if submission is None or submission.testimony_id is None:
        raise TokenNotRecognised(NOT_RECOGNISED)
    scope_to_tenant(session, submission.partner_id)
    testimony = await find_testimony(session, submission.testimony_id)
    own = await repository.find_record_for_subject(session, testimony.id, AUTHOR)
    return TokenHolder(testimony, AUTHOR, own, "submission")


async def find_holder_by_token(session: AsyncSession, token: str) -> TokenHolder:
    """Whom a token lets act, or 401."""
    return await find_holder(session, hash_token(token))
