"""What a token holder sees of their testimony: their consent, the versions to approve, and what is published."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.testimony.common.toolkit import Toolkit, utc_now
from services.testimony.consent import records
from services.testimony.consent.holders import TokenHolder
from services.testimony.public.service import is_live
from services.testimony.publication.service import list_for_testimony, to_read
from services.testimony.review import service as review
from shared.schemas.testimony import ConsentRecordRead, HolderPublicationRead, MyTestimonyRead


def asks_for_approval(record: ConsentRecordRead | None) -> bool:
    """Whether the consent in force asks its holder to approve every version before it is used."""
    if record is None or not record.active or not record.events:
        return False
    terms = record.events[-1].terms
    return terms is not None and any(conditions.approval_required for conditions in terms.grants.values())


async def read_my_testimony(session: AsyncSession, kit: Toolkit, holder: TokenHolder) -> MyTestimonyRead:
    """Everything the holder may see of their testimony (reads of the consent and versions are audited)."""
    record = await records.read_own_record(session, holder)
    derivatives = [] if holder.record is None else await review.list_for_subject(session, kit, holder)
    mine = {event.consent_version for event in record.events} if record is not None else set()
    now = utc_now()
    shown: list[HolderPublicationRead] = []
    for row in reversed(await list_for_testimony(session, holder.testimony.id)):
        live, read = is_live(row, now), to_read(kit, row)
        shown.append(
            HolderPublicationRead(
                publication_id=read.id,
                page_url=read.page_url,
                live=live,
                published_at=read.published_at,
                covered_until=read.covered_until,
                taken_down_at=read.taken_down_at,
                takedown_reason=read.takedown_reason,
                consent_versions=read.consent_versions,
                relies_on=next((v for v in read.consent_versions if v in mine), None),
                title=row.title if live else None,
                text=row.text if live else None,
                attribution=row.attribution if live else None,
            )
        )
    return MyTestimonyRead(
        testimony_id=holder.testimony.id,
        subject_ref=holder.subject_ref,
        submitted_at=holder.testimony.created_at,
        consent=record,
        approval_required=asks_for_approval(record),
        derivatives=derivatives,
        publications=shown,
    )
