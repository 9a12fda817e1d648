"""Record ids: UUID version 7, so ids sort by creation time and serve as pagination keys."""

from __future__ import annotations

import os
import time
import uuid


def new_id() -> str:
    """A new UUIDv7 (RFC 9562) as a string: 48 bits of Unix milliseconds, then randomness."""
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return str(uuid.UUID(int=value))


_RAND_62 = (1 << 62) - 1


def new_ids(count: int) -> list[str]:
    """`count` new UUIDv7 strings (as `new_id` makes them) from one clock reading and one random draw."""
    millis = time.time_ns() // 1_000_000
    prefix = ((millis & ((1 << 48) - 1)) << 80) | (0x7 << 76) | (0b10 << 62)
    pool = os.urandom(10 * count)
    ids: list[str] = []
    for offset in range(0, 10 * count, 10):
        rand = int.from_bytes(pool[offset : offset + 10], "big")
        h = f"{prefix | (((rand >> 62) & 0xFFF) << 64) | (rand & _RAND_62):032x}"
        ids.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return ids
