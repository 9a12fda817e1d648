"""Errors of assessments, their approval and appeals, named after what happened."""

from __future__ import annotations

from shared.errors import Conflict, Forbidden, NotFound


class AssessmentNotFound(NotFound):
    """No assessment with this id for the caller."""


class AssessmentNotPending(Conflict):
    """The assessment is no longer waiting for approvals."""


class AssessorCannotApprove(Forbidden):
    """Maker-checker: whoever assessed may not approve or reject."""


class ApproverAlreadySigned(Conflict):
    """This approver has already approved the assessment."""


class ApprovalBlocked(Conflict):
    """Something outside the assessment (duplicates, screening) still blocks approval."""


class AppealNotAllowed(Conflict):
    """The assessment cannot be appealed in its state."""


class AppealNotFound(NotFound):
    """No appeal with this id for the caller."""


class AppealAssessorNotIndependent(Forbidden):
    """The appeal must be assessed by someone other than the first assessor."""
