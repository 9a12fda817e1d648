"""Asylum case domain: life cycle, references, credentials, family, statistics and wording."""
