"""Asylum errors, named after what happened (the case errors live in `cases.errors`)."""

from __future__ import annotations

from services.asylum.cases.errors import CaseNotFound

__all__ = ["CaseNotFound"]
