"""Eligibility: applicants, tier policies, assessments, approvals, screening and appeals."""
