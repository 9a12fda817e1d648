"""Tamper evidence: a hash chain over ledger records, signed checkpoints and an offline verifier."""
