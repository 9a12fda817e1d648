"""Eligibility errors, named after what happened."""

from __future__ import annotations

from shared.errors import Conflict, Forbidden, NotFound, Unprocessable


class ApplicantNotFound(NotFound):
    """No applicant with this id for the caller (other partners' applicants look the same)."""


class MainApplicantMissing(Unprocessable):
    """A family member was registered without a main applicant of the same partner."""


class DuplicateConflictNotFound(NotFound):
    """No duplicate conflict with this reference that concerns the caller."""


class DuplicateAlreadyResolved(Conflict):
    """The duplicate conflict was resolved before."""


class PolicyRejected(Unprocessable):
    """A policy document failed validation; the problems say what to fix."""


class PolicyVersionTaken(Conflict):
    """The partner already has a policy with this version or a later one."""


class PolicyNotFound(NotFound):
    """No policy version with this number for the caller."""


class NoPolicyInForce(Conflict):
    """The partner has no policy in force on the assessment date."""


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


class IntakeJobNotFound(NotFound):
    """No intake job with this id for the caller."""


class RescreeningJobNotFound(NotFound):
    """No re-screening job with this id."""


class IntakeUploadUnreadable(Unprocessable):
    """The bulk upload is empty, too large or not in the announced format."""


class SanctionsListRejected(Unprocessable):
    """A sanctions list upload could not be read."""


class ScreeningHitNotFound(NotFound):
    """No screening hit with this id for the caller."""


class ScreeningHitNotOpen(Conflict):
    """The screening hit was already cleared or waived."""


class WaiverNotFound(NotFound):
    """No waiver with this id for the caller."""


class WaiverSelfApproval(Forbidden):
    """A waiver must be approved by someone other than its requester."""


class WaiverNotPending(Conflict):
    """The waiver was already approved."""


class CountryCodeUnknown(Unprocessable):
    """A citizenship or issuing country is not an ISO 3166-1 alpha-2 code."""


class ErasureConfirmationMismatch(Unprocessable):
    """The partner code typed to confirm an erasure is not the partner's code."""


class ErasureAlreadyRequested(Conflict):
    """A request to erase this partner already waits for its second operator."""


class PartnerAlreadyErased(Conflict):
    """The partner's keys were destroyed before; there is nothing left to erase."""


class ErasureRequestNotFound(NotFound):
    """No erasure request with this id."""


class ErasureNotPending(Conflict):
    """The erasure request was completed before."""


class ErasureSelfApproval(Forbidden):
    """The operator who asked for an erasure tried to approve it; a second operator must."""
