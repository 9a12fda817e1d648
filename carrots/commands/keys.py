"""`carrots keys` commands: status, master-key rotation, partner-key rotation, partner erasure.

Erasing a partner takes two operators and a typed confirmation: `erase-partner request` and `erase-partner
approve` call eligibility's operator API (`/v1/erasure-requests`) with each operator's own token, so the
request record and the audit trail name both.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import httpx
import typer

from carrots import keystores

app = typer.Typer(
    help=(
        "Key operations: where keys stand, master-key rotation (re-wrap every data key), partner-key rotation. "
        "Each service reads its usual <PREFIX>_* settings."
    ),
    no_args_is_help=True,
)

ServiceOption = Annotated[
    str | None, typer.Option("--service", help="One service (eligibility, payments, asylum, testimony).")
]
AllOption = Annotated[bool, typer.Option("--all", help="Every service (the default when --service is not given).")]
VarDir = Annotated[Path, typer.Option(help="Folder of development keys and SQLite files.")]


def _names(service: str | None, every: bool) -> list[str]:
    from carrots.registry import SERVICES

    if service is not None and every:
        raise typer.BadParameter("give --service or --all, not both")
    keyed = [name for name, entry in SERVICES.items() if entry.holds_personal_data]
    if service is None:
        return keyed
    if service not in keyed:
        raise typer.BadParameter(f"unknown service {service!r}; choose from {', '.join(keyed)}")
    return [service]


@app.command("status")
def status(service: ServiceOption = None, every: AllOption = False, var_dir: VarDir = Path("var")) -> None:
    """Show each service's data keys per master key and per partner version, then the vault's entries."""
    asyncio.run(keystores.show_status(_names(service, every), var_dir))


@app.command("mark-erased")
def mark_erased(
    partner: Annotated[str, typer.Argument(help="Code of a partner already erased in the vault.")],
    service: ServiceOption = None,
    every: AllOption = False,
    var_dir: VarDir = Path("var"),
) -> None:
    """Mark an erased partner's data keys destroyed in each service's database (after its KEK was destroyed).

    Erasure itself happens in the vault (`erase-partner approve`); without the KEK these keys are already useless.
    Marking them lets each service answer `erased` without asking the vault; refused unless the vault shows the
    partner erased.
    """
    asyncio.run(keystores.mark_erased(_names(service, every), var_dir, partner))


@app.command("rotate-master")
def rotate_master(
    service: ServiceOption = None,
    every: AllOption = False,
    new_dev_key: Annotated[
        bool,
        typer.Option(
            "--new-dev-key",
            help="Development only: first add a new master key under var/keys/ and make it current. In production "
            "put the new key first in <PREFIX>_MASTER_KEYS (or <PREFIX>_KMS_MASTER_KEY_IDS) of every service.",
        ),
    ] = False,
    batch_size: Annotated[int, typer.Option(min=1, help="Data keys re-wrapped per committed batch.")] = 500,
    var_dir: VarDir = Path("var"),
) -> None:
    """Re-wrap every data key (and vault entry) under the current master key; resumable, with progress.

    Each batch commits as it goes: run it again after an interruption and it continues with what is left.
    When `carrots keys status` shows no data key under the old master key, remove that key from the
    configuration. Restart running services after a new key was made current so they encrypt with it.
    """
    if new_dev_key:
        from shared.devkeys import create_dev_master_key

        typer.echo(f"new development master key {create_dev_master_key(var_dir)} is now current")
    asyncio.run(keystores.rotate_master(_names(service, every), var_dir, batch_size))


@app.command("rotate-partner")
def rotate_partner(
    partner: Annotated[str, typer.Argument(help="Partner code, e.g. DE.")],
    service: ServiceOption = None,
    every: AllOption = False,
    var_dir: VarDir = Path("var"),
) -> None:
    """Give a partner a new data key version in each service: new data uses it, old data stays readable.

    Existing rows are not re-encrypted: they keep their older version, which stays until the partner is erased.
    """
    asyncio.run(keystores.rotate_partner(_names(service, every), var_dir, partner))


erase_app = typer.Typer(
    help=(
        "Erase a partner by destroying its keys: one operator requests it, a second approves; each types the "
        "partner code again. Calls eligibility's operator API with the operator's own token (scope keys:erase)."
    ),
    no_args_is_help=True,
)
app.add_typer(erase_app, name="erase-partner")

TokenOption = Annotated[
    str, typer.Option(envvar="CARROTS_TOKEN", help="This operator's token (kind operator, scope keys:erase).")
]
UrlOption = Annotated[str, typer.Option(help="Base URL of the eligibility service.")]
ConfirmOption = Annotated[
    str, typer.Option("--confirm", prompt="Type the partner code again to confirm", help="The partner code, again.")
]


def _show(request: dict[str, object]) -> None:
    approved = f", approved by {request['approved_by']}" if request.get("approved_by") else ""
    typer.echo(
        f"erasure request {request['id']} for partner {request['partner_id']}: {request['status']} "
        f"(requested by {request['requested_by']}{approved})"
    )


def _post(url: str, token: str, path: str, body: dict[str, str]) -> dict[str, object]:
    with httpx.Client(base_url=url, timeout=60.0) as client:
        response = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
    if response.status_code not in (200, 201):
        detail = response.json().get("detail", response.text) if response.content else response.reason_phrase
        typer.echo(f"error {response.status_code}: {detail}", err=True)
        raise typer.Exit(1)
    answer: dict[str, object] = response.json()
    return answer


@erase_app.command("request")
def erase_request(
    partner: Annotated[str, typer.Argument(help="Code of the partner to erase, e.g. DE.")],
    confirm: ConfirmOption,
    token: TokenOption,
    url: UrlOption = "http://127.0.0.1:8001",
) -> None:
    """Ask to erase a partner; nothing is destroyed until a second operator approves."""
    request = _post(url, token, "/v1/erasure-requests", {"partner_id": partner, "confirmation": confirm})
    _show(request)
    typer.echo(f"a second operator approves it with: carrots keys erase-partner approve {request['id']}")


@erase_app.command("approve")
def erase_approve(
    request_id: Annotated[str, typer.Argument(help="The erasure request's id.")],
    confirm: ConfirmOption,
    token: TokenOption,
    url: UrlOption = "http://127.0.0.1:8001",
) -> None:
    """Approve another operator's erasure request: the partner's keys are destroyed, which cannot be undone."""
    request = _post(url, token, f"/v1/erasure-requests/{request_id}/approval", {"confirmation": confirm})
    _show(request)
    typer.echo(
        f"partner {request['partner_id']} erased: key-encryption key destroyed, {request['data_keys_destroyed']} "
        "data key(s) marked destroyed in eligibility; every service reads its personal data as erased within a minute "
        "(`carrots keys mark-erased CODE` marks the other services' keys)"
    )


@app.command("generate")
def generate(
    out: Annotated[Path, typer.Argument(help="An empty folder to write the deployment's keys into.")],
    kid: Annotated[str, typer.Option(help="Key id of every key made now (name the month, e.g. k2026-12).")],
    mount: Annotated[
        str, typer.Option(help="Where the running services will find this folder (a mounted secret volume).")
    ] = "/run/secrets/carrots",
    database_host: Annotated[
        str, typer.Option(help="host:port of PostgreSQL, where each service gets its own database and role.")
    ] = "postgres:5432",
) -> None:
    """Make a production deployment's keys, and one environment file per service that names them.

    Each service gets its own Ed25519 signing key and database password in `OUT/<service>/`, the public halves
    its peers trust in `OUT/public/`, and `OUT/<service>.env` with its settings (master key, keyed-hash key,
    key paths under `--mount`, database URL). Keep the folder in the secret store, never in git.
    """
    from carrots.deployment import write_deployment_keys

    if out.exists() and any(out.iterdir()):
        raise typer.BadParameter(f"{out} is not empty; keys are never overwritten", param_hint="OUT")
    try:
        written = write_deployment_keys(out, kid, mount, database_host)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--kid") from None
    for path in written:
        typer.echo(f"wrote {path}")
