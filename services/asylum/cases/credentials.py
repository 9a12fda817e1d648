"""The applicant's secret, the optional duress secret, and checking them without leaks.

Secrets are stored only as Argon2id hashes.  Every check costs exactly two Argon2
verifications (main and duress, or dummy hashes standing in for whatever is missing), so
an unknown reference, a wrong secret, the right secret and the duress secret all take the
same time.
"""

import asyncio
import contextlib
import math
import os
import secrets
import threading
import time
import unicodedata
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import TypeVar

from argon2 import Parameters, PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from services.asylum.cases.errors import DuressSecretRejected, HashingBusy
from services.asylum.cases.references import ALPHABET, normalise_reference_text

SECRET_LENGTH = 12
SECRET_GROUP_SIZE = 4
DURESS_MIN_LENGTH = 6
SECRET_MAX_LENGTH = 128

PRODUCTION_PARAMETERS: Parameters = profiles.RFC_9106_LOW_MEMORY
# The nice value of the hashing threads: a tenth of the CPU weight of a request's thread (nice 0), so hashing
# yields to requests yet still moves forward on a busy host (at 19 it would starve there).
HASHING_NICENESS = 10
T = TypeVar("T")


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


def _lower_priority() -> None:
    # Linux keeps a nice value per thread, and the threads Argon2 starts for its lanes inherit it: hashing then
    # gets a small share of the CPU while requests want it, so a burst of lookups cannot slow everything else.
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity), at least one."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class BoundedHasher:
    """Runs a `SecretHasher` off the event loop, a few hashes at a time at low priority, with a bounded queue.

    At most `concurrency` hashing jobs run at once (one per core by default: Argon2 is CPU and memory bound, more
    at once only adds memory and latency) and at most `queue` more wait (no limit when `None`); a job beyond
    that is refused at once with `HashingBusy` (503 with `Retry-After`) instead of piling up behind the others.
    The decision depends only on the load, never on the case, so an unknown reference and a known one are
    refused alike. The hashing threads run at a low priority, so hashing takes mostly the CPU that requests leave.
    """

    def __init__(self, hasher: SecretHasher, concurrency: int, queue: int | None = None) -> None:
        self.hasher = hasher
        self.concurrency = concurrency
        self.queue = queue
        self._executor = ThreadPoolExecutor(concurrency, thread_name_prefix="argon2", initializer=_lower_priority)
        self._guard = threading.Lock()
        self._admitted = 0
        # Seconds one job took lately (moving average), to tell a refused caller how long to wait.
        self._job_seconds = 0.5

    @property
    def admitted(self) -> int:
        """Jobs running or waiting now."""
        return self._admitted

    def retry_after(self) -> int:
        """Whole seconds until a slot is likely free: the jobs ahead, spread over the slots."""
        ahead = self._admitted / self.concurrency
        return max(1, math.ceil(ahead * self._job_seconds))

    def _admit(self) -> None:
        with self._guard:
            if self.queue is not None and self._admitted >= self.concurrency + self.queue:
                raise HashingBusy(
                    "Too many secret checks are waiting right now; nothing was checked or counted. Try again in "
                    "a few seconds.",
                    headers={"Retry-After": str(self.retry_after())},
                )
            self._admitted += 1

    def _timed(self, work: Callable[[], T]) -> T:
        started = time.perf_counter()
        try:
            return work()
        finally:
            elapsed = time.perf_counter() - started
            with self._guard:
                self._job_seconds = 0.8 * self._job_seconds + 0.2 * elapsed

    def _release(self, _: object) -> None:
        with self._guard:
            self._admitted -= 1

    async def _run(self, work: Callable[[], T]) -> T:
        self._admit()
        try:
            job = self._executor.submit(self._timed, work)
        except BaseException:
            self._release(None)
            raise
        # Released when the job ends, not when its caller stops waiting: a cancelled wait still holds the slot
        # while its hash runs.
        job.add_done_callback(self._release)
        return await asyncio.wrap_future(job)

    async def hash_secret(self, secret: str) -> str:
        """Hash a secret off the event loop."""
        return await self._run(partial(self.hasher.hash_secret, secret))

    async def hash_duress_secret(self, secret_hash: str, candidate: str) -> str:
        """Check and hash a duress secret off the event loop."""
        return await self._run(partial(self.hasher.hash_duress_secret, secret_hash, candidate))

    async def check_lookup(self, stored: StoredSecrets | None, presented: str) -> LookupOutcome:
        """Classify a presented secret off the event loop, in constant work (both verifications in one job)."""
        return await self._run(partial(self.hasher.check_lookup, stored, presented))

    def close(self) -> None:
        """Stop the hashing threads once the jobs already admitted are done."""
        self._executor.shutdown(wait=True, cancel_futures=False)
