"""ISO 20022 bank files: pain.001 credit-transfer batches out, camt.053 statements in."""
