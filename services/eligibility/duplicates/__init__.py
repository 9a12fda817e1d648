"""Duplicate documents across partners: found at registration, resolved by the later partner."""
