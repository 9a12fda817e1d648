"""Asylum wire schemas, one module per domain: cases, family, access, the applicant's lookup, reports.

Every name is re-exported here, so `from shared.schemas.asylum import CaseRead` keeps working.
"""

from shared.schemas.asylum.access import (
    AccessGrantCreate,
    AccessGrantRead,
    ApplicantAccessGrantCreate,
    ApplicantAccessGrantRevoke,
)
from shared.schemas.asylum.applicant import (
    CaseStatusView,
    DuressSecretSet,
    SharedCaseRead,
    StatusLookupRequest,
    StatusLookupResult,
)
from shared.schemas.asylum.cases import (
    AccessLevel,
    ApplicantSecretIssued,
    CaseCreate,
    CaseCreated,
    CaseHistoryEntryRead,
    CaseRead,
    CaseStateName,
    CaseTransfer,
    LanguageCode,
    RelationName,
    TrackName,
    TransitionCreate,
)
from shared.schemas.asylum.family import (
    DependantCreate,
    DependantDecisionCreate,
    DependantRead,
)
from shared.schemas.asylum.reports import (
    CaseStatistics,
    ProtectionAlertRead,
    SuppressibleCount,
    SuppressibleDays,
)

__all__ = [
    "AccessGrantCreate",
    "AccessGrantRead",
    "AccessLevel",
    "ApplicantAccessGrantCreate",
    "ApplicantAccessGrantRevoke",
    "ApplicantSecretIssued",
    "CaseCreate",
    "CaseCreated",
    "CaseHistoryEntryRead",
    "CaseRead",
    "CaseStateName",
    "CaseStatistics",
    "CaseStatusView",
    "CaseTransfer",
    "DependantCreate",
    "DependantDecisionCreate",
    "DependantRead",
    "DuressSecretSet",
    "LanguageCode",
    "ProtectionAlertRead",
    "RelationName",
    "SharedCaseRead",
    "StatusLookupRequest",
    "StatusLookupResult",
    "SuppressibleCount",
    "SuppressibleDays",
    "TrackName",
    "TransitionCreate",
]
