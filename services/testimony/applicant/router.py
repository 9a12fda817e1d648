"""The token holder's view of their testimony, over the JSON API (the `/my-testimony` page shows the same)."""

from __future__ import annotations

from fastapi import APIRouter

from services.testimony.applicant import service
from services.testimony.consent.holders import find_holder_by_token
from services.testimony.deps import ToolkitDep
from shared.auth import public
from shared.deps import SessionDep
from shared.errors import problem_responses
from shared.schemas.testimony import MyTestimonyQuery, MyTestimonyRead

router = APIRouter(tags=["consent"])


@router.post(
    "/public/my-testimony",
    response_model=MyTestimonyRead,
    responses=problem_responses(401, 422),
    **public(
        "the applicant has no account: the submission token his testimony came with, or his withdrawal token, "
        "travels in the body and shows him his own testimony only"
    ),
)
async def read_my_testimony(body: MyTestimonyQuery, session: SessionDep, kit: ToolkitDep) -> MyTestimonyRead:
    """Show the token holder their consent, the versions awaiting their answer, and what is published under it."""
    holder = await find_holder_by_token(session, body.token)
    return await service.read_my_testimony(session, kit, holder)
