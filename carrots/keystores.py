"""What `carrots keys` does to the services' key stores: status, master-key rotation, partner-key rotation.

Each named service's store is opened from its usual <PREFIX>_* settings (development defaults filled in);
the services share one vault, so they must share its master keys too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from shared.keys import KeyVault, MasterKeys
    from shared.keys.operations import ServiceKeyStore


@asynccontextmanager
async def open_stores(
    names: list[str], var_dir: Path
) -> AsyncIterator[tuple[list[ServiceKeyStore], KeyVault, MasterKeys]]:
    """Each named service's key store, and the vault and master keys they share."""
    import importlib

    from carrots.registry import SERVICES
    from shared.crypto import FieldCipher
    from shared.db import make_engine, make_sessionmaker
    from shared.devkeys import with_dev_defaults
    from shared.keys import master_keys_from_settings, vault_from_settings
    from shared.keys.operations import ServiceKeyStore

    stores: list[ServiceKeyStore] = []
    shared: tuple[KeyVault, MasterKeys] | None = None
    async with AsyncExitStack() as stack:
        for name in names:
            settings = with_dev_defaults(SERVICES[name].settings(var_dir=var_dir))
            masters = master_keys_from_settings(settings)
            vault = vault_from_settings(settings, masters)
            if shared is not None and shared[1].current_kid != masters.current_kid:
                raise typer.BadParameter(
                    f"{name} encrypts with master key {masters.current_kid}, another service with "
                    f"{shared[1].current_kid}: the vault is shared, so every service needs the same master keys"
                )
            shared = shared or (vault, masters)
            engine = make_engine(settings.database_url)
            stack.push_async_callback(engine.dispose)
            tables = importlib.import_module(f"services.{name}.models").tables
            stores.append(ServiceKeyStore(name, make_sessionmaker(engine), tables, FieldCipher(tables, masters, vault)))
        assert shared is not None
        yield stores, shared[0], shared[1]


async def show_status(names: list[str], var_dir: Path) -> None:
    from shared.keys.operations import read_key_status

    async with open_stores(names, var_dir) as (stores, vault, masters):
        typer.echo(f"current master key: {masters.current_kid}")
        live: dict[str, set[str]] = {}
        for store in stores:
            found = await read_key_status(store)
            live[found.service] = {p.partner_id for p in found.partners if not p.destroyed}
            typer.echo(f"{found.service}:")
            per_master = ", ".join(f"{kid}: {n}" for kid, n in found.live_by_master.items()) or "none"
            typer.echo(f"  data keys per master key: {per_master}")
            typer.echo(f"  data keys wrapped by the master key alone (no vault KEK yet): {found.without_kek}")
            typer.echo(f"  destroyed data keys: {found.destroyed}")
            for partner in found.partners:
                state = "erased" if partner.destroyed else f"current version {partner.current_version}"
                typer.echo(f"  partner {partner.partner_id}: {partner.versions} version(s), {state}")
        typer.echo("vault:")
        entries = await vault.entries()
        erased = {e.partner_id for e in entries if e.destroyed_at is not None}
        for name, partners in live.items():
            if unmarked := sorted(partners & erased):
                typer.echo(
                    f"  {name} still holds data keys of erased partner(s) {', '.join(unmarked)}: useless without "
                    "their KEK; `carrots keys mark-erased CODE` marks them destroyed"
                )
        for entry in entries:
            if entry.destroyed_at is not None:
                typer.echo(f"  {entry.partner_id}: erased {entry.destroyed_at.isoformat()}")
            else:
                wrapped = f", wrapped by master key {entry.master_kid}" if entry.master_kid else ""
                typer.echo(f"  {entry.partner_id}: KEK {entry.kek_id}{wrapped}")
        if not entries:
            typer.echo("  no entries")


async def mark_erased(names: list[str], var_dir: Path, partner: str) -> None:
    async with open_stores(names, var_dir) as (stores, vault, _masters):
        if not await vault.erased(partner):
            typer.echo(
                f"partner {partner} is not erased in the vault; erase it first with `carrots keys erase-partner`",
                err=True,
            )
            raise typer.Exit(1)
        for store in stores:
            async with store.sessionmaker() as session, session.begin():
                marked = await store.cipher.destroy_partner_keys(session, partner)
            typer.echo(f"{store.name}: {marked} data key(s) of partner {partner} marked destroyed")


async def rotate_master(names: list[str], var_dir: Path, batch_size: int) -> None:
    from shared.crypto import MasterKeyUnknown, RewrapProgress
    from shared.keys.operations import count_keys_to_rewrap, rotate_master_key

    async with open_stores(names, var_dir) as (stores, vault, masters):
        for store in stores:
            total = await count_keys_to_rewrap(store)
            typer.echo(f"{store.name}: {total} data key(s) to re-wrap under master key {masters.current_kid}")
            handled = 0

            def report(batch: RewrapProgress, name: str = store.name, total: int = total) -> None:
                nonlocal handled
                handled += batch.rewrapped + batch.erased
                erased = f" ({batch.erased} of erased partners marked destroyed)" if batch.erased else ""
                typer.echo(f"{name}: {handled} of {total} done{erased}, {batch.remaining} left")

            try:
                done = await rotate_master_key(store, batch_size=batch_size, on_batch=report)
            except MasterKeyUnknown as exc:
                typer.echo(
                    f"{store.name}: a data key is wrapped under a master key this configuration lacks ({exc}); "
                    "keep the old key listed after the new one until every data key is re-wrapped, then run again",
                    err=True,
                )
                raise typer.Exit(1) from exc
            if done.remaining:
                typer.echo(f"{store.name}: {done.remaining} data key(s) left; run the command again", err=True)
                raise typer.Exit(1)
            typer.echo(f"{store.name}: every data key is under master key {masters.current_kid}")
        typer.echo(f"vault: re-wrapped {await vault.rewrap_entries()} entr(ies) under {masters.current_kid}")


async def rotate_partner(names: list[str], var_dir: Path, partner: str) -> None:
    from shared.keys.operations import rotate_partner_key

    async with open_stores(names, var_dir) as (stores, _vault, _masters):
        for store in stores:
            typer.echo(
                f"{store.name}: partner {partner} now encrypts with version {await rotate_partner_key(store, partner)}"
            )
