"""Every service keeps the one shape the README describes; shared/ and carrots/ stay in small modules."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(p for p in (ROOT / "services").iterdir() if (p / "app.py").is_file())
# What a service root may hold besides its domain folders: the modules the whole service shares.
ROOT_MODULES = {"__init__.py", "app.py", "config.py", "deps.py", "models.py", "errors.py"}
# "About 300 lines": a little room, so a module is split by concern before it mixes two.
MAX_SHARED_LINES = 320


def test_every_service_is_found() -> None:
    assert {p.name for p in SERVICES} == {"asylum", "eligibility", "payments", "registry", "testimony"}


@pytest.mark.parametrize("service", SERVICES, ids=lambda p: p.name)
def test_a_service_root_holds_only_what_the_whole_service_shares(service: Path) -> None:
    stray = sorted(p.name for p in service.glob("*.py") if p.name not in ROOT_MODULES)
    assert stray == [], f"move {stray} into a domain folder of {service.name}"
    assert (service / "migrations").is_dir()


@pytest.mark.parametrize("service", SERVICES, ids=lambda p: p.name)
def test_a_domain_with_routes_has_its_rules_beside_them(service: Path) -> None:
    domains = [router.parent for router in service.rglob("router.py") if "migrations" not in router.parts]
    assert domains, f"{service.name} has no domain folder with a router"
    missing = [str(d.relative_to(service)) for d in domains if d != service and not (d / "service.py").is_file()]
    assert missing == []


def _large_modules(package: str) -> dict[str, int]:
    return {
        str(path.relative_to(ROOT)): lines
        for path in (ROOT / package).rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_SHARED_LINES
    }


def test_shared_modules_stay_small() -> None:
    assert _large_modules("shared") == {}, "split these by concern"


def test_command_line_modules_stay_small() -> None:
    assert list((ROOT / "carrots").rglob("*.py")), "the command-line package is not where this test looks"
    assert _large_modules("carrots") == {}, "split these by concern"
