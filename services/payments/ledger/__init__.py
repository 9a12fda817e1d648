"""The double-entry ledger: accounts, balanced transfers, immutable chained entries, checkpoints."""
