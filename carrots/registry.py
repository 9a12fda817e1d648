"""The services as the command line knows them."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.config import ServiceSettings

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ServiceEntry:
    name: str
    default_port: int
    settings_path: str
    env_prefix: str
    # Whether it keeps personal data under partner keys (key operations skip the services that do not).
    holds_personal_data: bool = True

    @property
    def migrations_dir(self) -> Path:
        return ROOT / "services" / self.name / "migrations"

    @property
    def app_factory(self) -> str:
        return f"services.{self.name}.app:create_app"

    def settings(self, **overrides: object) -> ServiceSettings:
        module_name, _, class_name = self.settings_path.partition(":")
        cls: type[ServiceSettings] = getattr(importlib.import_module(module_name), class_name)
        return cls.model_validate(overrides)


REGISTRY = "registry"

SERVICES: dict[str, ServiceEntry] = {
    entry.name: entry
    for entry in (
        ServiceEntry(
            "eligibility",
            8001,
            "services.eligibility.config:EligibilitySettings",
            "ELIGIBILITY_",
        ),
        ServiceEntry("payments", 8002, "services.payments.config:PaymentsSettings", "PAYMENTS_"),
        ServiceEntry("asylum", 8003, "services.asylum.config:AsylumSettings", "ASYLUM_"),
        ServiceEntry(
            "testimony",
            8004,
            "services.testimony.config:TestimonySettings",
            "TESTIMONY_",
        ),
        ServiceEntry("registry", 8005, "services.registry.config:RegistrySettings", "REGISTRY_", False),
    )
}

# Which service's events each service receives at `POST /v1/events` when run together.
EVENT_ROUTES: dict[str, list[tuple[str, list[str]]]] = {
    "eligibility": [
        ("payments", ["eligibility.applicant.approved", "eligibility.applicant.arrival_verified"]),
        ("asylum", ["eligibility.applicant.approved", "eligibility.family_member.registered"]),
    ],
    "asylum": [("payments", ["asylum.case.opened", "asylum.case.status_changed"])],
    "payments": [],
    "testimony": [],
    "registry": [],
}
