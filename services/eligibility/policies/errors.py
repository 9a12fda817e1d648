"""Errors of storing and reading tier policy versions, named after what happened."""

from __future__ import annotations

from shared.errors import Conflict, NotFound, Unprocessable


class PolicyRejected(Unprocessable):
    """A policy document failed validation; the problems say what to fix."""


class PolicyVersionTaken(Conflict):
    """The partner already has a policy with this version or a later one."""


class PolicyNotFound(NotFound):
    """No policy version with this number for the caller."""


class NoPolicyInForce(Conflict):
    """The partner has no policy in force on the assessment date."""
