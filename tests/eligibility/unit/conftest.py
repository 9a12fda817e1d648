"""Fixtures for the pure policy tests: the shipped default policy and an assessment date."""

from __future__ import annotations

import datetime as dt

import pytest

from services.eligibility.policies.engine.document import PolicyDocument
from services.eligibility.policies.engine.load import load_default_policy

ASSESSMENT_DATE = dt.date(2026, 11, 26)


@pytest.fixture
def default_policy() -> PolicyDocument:
    """The shipped default policy, made out to partner DE."""
    return load_default_policy("DE")
