"""Assessments, maker-checker approvals, rejections and appeals."""
