"""A service's cached registry snapshot: refreshed by requests once it is due, kept through outages, then refused."""

from __future__ import annotations

import pytest

from shared.registry import OrganisationDirectory, RegistryUnavailable
from shared.schemas.registry import RegistrySnapshot
from tests.harness import registry_snapshot


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Registry:
    """Answers like the registry service: the snapshot, or None (304) when the ETag still matches."""

    def __init__(self) -> None:
        self.snapshot = registry_snapshot(version=1)
        self.down = False
        self.asked_with: list[str | None] = []

    async def fetch(self, etag: str | None) -> tuple[RegistrySnapshot, str | None] | None:
        self.asked_with.append(etag)
        if self.down:
            raise ValueError("registry down")
        current = f'"{self.snapshot.version}"'
        return None if etag == current else (self.snapshot, current)


async def test_the_snapshot_is_asked_for_again_only_once_the_interval_passed_and_with_its_etag() -> None:
    clock, registry = Clock(), Registry()
    directory = OrganisationDirectory(registry, refresh_seconds=2, max_staleness_seconds=60, clock=clock)
    assert (await directory.find("DE")) is not None
    clock.now += 1
    await directory.find("DE")
    assert registry.asked_with == [None]
    clock.now += 1.5
    await directory.find("DE")
    assert registry.asked_with == [None, '"1"']


async def test_a_change_is_installed_at_the_next_due_request() -> None:
    clock, registry = Clock(), Registry()
    directory = OrganisationDirectory(registry, refresh_seconds=2, max_staleness_seconds=60, clock=clock)
    assert (await directory.find("PL")).active  # type: ignore[union-attr]
    registry.snapshot = registry_snapshot(suspended=("PL",), version=2)
    clock.now += 2
    assert not (await directory.find("PL")).active  # type: ignore[union-attr]
    assert directory.version == 2


async def test_an_outage_keeps_the_snapshot_until_it_is_too_old_then_fails_closed() -> None:
    clock, registry = Clock(), Registry()
    directory = OrganisationDirectory(registry, refresh_seconds=2, max_staleness_seconds=60, clock=clock)
    await directory.find("DE")
    registry.down = True
    clock.now += 30
    assert (await directory.find("DE")) is not None
    clock.now += 31
    with pytest.raises(RegistryUnavailable):
        await directory.find("DE")
    registry.down = False
    clock.now += 2
    assert (await directory.find("DE")) is not None


async def test_without_any_snapshot_every_lookup_fails_closed() -> None:
    registry = Registry()
    registry.down = True
    directory = OrganisationDirectory(registry, refresh_seconds=2, clock=Clock())
    with pytest.raises(RegistryUnavailable):
        await directory.find("DE")
