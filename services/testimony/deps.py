"""Testimony dependency aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.testimony.common.toolkit import Toolkit
from shared.errors import may_answer


@may_answer(410)
async def toolkit(request: Request) -> Toolkit:
    """The keys, stores and settings the rules need."""
    kit: Toolkit = request.app.state.toolkit
    return kit


ToolkitDep = Annotated[Toolkit, Depends(toolkit)]
