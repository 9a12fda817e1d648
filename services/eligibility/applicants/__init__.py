"""Applicants: intake one by one, evidence, family links and duplicate documents across partners."""
