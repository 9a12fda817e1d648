"""Testimony service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import structlog
from fastapi import FastAPI

from services.testimony.applicant.router import router as applicant_router
from services.testimony.common.metrics import testimony_metrics
from services.testimony.common.storage import BlobStore, LocalBlobStore, S3BlobStore, create_s3_client
from services.testimony.common.toolkit import Toolkit
from services.testimony.config import TestimonySettings
from services.testimony.consent.router import router as consent_router
from services.testimony.derivatives.av import MediaMetadataStripper, find_ffmpeg
from services.testimony.intake.router import router as intake_router
from services.testimony.models import Base, tables
from services.testimony.pages.router import router as pages_router
from services.testimony.public.router import router as public_router
from services.testimony.publication.router import router as publication_router
from services.testimony.publication.takedown import sweep_lapsed
from services.testimony.review.router import router as review_router
from services.testimony.signing.keys import (
    RetiredPublicKey,
    SigningKey,
    export_private_pem,
    generate_signing_key,
    load_public_key,
    load_signing_key,
    retire_public_key,
)
from shared.app import ServiceSpec, build_app
from shared.db import session_scope
from shared.jobs import Periodic
from shared.pages.router import install_pages
from shared.pages.site import PageSite
from shared.schemas.catalogue import EVENT_TYPES

log = structlog.get_logger("carrots.testimony")
PAGES = Path(__file__).parent / "pages"


def load_programme_key(settings: TestimonySettings) -> SigningKey:
    """The programme's signing key: from settings, or a development key kept under `var/keys/`."""
    if settings.signing_key is not None:
        return load_signing_key(settings.signing_key.get_secret_value().encode())
    if settings.signing_key_path is not None:
        return load_signing_key(settings.signing_key_path.read_bytes())
    path = Path(settings.var_dir) / "keys" / "testimony-signing-ed25519.pem"
    if path.exists():
        return load_signing_key(path.read_bytes())
    key = generate_signing_key()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(export_private_pem(key))
    path.chmod(0o600)
    return key


def load_retired_keys(settings: TestimonySettings) -> tuple[RetiredPublicKey, ...]:
    """The public halves of keys that signed before a rotation, as configured; their private halves are never read."""
    return tuple(
        retire_public_key(load_public_key(entry.read_pem()), entry.retired_at) for entry in settings.retired_public_keys
    )


def create_blob_store(settings: TestimonySettings) -> BlobStore:
    """The configured blob store: local files, or an S3-compatible bucket."""
    if settings.storage_backend == "s3":
        if not settings.s3_bucket:
            raise ValueError("storage_backend is s3 but no s3_bucket is set; set TESTIMONY_S3_BUCKET")
        client = create_s3_client(settings.s3_endpoint_url, settings.s3_region)
        return S3BlobStore(client, settings.s3_bucket, settings.s3_prefix)
    return LocalBlobStore(settings.blob_dir())


async def sweep_lapsed_consents(app: FastAPI) -> None:
    """Turn lapsed consents into recorded takedowns, with receipts and purge events (the worker's schedule)."""
    async with session_scope(app.state.sessionmaker) as session:
        taken = await sweep_lapsed(session, app.state.toolkit)
    if taken:
        log.info("testimony.expiry_sweep", taken_down=len(taken))


def _sweep_every(settings: TestimonySettings) -> float:
    return settings.expiry_sweep_seconds if settings.expiry_sweep_enabled else 0.0


PERIODIC = (Periodic("testimony.sweep_lapsed_consents", _sweep_every, sweep_lapsed_consents),)


def create_app(settings: TestimonySettings | None = None) -> FastAPI:
    """Build the testimony app from its settings (read from the environment when omitted)."""
    resolved = settings or TestimonySettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        final: TestimonySettings = app.state.settings
        kit = Toolkit(
            settings=final,
            cipher=app.state.cipher,
            store=create_blob_store(final),
            signing_key=load_programme_key(final),
            stripper=MediaMetadataStripper(find_ffmpeg()),
            publisher=app.state.publisher,
            retired_keys=load_retired_keys(final),
        )
        app.state.toolkit = kit
        yield

    app = build_app(
        resolved,
        ServiceSpec(
            name="testimony",
            domain_metrics=testimony_metrics,
            event_types=EVENT_TYPES["testimony"],
            title="carrots testimony",
            description=(
                "Testimonies with sealed originals, granular revocable consent, reviewed redactions and "
                "signed publication. Never a condition for anything. No endpoint serves an original."
            ),
            metadata=Base.metadata,
            tables=tables,
            routers=[
                intake_router,
                consent_router,
                applicant_router,
                review_router,
                publication_router,
                public_router,
                pages_router,
            ],
            extra_lifespan=lifespan,
            periodic=PERIODIC,
        ),
    )
    install_pages(app, PageSite([PAGES / "templates"], [PAGES.parent / "translations"]))
    return app
