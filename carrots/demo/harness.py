"""The demo's vocabulary: how an outcome is checked, who calls with which token, and how a step is told."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    import httpx

    from carrots.demo.system import WebhookReceiver

EVENT_SECONDS = 60

ELIGIBILITY_SCOPES = (
    "applicants:read",
    "applicants:write",
    "policies:read",
    "policies:write",
    "assessments:read",
    "assessments:write",
    "assessments:approve",
    "screening:read",
    "screening:review",
    "waivers:request",
    "waivers:approve",
)
PAYMENTS_SCOPES = (
    "ledger:read",
    "ledger:write",
    "obligations:read",
    "payouts:read",
    "payouts:write",
    "payouts:approve",
    "payouts:execute",
    "bank_accounts:write",
)
ASYLUM_SCOPES = ("cases:read", "cases:write", "cases:consent")
TESTIMONY_SCOPES = (
    "testimonies:read",
    "testimonies:write",
    "testimonies:consent",
    "testimonies:redact",
    "testimonies:review",
    "testimonies:publish",
)


class DemoFailure(Exception):
    """An outcome of the demo was not what the programme promises."""


def check(condition: bool, what: str) -> None:
    """Fail the current step with `what` unless the condition holds."""
    if not condition:
        raise DemoFailure(what)


def expect(response: httpx.Response, status: int, what: str) -> Any:
    """The JSON of a response that must have `status`; otherwise the step fails with the service's answer."""
    if response.status_code != status:
        raise DemoFailure(f"{what}: expected HTTP {status}, got {response.status_code}: {response.text[:400]}")
    kind = response.headers.get("content-type", "").split(";")[0]
    return response.json() if kind in ("application/json", "application/problem+json") else None


def wait_for(probe: Callable[[], Any], what: str, seconds: float = EVENT_SECONDS) -> Any:
    """Poll until `probe` returns something truthy (events travel through the workers); fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise DemoFailure(f"{what}: still not there after {seconds:.0f} s")
        time.sleep(0.2)


def say(text: str) -> None:
    typer.echo(f"  {text}")


@dataclass
class Tokens:
    """Development tokens, signed with the demo system's own key."""

    var_dir: Path

    def headers(self, org: str, kind: str, scopes: tuple[str, ...], subject: str, **extra: Any) -> dict[str, str]:
        from shared.devkeys import ensure_dev_signing_key
        from shared.tokens import CallerKind, issue_token

        token = issue_token(
            ensure_dev_signing_key(self.var_dir),
            org=org,
            kind=CallerKind(kind),
            scopes=scopes,
            subject=subject,
            **extra,
        )
        return {"Authorization": f"Bearer {token}"}

    def partner(self, org: str, scopes: tuple[str, ...], officer: str) -> dict[str, str]:
        return self.headers(org, "partner", scopes, f"{org}:{officer}")


@dataclass
class Demo:
    """The running demo system: one HTTP client per service and the tokens to call them."""

    clients: dict[str, httpx.Client]
    tokens: Tokens
    receiver: WebhookReceiver
    funding: dict[str, str] = field(default_factory=dict)
    people: dict[str, str] = field(default_factory=dict)

    def eligibility(self, officer: str, org: str = "DE") -> dict[str, str]:
        return self.tokens.partner(org, ELIGIBILITY_SCOPES, officer)

    def payments(self, officer: str, org: str = "DE") -> dict[str, str]:
        return self.tokens.partner(org, PAYMENTS_SCOPES, officer)

    def asylum(self, org: str = "DE") -> dict[str, str]:
        return self.tokens.partner(org, ASYLUM_SCOPES, "case-officer")


@contextmanager
def step(title: str) -> Iterator[None]:
    """Print a step's title; a failure inside it names the step."""
    typer.echo(f"\n== {title}")
    try:
        yield
    except DemoFailure as failure:
        raise DemoFailure(f"step '{title}' failed: {failure}") from failure


def usd(minor: int) -> str:
    return f"USD {minor // 100:,}.{minor % 100:02d}"
