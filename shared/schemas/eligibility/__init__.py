"""Eligibility wire schemas, one module per domain: applicants, intake, policies, assessments, screening.

Every name is re-exported here, so `from shared.schemas.eligibility import ApplicantRead` keeps working.
"""

from shared.schemas.eligibility.applicants import (
    ApplicantCreate,
    ApplicantRead,
    BirthDateText,
    Category,
    Contact,
    ContactKind,
    DocumentRead,
    DuplicateConflictRead,
    DuplicateResolution,
    DuplicateStatus,
    Evidence,
    EvidenceUpdate,
    IdentityDocument,
    PersonName,
    ScreeningStatus,
    Script,
)
from shared.schemas.eligibility.assessments import (
    AppealCreate,
    AppealRead,
    ApprovalRead,
    AssessmentCreate,
    AssessmentRead,
    AssessmentStatus,
    BountyRead,
    ConditionTraceRead,
    EntitlementsRead,
    FamilyCoverageRead,
    RejectionCreate,
    StipendRead,
    TierTraceRead,
    TrancheRead,
)
from shared.schemas.eligibility.intake import (
    IntakeJobRead,
    IntakeRowReport,
)
from shared.schemas.eligibility.policies import (
    PolicyRead,
)
from shared.schemas.eligibility.screening import (
    RescreeningJobRead,
    SanctionsListRead,
    ScreeningHitRead,
    WaiverCreate,
    WaiverRead,
)

__all__ = [
    "AppealCreate",
    "AppealRead",
    "ApplicantCreate",
    "ApplicantRead",
    "ApprovalRead",
    "AssessmentCreate",
    "AssessmentRead",
    "AssessmentStatus",
    "BirthDateText",
    "BountyRead",
    "Category",
    "ConditionTraceRead",
    "Contact",
    "ContactKind",
    "DocumentRead",
    "DuplicateConflictRead",
    "DuplicateResolution",
    "DuplicateStatus",
    "EntitlementsRead",
    "Evidence",
    "EvidenceUpdate",
    "FamilyCoverageRead",
    "IdentityDocument",
    "IntakeJobRead",
    "IntakeRowReport",
    "PersonName",
    "PolicyRead",
    "RejectionCreate",
    "RescreeningJobRead",
    "SanctionsListRead",
    "ScreeningHitRead",
    "ScreeningStatus",
    "Script",
    "StipendRead",
    "TierTraceRead",
    "TrancheRead",
    "WaiverCreate",
    "WaiverRead",
]
