"""Bulk intake: CSV or JSON Lines uploads processed as jobs with a per-row report."""
