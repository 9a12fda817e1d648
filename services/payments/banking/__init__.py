"""Bank side of payouts: beneficiaries' bank accounts, pain.001 files out, camt.053 statements in."""
