"""What can go wrong with keys: erased, unknown, or a ciphertext that is not what it claims."""

from __future__ import annotations


class KeyDestroyed(Exception):
    """The partner's key was destroyed; the data it protected is erased."""


class MasterKeyUnknown(KeyDestroyed):
    """Data is wrapped under a master key this process is not configured with (retired, or missing)."""


class CiphertextInvalid(Exception):
    """A ciphertext was altered, or belongs to another partner, field or row."""
