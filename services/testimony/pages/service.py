"""The rules behind `/my-testimony`: page sessions opened with a token, and the consent form in plain words.

A page session stores only a hash of the browser's session id and the hash of the token that opened it (the
hash the service already keeps), so neither the token nor the cookie can be read back from the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.testimony.common.toolkit import utc_now
from services.testimony.consent.domain import Attribution, ConsentMethod, Purpose
from services.testimony.consent.holders import CONSENT, TokenHolder, find_holder
from services.testimony.errors import TokenNotRecognised
from services.testimony.pages import repository
from services.testimony.pages.models import PageSession
from services.testimony.signing.tokens import hash_token
from shared.pages.i18n import N_
from shared.pages.security import FormGuard, session_key
from shared.pages.site import PageContext, PageForm
from shared.schemas.testimony import ConsentRecordRead, ConsentTermsModel, PurposeConditionsModel

# The notice the consent form shows; its version, with the reader's language, is recorded in every consent.
NOTICE_VERSION = "my-testimony-2026-12"
TOKEN_MAX = 200
PURPOSES: tuple[tuple[str, str, str], ...] = (
    (
        Purpose.PUBLIC_PUBLICATION.value,
        N_("Publish it on the programme's public page"),
        N_("Anyone in the world can read it there, for as long as you allow."),
    ),
    (
        Purpose.PRESS.value,
        N_("Give it to journalists"),
        N_("Journalists the programme works with may quote it in their reporting."),
    ),
    (
        Purpose.PARTNER_GOVERNMENTS.value,
        N_("Share it with partner governments"),
        N_("Governments that take part in the programme may read it."),
    ),
    (
        Purpose.PROSECUTORS.value,
        N_("Give it to prosecutors"),
        N_("Prosecutors investigating war crimes may use it as evidence."),
    ),
)


@dataclass
class ConsentForm:
    """The consent form as the applicant fills it in: one set of conditions for every use he allows."""

    purposes: list[str] = field(default_factory=list)
    named: bool = False
    face_obscured: bool = True
    voice_obscured: bool = True
    approval_required: bool = True
    embargo_until: date | None = None
    expires_on: date | None = None
    problems: list[str] = field(default_factory=list)

    def to_terms(self, language: str) -> ConsentTermsModel:
        """The consent terms this form asks for, as given through an electronic form in `language`."""
        conditions = PurposeConditionsModel(
            attribution=(Attribution.NAMED if self.named else Attribution.ANONYMOUS).value,
            face_obscured=self.face_obscured,
            voice_obscured=self.voice_obscured,
            approval_required=self.approval_required,
            embargo_until=None if self.embargo_until is None else _start_of(self.embargo_until),
            # "Until 1 June" means to the end of that day.
            expires_at=None if self.expires_on is None else _start_of(self.expires_on + timedelta(days=1)),
        )
        return ConsentTermsModel.model_validate(
            {
                "grants": {purpose: conditions for purpose in self.purposes},
                "notice_version": f"{NOTICE_VERSION}/{language}",
                "method": ConsentMethod.ELECTRONIC_FORM.value,
            }
        )


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _read_day(text: str, problems: list[str], message: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(message)
        return None


def read_consent_form(form: PageForm, today: date) -> ConsentForm:
    """Read the consent form, noting in plain words what must be corrected."""
    problems: list[str] = []
    known = {purpose for purpose, _, _ in PURPOSES}
    chosen = [purpose for purpose in form.choices("purpose") if purpose in known]
    if not chosen:
        problems.append(N_("Choose at least one use of your testimony."))
    embargo = _read_day(form.text("embargo_until", 10), problems, N_("Write the first day as a date, e.g. 2027-01-31."))
    expires = _read_day(form.text("expires_on", 10), problems, N_("Write the last day as a date, e.g. 2027-12-31."))
    if expires is not None and expires < today:
        problems.append(N_("The last day cannot be in the past."))
    if embargo is not None and expires is not None and expires < embargo:
        problems.append(N_("The last day must come after the first day."))
    return ConsentForm(
        purposes=chosen,
        named=form.text("attribution", 10) == Attribution.NAMED.value,
        face_obscured="face_obscured" in form.choices("conditions"),
        voice_obscured="voice_obscured" in form.choices("conditions"),
        approval_required="approval_required" in form.choices("conditions"),
        embargo_until=embargo,
        expires_on=expires,
        problems=problems,
    )


def form_from_record(record: ConsentRecordRead | None) -> ConsentForm:
    """The form pre-filled with the strictest conditions among the consent in force, so sending it narrows."""
    terms = None if record is None or not record.active or not record.events else record.events[-1].terms
    if terms is None:
        return ConsentForm(purposes=[Purpose.PUBLIC_PUBLICATION.value])
    grants = list(terms.grants.values())
    embargoes = [g.embargo_until for g in grants if g.embargo_until is not None]
    expiries = [g.expires_at for g in grants if g.expires_at is not None]
    return ConsentForm(
        purposes=[purpose for purpose, _, _ in PURPOSES if purpose in terms.grants],
        named=all(g.attribution == Attribution.NAMED.value for g in grants),
        face_obscured=any(g.face_obscured for g in grants),
        voice_obscured=any(g.voice_obscured for g in grants),
        approval_required=any(g.approval_required for g in grants),
        # Rounded to whole days towards the stricter side: later first day, earlier last day.
        embargo_until=None if not embargoes else _ceil_day(max(embargoes)),
        expires_on=None if not expiries else _ceil_day(min(expiries)) - timedelta(days=1),
    )


def _ceil_day(moment: datetime) -> date:
    day = moment.astimezone(UTC).date()
    return day if moment.astimezone(UTC).time() == time(0) else day + timedelta(days=1)


async def open_page_session(
    session: AsyncSession, page: PageContext, guard: FormGuard, token: str, minutes: int
) -> TokenHolder:
    """Check the token, then give the browser a new session that remembers only the token's hash."""
    token_hash = hash_token(token[:TOKEN_MAX])
    holder = await find_holder(session, token_hash)
    now = utc_now()
    await repository.delete_expired(session, now)
    await repository.delete_session(session, session_key(page.session_id))
    new_id = page.start_new_session(guard)
    row = PageSession(
        id=session_key(new_id), token_hash=token_hash, created_at=now, expires_at=now + timedelta(minutes=minutes)
    )
    await repository.add_session(session, row)
    return holder


async def find_page_holder(session: AsyncSession, page: PageContext) -> TokenHolder | None:
    """Whom this browser's page session acts for, if it has one that is still open."""
    if page.new_session:
        return None
    row = await repository.get_session(session, session_key(page.session_id), utc_now())
    if row is None:
        return None
    try:
        return await find_holder(session, row.token_hash)
    except TokenNotRecognised:
        await repository.delete_session(session, row.id)
        return None


async def follow_new_token(session: AsyncSession, page: PageContext, holder: TokenHolder, token: str) -> None:
    """After consent is given again, a session opened with the old withdrawal token follows the new one."""
    if holder.via != CONSENT:
        return
    row = await repository.get_session(session, session_key(page.session_id), utc_now())
    if row is not None:
        row.token_hash = hash_token(token)
        await session.flush()


async def close_page_session(session: AsyncSession, page: PageContext, guard: FormGuard) -> None:
    """Forget the page session and give the browser a fresh, empty one."""
    await repository.delete_session(session, session_key(page.session_id))
    page.start_new_session(guard)
