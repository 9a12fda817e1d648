"""Key operations across services: status, master-key rotation as a resumable job, partner erasure."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.crypto import FieldCipher, RewrapProgress
from shared.keys.vault import KeyVault
from shared.plumbing import PlumbingTables


@dataclass(frozen=True)
class ServiceKeyStore:
    """One service's `partner_keys`, as an operation reaches it: its database and its cipher."""

    name: str
    sessionmaker: async_sessionmaker[AsyncSession]
    tables: PlumbingTables
    cipher: FieldCipher


@dataclass(frozen=True)
class PartnerKeys:
    """A partner's data keys in one service."""

    partner_id: str
    versions: int
    current_version: int
    destroyed: bool


@dataclass(frozen=True)
class ServiceKeyStatus:
    """Where one service's data keys stand: per master key, per partner, destroyed."""

    service: str
    live_by_master: dict[str, int]
    without_kek: int
    destroyed: int
    partners: list[PartnerKeys] = field(default_factory=list)


async def read_key_status(store: ServiceKeyStore) -> ServiceKeyStatus:
    """Count a service's data keys per master key id and per partner version."""
    t = store.tables.partner_keys
    async with store.sessionmaker() as session:
        live = t.c.wrapped_key.is_not(None)
        by_master = await session.execute(
            select(t.c.master_kid, func.count()).where(live).group_by(t.c.master_kid).order_by(t.c.master_kid)
        )
        without_kek = await session.execute(select(func.count()).select_from(t).where(live, t.c.kek_id.is_(None)))
        destroyed = await session.execute(select(func.count()).select_from(t).where(t.c.wrapped_key.is_(None)))
        per_partner = await session.execute(
            select(
                t.c.partner_id,
                func.count(),
                func.max(t.c.version),
                func.count(t.c.wrapped_key),
            )
            .group_by(t.c.partner_id)
            .order_by(t.c.partner_id)
        )
        return ServiceKeyStatus(
            service=store.name,
            live_by_master={kid: int(n) for kid, n in by_master.all()},
            without_kek=int(without_kek.scalar_one()),
            destroyed=int(destroyed.scalar_one()),
            partners=[
                PartnerKeys(partner, int(versions), int(current), destroyed=int(live_count) == 0)
                for partner, versions, current, live_count in per_partner.all()
            ],
        )


async def rotate_master_key(
    store: ServiceKeyStore, *, batch_size: int = 500, on_batch: Callable[[RewrapProgress], None] | None = None
) -> RewrapProgress:
    """Re-wrap every data key of a service under the current master key and its partner's KEK.

    Each batch commits on its own, so an interrupted run loses nothing and the next run continues with
    what is left. Returns the totals of this run.
    """
    rewrapped = erased = 0
    while True:
        async with store.sessionmaker() as session, session.begin():
            progress = await store.cipher.rewrap_batch(session, limit=batch_size)
        rewrapped, erased = rewrapped + progress.rewrapped, erased + progress.erased
        if on_batch is not None:
            on_batch(progress)
        if progress.remaining == 0 or progress.rewrapped + progress.erased == 0:
            return RewrapProgress(rewrapped=rewrapped, erased=erased, remaining=progress.remaining)


async def count_keys_to_rewrap(store: ServiceKeyStore) -> int:
    """How many of a service's data keys a master-key rotation still has to re-wrap (what a rerun will do)."""
    async with store.sessionmaker() as session:
        return await store.cipher.count_to_rewrap(session)


async def rotate_partner_key(store: ServiceKeyStore, partner_id: str) -> int:
    """Give a partner a new data key version in a service; new data uses it, old data stays readable."""
    async with store.sessionmaker() as session, session.begin():
        return await store.cipher.rotate_partner_key(session, partner_id)


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure destroyed: the partner's KEK, and its data keys per service."""

    partner_id: str
    kek_destroyed: bool
    data_keys_destroyed: dict[str, int]


async def erase_partner(vault: KeyVault, partner_id: str, stores: Sequence[ServiceKeyStore]) -> ErasureReport:
    """Erase a partner: destroy its KEK in the vault, then mark its data keys destroyed in each service.

    Destroying the KEK is the point of no return: from then on no service can unwrap the partner's data
    keys, including copies in database backups. Marking the services' keys follows so each service
    reads the partner as erased without asking the vault; a service that misses it (down, or restored
    from a backup later) still reads the partner as erased, and `carrots keys rotate-master` marks its
    keys when it meets them. A service that learns of an erasure otherwise (a registry change) reacts
    the same way in its own transaction: `FieldCipher.destroy_partner_keys`. Replicas may keep unwrapped
    keys cached for up to a minute. This function checks nothing about who asked: callers own the
    authorisation (two distinct operators, a typed confirmation) and its audit entry. Each app carries
    its vault as `app.state.key_vault` and its cipher as `app.state.cipher`.
    """
    kek_destroyed = await vault.destroy(partner_id)
    marked: dict[str, int] = {}
    for store in stores:
        async with store.sessionmaker() as session, session.begin():
            marked[store.name] = await store.cipher.destroy_partner_keys(session, partner_id)
    return ErasureReport(partner_id, kek_destroyed, marked)
