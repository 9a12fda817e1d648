"""Every service's view of the registry: a cached snapshot of the organisations the deployment serves.

The registry service owns the organisations. Each service keeps the latest snapshot in memory, fetched with a
token of its own and refreshed by the first request after each refresh interval with `If-None-Match`, so an
unchanged registry costs a 304 and a change (a suspension, say) reaches every replica within one interval. A
service that never obtained a snapshot, or whose snapshot is older than its allowed staleness, fails closed:
requests that need to know an organisation answer 503 rather than guessing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Protocol

import anyio
import httpx
import structlog

from shared.errors import InvalidParam, ProblemError
from shared.orgcodes import likely_code
from shared.schemas.registry import OrganisationKind, OrganisationRead, OrganisationStatus, RegistrySnapshot
from shared.servicekeys import ServiceIdentity

log = structlog.get_logger("carrots.registry")

REGISTRY_SERVICE = "registry"
READ_SCOPE = "registry:read"


class RegistryUnavailable(ProblemError):
    status, slug, title = 503, "registry-unavailable", "Organisation registry unavailable"


class UnknownOrganisation(ProblemError):
    status, slug, title = 422, "unknown-organisation", "Unknown or suspended organisation"


@dataclass(frozen=True)
class Organisation:
    """One organisation as the snapshot describes it."""

    code: str
    kind: OrganisationKind
    name: str
    status: OrganisationStatus
    issuer: str | None
    jwks_url: str | None
    currencies: frozenset[str]
    mandates: frozenset[str]

    @property
    def active(self) -> bool:
        """Whether its tokens are accepted and others may name it."""
        return self.status is OrganisationStatus.active

    @classmethod
    def from_read(cls, read: OrganisationRead) -> Organisation:
        """From the registry's wire form."""
        return cls(
            code=read.code,
            kind=read.kind,
            name=read.name,
            status=read.status,
            issuer=read.issuer,
            jwks_url=read.jwks_url,
            currencies=frozenset(read.currencies),
            mandates=frozenset(read.mandates),
        )


class SnapshotSource(Protocol):
    """Where snapshots come from."""

    async def fetch(self, etag: str | None) -> tuple[RegistrySnapshot, str | None] | None:
        """The current snapshot and its ETag, or None when it still matches `etag`."""


class HttpSnapshotSource:
    """Fetches `GET /v1/snapshot` from the registry service with this service's own token."""

    # A request may wait for this fetch: a registry that does not answer must not hold it long.
    timeout_seconds = 3.0

    def __init__(self, base_url: str, client: httpx.AsyncClient, identity: ServiceIdentity) -> None:
        self._url = base_url.rstrip("/") + "/v1/snapshot"
        self._client = client
        self._identity = identity

    async def fetch(self, etag: str | None) -> tuple[RegistrySnapshot, str | None] | None:
        """One conditional request."""
        headers = {"Authorization": f"Bearer {self._identity.issue_token(REGISTRY_SERVICE, [READ_SCOPE])}"}
        if etag:
            headers["If-None-Match"] = etag
        response = await self._client.get(self._url, headers=headers, timeout=self.timeout_seconds)
        if response.status_code == 304:
            return None
        response.raise_for_status()
        return RegistrySnapshot.model_validate_json(response.content), response.headers.get("etag")


def _index(snapshot: RegistrySnapshot) -> dict[str, Organisation]:
    return {read.code: Organisation.from_read(read) for read in snapshot.organisations}


class OrganisationDirectory:
    """The organisations this service knows of, refreshed from the registry; fails closed without them."""

    def __init__(
        self,
        source: SnapshotSource | None,
        *,
        refresh_seconds: float = 2.0,
        max_staleness_seconds: float | None = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = source
        self.refresh_seconds = refresh_seconds
        self._max_staleness = max_staleness_seconds
        self._clock = clock
        self._organisations: dict[str, Organisation] | None = None
        self._version: int | None = None
        self._etag: str | None = None
        self._fetched_at = 0.0
        self._attempted_at = 0.0
        self._lock = anyio.Lock()

    @classmethod
    def fixed(cls, snapshot: RegistrySnapshot) -> OrganisationDirectory:
        """A directory that always holds this snapshot (tools and tests that run without a registry service)."""
        directory = cls(None, max_staleness_seconds=None)
        directory._install(snapshot, None)
        return directory

    @property
    def version(self) -> int | None:
        """Version of the snapshot held, None before the first one."""
        return self._version

    def _install(self, snapshot: RegistrySnapshot, etag: str | None) -> None:
        self._organisations = _index(snapshot)
        self._version = snapshot.version
        self._etag = etag

    def _due(self) -> bool:
        return self._clock() - self._attempted_at >= self.refresh_seconds

    def _stale(self) -> bool:
        if self._source is None or self._max_staleness is None:
            return False
        return self._clock() - self._fetched_at > self._max_staleness

    async def refresh(self, *, only_if_due: bool = False) -> bool:
        """Ask the registry for a newer snapshot; True when it changed. Errors propagate."""
        if self._source is None:
            return False
        async with self._lock:
            # Whoever waited for the lock may find the snapshot just refreshed by the holder.
            if only_if_due and self._organisations is not None and not self._due():
                return False
            self._attempted_at = self._clock()
            fetched = await self._source.fetch(self._etag if self._organisations is not None else None)
            self._fetched_at = self._clock()
            if fetched is None:
                return False
            snapshot, etag = fetched
            changed = snapshot.version != self._version
            self._install(snapshot, etag)
        if changed:
            log.info("registry_snapshot_installed", version=snapshot.version, organisations=len(snapshot.organisations))
        return changed

    async def organisations(self) -> Mapping[str, Organisation]:
        """Every organisation by code, refreshed when the last look is `refresh_seconds` old; 503 without one.

        The refresh rides on requests rather than a background loop: one request per interval asks the registry
        (a 304 while nothing changed), the others meanwhile use the snapshot held. Only a request that has no
        current snapshot to use waits for the answer.
        """
        if self._source is not None and (self._organisations is None or self._due()):
            must_wait = self._organisations is None or self._stale()
            if must_wait or not self._lock.locked():
                try:
                    await self.refresh(only_if_due=True)
                except (httpx.HTTPError, ValueError) as exc:
                    log.warning("registry_refresh_failed", error=type(exc).__name__, version=self._version)
        if self._organisations is None or self._stale():
            raise RegistryUnavailable(
                "The registry of organisations cannot be reached, so no organisation can be checked; retry shortly."
            )
        return self._organisations

    async def find(self, code: str) -> Organisation | None:
        """The organisation with exactly this code, active or not."""
        return (await self.organisations()).get(code)

    async def require(
        self,
        code: str,
        *,
        field: str,
        kinds: Collection[OrganisationKind] = (OrganisationKind.partner,),
    ) -> Organisation:
        """The active organisation of one of `kinds` named by a request field; 422 naming the code otherwise."""
        known = await self.organisations()
        organisation = known.get(code)
        wanted = " or ".join(k.value for k in kinds)
        if organisation is None or organisation.kind not in kinds:
            guess = likely_code(code)
            hint = f" (did you mean {guess!r}?)" if guess in known else ""
            reason = f"{code!r} is not a registered {wanted}{hint}"
        elif not organisation.active:
            reason = f"{code!r} is suspended; nothing may be given to it until an operator reactivates it"
        else:
            return organisation
        raise UnknownOrganisation(
            f"{field}: {reason}.", invalid_params=[InvalidParam(name=f"body.{field}", reason=reason)]
        )
