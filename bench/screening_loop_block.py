"""How long a sanctions list load stalls the event loop: parse inline (as before) or in a thread (as now).

Loads a generated list of N entries (default 20,000) the two ways while a ticker on the loop wakes every
10 ms, and prints the total time, the longest stall and the 99th percentile of the stalls.
Run: `python -m bench.screening_loop_block [N]`.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import random
import sys
import time
from collections.abc import Awaitable, Callable

from bench.screening_bench import generate_people, write_ofac_xml
from services.eligibility.screening.engine import ListSource, parse_sanctions_list, plain_document_key
from services.eligibility.screening.lists.service import build_index_from_stored


def _parse(content: bytes) -> int:
    return len(parse_sanctions_list(io.BytesIO(content), ListSource.OFAC_SDN).entries)


async def _ticker(stop: asyncio.Event, stalls: list[float]) -> None:
    last = time.perf_counter()
    while not stop.is_set():
        await asyncio.sleep(0.01)
        now = time.perf_counter()
        stalls.append(now - last - 0.01)
        last = now


async def _measure(name: str, work: Callable[[], Awaitable[None]]) -> None:
    stop, stalls = asyncio.Event(), [0.0]
    ticker = asyncio.create_task(_ticker(stop, stalls))
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    await work()
    elapsed = time.perf_counter() - started
    stop.set()
    await ticker
    stalls.sort()
    p99 = stalls[int(len(stalls) * 0.99)]
    print(f"{name:<34} total {elapsed:6.2f} s   longest stall {max(stalls) * 1000:7.0f} ms   p99 {p99 * 1000:6.0f} ms")


async def main(count: int) -> None:
    content = write_ofac_xml(generate_people(count, random.Random(7)))
    stored = [("ofac_sdn", gzip.compress(content))]

    async def before() -> None:
        _parse(content)  # the load request parsed the list on the loop to check it
        await asyncio.to_thread(build_index_from_stored, stored, plain_document_key)

    async def after() -> None:
        await asyncio.to_thread(_parse, content)
        await asyncio.to_thread(build_index_from_stored, stored, plain_document_key)

    async def check_only() -> None:
        await asyncio.to_thread(_parse, content)

    async def index_only() -> None:
        await asyncio.to_thread(build_index_from_stored, stored, plain_document_key)

    print(f"{count} entries, {len(content) / 1e6:.1f} MB of XML")
    await _measure("before: check inline, index in thread", before)
    await _measure("after: check and index in threads", after)
    await _measure("  of which the check", check_only)
    await _measure("  of which the index", index_only)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000))
