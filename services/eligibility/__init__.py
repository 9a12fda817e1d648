"""Eligibility: applicants, tier policies, assessments, approvals, screening and appeals."""

# The ORM base first, then every domain's tables on it: a domain's models.py imports Base from here, so
# loading the whole set up front keeps that import working whichever module a caller imports first.
import services.eligibility.models  # noqa: F401
