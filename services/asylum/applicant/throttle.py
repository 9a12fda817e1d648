"""Throttling of the applicant's calls: failures counted per reference and per client address, keyed.

A reference is locked out after too many failures in a window; a client address never is (many applicants
may share one), its failing answers only wait longer.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.asylum.applicant import repository
from services.asylum.applicant.models import LookupThrottle
from services.asylum.cases.references import normalise_reference_text


@dataclass(frozen=True)
class ThrottlePolicy:
    """Failures a reference may have in a window before a lockout, and how a failing client is slowed."""

    key: bytes
    window: timedelta
    max_per_reference: int
    lockout: timedelta
    free_per_client: int
    failure_delay: float
    max_failure_delay: float


@dataclass(frozen=True)
class Caller:
    """Who is knocking: the network client, and the reference and secret they typed."""

    client: str
    reference: str
    secret: str


def throttle_key(policy: ThrottlePolicy, kind: str, value: str) -> str:
    """The throttle row of one client address or typed reference."""
    # Keyed, so neither client addresses nor typed references are stored in clear.
    mac = hmac.new(policy.key, f"asylum-lookup:{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()
    return f"{kind}:{mac}"


def throttle_keys(policy: ThrottlePolicy, caller: Caller) -> tuple[str, str]:
    """The keyed throttle rows of a caller: its client address and the reference it typed."""
    return (
        throttle_key(policy, "client", caller.client),
        throttle_key(policy, "reference", normalise_reference_text(caller.reference)),
    )


def describe_lockout(seconds_left: int) -> str:
    """Say how long a locked-out applicant must wait, in whole minutes rounded up."""
    minutes = max(1, math.ceil(seconds_left / 60))
    wait = "1 minute" if minutes == 1 else f"{minutes} minutes"
    return f"Too many attempts. Wait {wait} before trying again, or ask your caseworker."


def failure_delay(policy: ThrottlePolicy, client_failures: int) -> float:
    """Seconds a failing answer waits, given the client's failures in the window (this one included).

    The first `free_per_client` are answered at once; each one after doubles the wait, up to the cap.
    """
    excess = client_failures - policy.free_per_client
    if excess <= 0:
        return 0.0
    return float(min(policy.max_failure_delay, policy.failure_delay * 2 ** min(excess - 1, 62)))


async def lockout_left(session: AsyncSession, reference_key: str, now: datetime) -> int | None:
    """Whole seconds until the reference's lockout ends, or None if none is in force."""
    rows = await repository.get_throttles(session, [reference_key])
    ends = [r.locked_until for r in rows if r.locked_until is not None and r.locked_until > now]
    return math.ceil((max(ends) - now).total_seconds()) if ends else None


async def count_in_window(session: AsyncSession, policy: ThrottlePolicy, key: str, now: datetime) -> LookupThrottle:
    """Add one failure to a throttle row, starting a new window if the last one ended."""
    row = await repository.lock_throttle_row(session, key, now)
    if row.window_started_at + policy.window < now:
        row.failures, row.window_started_at, row.locked_until = 0, now, None
    row.failures += 1
    return row


async def count_failure(session: AsyncSession, policy: ThrottlePolicy, keys: tuple[str, str], now: datetime) -> float:
    """Count a failure for the client and the reference; lock the reference at its limit.

    Returns how long the failing answer waits: the client's failures slow it, they never lock it out.
    """
    client = await count_in_window(session, policy, keys[0], now)
    reference = await count_in_window(session, policy, keys[1], now)
    if reference.failures >= policy.max_per_reference:
        reference.locked_until = now + policy.lockout
    await session.flush()
    return failure_delay(policy, client.failures)
