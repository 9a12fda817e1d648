"""When a failed delivery is tried again, and when it is given up as dead."""

from __future__ import annotations

import random

# Seconds to wait after each failed attempt: 13 attempts over 75.7 hours (a little over three days) before
# a delivery is dead. Each wait is stretched by up to 20 % at random, never shortened, so receivers that
# failed together are not retried in one burst and the three days always hold.
RETRY_SCHEDULE: tuple[int, ...] = (
    5,
    30,
    2 * 60,
    10 * 60,
    30 * 60,
    3600,
    2 * 3600,
    4 * 3600,
    8 * 3600,
    12 * 3600,
    24 * 3600,
    24 * 3600,
)
MAX_ATTEMPTS = len(RETRY_SCHEDULE) + 1


def backoff_delay(attempts: int, *, scale: float = 1.0) -> float:
    """Seconds to wait after the `attempts`-th failed attempt: `RETRY_SCHEDULE`, stretched by up to 20 %."""
    step = RETRY_SCHEDULE[min(max(attempts, 1), len(RETRY_SCHEDULE)) - 1]
    return step * scale * random.uniform(1.0, 1.2)
