"""Auditor views: entries, trial balance, statements, balance checks, exports and checkpoints."""
