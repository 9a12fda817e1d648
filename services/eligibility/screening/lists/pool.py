"""Screening processes: each keeps the index of the current lists, built once per list version, and screens there.

Matching is pure CPU. In the API's process it holds the GIL, and beside database work on the same event loop
the hand-over stalls requests for seconds; in processes of their own it runs on every core and the event loop
only sends subjects and receives hits. A list upload is read in one of them too, and that process keeps what
it read for the index of the same content and hands the others a pickled copy (so a list is parsed once per
upload, and never in the API's process).

`ScreeningPool(processes, document_key)` starts `processes` single-worker executors (spawned, so no thread or
lock of the API's process is inherited), each at a lower priority than the requests it must not slow down;
`document_key` must pickle (see `KeyedDocumentKey`). Without a pool (`processes=0`, the default in tests)
screening stays in process as before.
"""

from __future__ import annotations

import asyncio
import gc
import gzip
import hashlib
import io
import multiprocessing
import os
import pickle
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TypeVar

from services.eligibility.applicants.identity import document_key
from services.eligibility.screening.engine import (
    ListSource,
    SanctionsList,
    ScreeningError,
    ScreeningHit,
    ScreeningIndex,
    ScreeningSubject,
    ScreeningUnavailable,
    build_screening_index,
    parse_sanctions_list,
    screen_subject,
)
from services.eligibility.screening.engine.index import DocumentKey, plain_document_key

T = TypeVar("T")

Outcome = list[ScreeningHit] | None
# Which stored lists an index was built from: (source, list id) pairs, sorted.
ListsKey = tuple[tuple[str, str], ...]
# Screening processes run below the requests' priority.
_NICENESS = 5
# Parsed uploads a process keeps for the index that follows (a few, in case loads race).
_KEEP_PARSED = 3


@dataclass(frozen=True, slots=True)
class KeyedDocumentKey:
    """The service's keyed document hash as a value that pickles (a closure does not cross processes)."""

    blind_index_key: bytes

    def __call__(self, country: str, number: str) -> str:
        return document_key(self.blind_index_key)(country, number)


class ScreeningPoolFailed(ScreeningUnavailable):
    """A screening process died or holds another list version: the caller retries or fails closed."""


@dataclass(frozen=True, slots=True)
class ParsedUpload:
    """What the API needs of an uploaded list: its source, issue, size and the compressed copy to store."""

    source: str
    version: str
    entry_count: int
    packed: bytes
    # The list as read (pickled) and the digest of its content: the other processes index it without reading.
    digest: bytes = b""
    pickled: bytes = b""


# --- inside a screening process -------------------------------------------------------------------------------

_document_key: DocumentKey | None = None
_index: tuple[ListsKey, ScreeningIndex | None] | None = None
_parsed: dict[bytes, SanctionsList] = {}


def _start(key: DocumentKey) -> None:
    global _document_key
    _document_key = key
    os.nice(_NICENESS)


def _read(source: str, content: bytes, hints: Mapping[bytes, bytes]) -> SanctionsList:
    """The list of this content: as this process read it at upload, as another did (`hints`), or read now."""
    digest = hashlib.sha256(content).digest()
    parsed = _parsed.pop(digest, None)
    if parsed is not None:
        return parsed
    if digest in hints:
        # Pickled by a screening process of this pool from the very same content (the digest says so).
        read: SanctionsList = pickle.loads(hints[digest])  # noqa: S301
        return read
    return parse_sanctions_list(io.BytesIO(content), ListSource(source))


def _parse_upload(source: str, content: bytes) -> ParsedUpload:
    parsed = parse_sanctions_list(io.BytesIO(content), ListSource(source))
    while len(_parsed) >= _KEEP_PARSED:
        _parsed.pop(next(iter(_parsed)))
    digest = hashlib.sha256(content).digest()
    _parsed[digest] = parsed
    return ParsedUpload(
        parsed.source.value,
        parsed.version,
        len(parsed.entries),
        gzip.compress(content),
        digest,
        pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL),
    )


def _build(key: ListsKey, stored: Sequence[tuple[str, bytes]], hints: Mapping[bytes, bytes]) -> bool:
    """Index the stored lists (compressed); True when there is an index to screen against."""
    global _index
    _index = None
    gc.unfreeze()
    gc.collect()
    lists = [_read(source, gzip.decompress(content), hints) for source, content in stored]
    try:
        index = build_screening_index(lists, document_key=_document_key or plain_document_key) if lists else None
    except ScreeningUnavailable:
        index = None  # lists without a screenable person clear nobody: screening stays closed
    _index = (key, index)
    # The index lives until the next list version: out of the collector's sight, a screen's garbage is cheap.
    gc.freeze()
    return index is not None


def _screen(key: ListsKey, subjects: Sequence[ScreeningSubject]) -> list[Outcome]:
    if _index is None or _index[0] != key:
        raise ScreeningPoolFailed("this screening process holds another list version")
    outcomes: list[Outcome] = []
    for subject in subjects:
        try:
            outcomes.append(screen_subject(_index[1], subject))
        except ScreeningError:
            outcomes.append(None)
    return outcomes


# --- in the API's process -------------------------------------------------------------------------------------


class ScreeningPool:
    """Single-worker executors, so that each can be told to build the new index and be sent its share of work."""

    def __init__(self, processes: int, key: DocumentKey) -> None:
        self._key = key
        self._context = multiprocessing.get_context("spawn")
        self._executors = [self._executor() for _ in range(max(1, processes))]
        self._turn = 0
        # Lists read at upload, pickled, for the processes that did not read them (by content digest).
        self._hints: dict[bytes, bytes] = {}

    def _executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(1, mp_context=self._context, initializer=_start, initargs=(self._key,))

    @property
    def processes(self) -> int:
        """How many screening processes there are."""
        return len(self._executors)

    async def _call(self, number: int, function: Callable[..., T], *args: object) -> T:
        try:
            return await asyncio.wrap_future(self._executors[number].submit(function, *args))
        except BrokenProcessPool as error:
            # A dead process: a fresh one takes its place (and is told to build the index before it screens).
            self._executors[number] = self._executor()
            raise ScreeningPoolFailed("a screening process died") from error

    async def parse_upload(self, source: str, content: bytes) -> ParsedUpload:
        """Read an uploaded list in a screening process, which keeps it for the index built next."""
        self._turn = (self._turn + 1) % len(self._executors)
        parsed: ParsedUpload = await self._call(self._turn, _parse_upload, source, content)
        while len(self._hints) >= _KEEP_PARSED:
            self._hints.pop(next(iter(self._hints)))
        self._hints[parsed.digest] = parsed.pickled
        return parsed

    async def build(self, key: ListsKey, stored: Sequence[tuple[str, bytes]]) -> bool:
        """Have every process index the stored lists; True when there is an index to screen against."""
        hints = dict(self._hints) if len(self._executors) > 1 else {}
        built = await asyncio.gather(*(self._call(n, _build, key, stored, hints) for n in range(len(self._executors))))
        self._hints.clear()
        return all(built)

    async def screen(self, key: ListsKey, subjects: Sequence[ScreeningSubject]) -> list[Outcome]:
        """Screen subjects across the processes, in order; raises `ScreeningPoolFailed` when one cannot."""
        if not subjects:
            return []
        count = len(self._executors)
        share = -(-len(subjects) // count)
        chunks = [subjects[start : start + share] for start in range(0, len(subjects), share)]
        first = self._turn
        self._turn = (self._turn + 1) % count
        parts = await asyncio.gather(
            *(self._call((first + n) % count, _screen, key, list(chunk)) for n, chunk in enumerate(chunks))
        )
        return [outcome for part in parts for outcome in part]

    def close(self) -> None:
        """Stop the processes (work under way is abandoned)."""
        for executor in self._executors:
            executor.shutdown(wait=False, cancel_futures=True)
