"""Tier policies: `engine/` is the pure policy language (document, facts, conditions, evaluation,
completeness, money); this package stores versions and serves them over the API."""
