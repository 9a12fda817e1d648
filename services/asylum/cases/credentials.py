"""The applicant's secret, the optional duress secret, and checking them without leaks.

Secrets are stored only as Argon2id hashes.  Every check costs exactly two Argon2
verifications (main and duress, or dummy hashes standing in for whatever is missing), so
an unknown reference, a wrong secret, the right secret and the duress secret all take the
same time.
"""

import secrets
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

import anyio
import anyio.to_thread
from argon2 import Parameters, PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from services.asylum.cases.errors import DuressSecretRejected
from services.asylum.cases.references import ALPHABET, normalise_reference_text

SECRET_LENGTH = 12
SECRET_GROUP_SIZE = 4
DURESS_MIN_LENGTH = 6
SECRET_MAX_LENGTH = 128

PRODUCTION_PARAMETERS: Parameters = profiles.RFC_9106_LOW_MEMORY


class LookupOutcome(StrEnum):
    """What a presented secret turned out to be."""

    GENUINE = "genuine"
    DURESS = "duress"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class StoredSecrets:
    """The hashes kept for one case: the applicant's secret and, if set, the duress one."""

    secret_hash: str
    duress_hash: str | None = None


def generate_applicant_secret() -> str:
    """Draw a new applicant secret (60 bits), in groups of four for reading aloud."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(SECRET_LENGTH))
    return "-".join(body[i : i + SECRET_GROUP_SIZE] for i in range(0, SECRET_LENGTH, SECRET_GROUP_SIZE))


def normalise_secret(text: str) -> str:
    """Fold a typed secret to one form: NFKC, no separators, upper case, look-alikes mapped."""
    # NFKC again at the end: removing separators can leave combining marks that now compose.
    return unicodedata.normalize("NFKC", normalise_reference_text(unicodedata.normalize("NFKC", text)))


def check_duress_secret(candidate: str) -> str:
    """Return the normalised duress secret, or raise `DuressSecretRejected` if unusable."""
    folded = normalise_secret(candidate)
    if len(folded) < DURESS_MIN_LENGTH:
        raise DuressSecretRejected(f"a duress secret needs at least {DURESS_MIN_LENGTH} letters or digits")
    if len(folded) > SECRET_MAX_LENGTH:
        raise DuressSecretRejected(f"a duress secret has at most {SECRET_MAX_LENGTH} letters or digits")
    return folded


class SecretHasher:
    """Hashes and checks applicant secrets with one fixed set of Argon2 parameters."""

    def __init__(self, parameters: Parameters = PRODUCTION_PARAMETERS) -> None:
        self._hasher = PasswordHasher.from_parameters(parameters)
        # Same parameters as real hashes, so checking against it costs the same time.
        self._dummy_hash = self._hasher.hash(secrets.token_hex(16))

    def hash_secret(self, secret: str) -> str:
        """Return the Argon2id hash of the normalised secret."""
        return self._hasher.hash(normalise_secret(secret))

    def hash_duress_secret(self, secret_hash: str, candidate: str) -> str:
        """Hash a usable duress secret, refusing one equal to the applicant's own secret."""
        folded = check_duress_secret(candidate)
        if self.verify_secret(secret_hash, folded):
            raise DuressSecretRejected("the duress secret must differ from the case secret")
        return self._hasher.hash(folded)

    def verify_secret(self, stored_hash: str | None, presented: str) -> bool:
        """Tell whether `presented` matches `stored_hash`; a missing hash costs the same."""
        candidate = normalise_secret(presented)[: SECRET_MAX_LENGTH * 2]
        target = stored_hash if stored_hash is not None else self._dummy_hash
        try:
            self._hasher.verify(target, candidate)
        except (VerificationError, InvalidHashError):
            return False
        return stored_hash is not None

    def check_lookup(self, stored: StoredSecrets | None, presented: str) -> LookupOutcome:
        """Classify a presented secret as genuine, duress or rejected in constant work."""
        secret_hash = stored.secret_hash if stored is not None else None
        duress_hash = stored.duress_hash if stored is not None else None
        # Both checks always run; short-circuiting would tell which one matched by timing.
        genuine = self.verify_secret(secret_hash, presented)
        duress = self.verify_secret(duress_hash, presented)
        if genuine:
            return LookupOutcome.GENUINE
        if duress:
            return LookupOutcome.DURESS
        return LookupOutcome.REJECTED


class BoundedHasher:
    """Runs a `SecretHasher` in worker threads, a few at a time, so Argon2's memory use stays bounded."""

    def __init__(self, hasher: SecretHasher, concurrency: int) -> None:
        self.hasher = hasher
        self._limiter = anyio.CapacityLimiter(concurrency)

    async def hash_secret(self, secret: str) -> str:
        """Hash a secret off the event loop."""
        return await anyio.to_thread.run_sync(self.hasher.hash_secret, secret, limiter=self._limiter)

    async def hash_duress_secret(self, secret_hash: str, candidate: str) -> str:
        """Check and hash a duress secret off the event loop."""
        return await anyio.to_thread.run_sync(
            self.hasher.hash_duress_secret, secret_hash, candidate, limiter=self._limiter
        )

    async def check_lookup(self, stored: StoredSecrets | None, presented: str) -> LookupOutcome:
        """Classify a presented secret off the event loop, in constant work."""
        return await anyio.to_thread.run_sync(self.hasher.check_lookup, stored, presented, limiter=self._limiter)
