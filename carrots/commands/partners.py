"""`carrots partners` commands: the registry of organisations, over its operator API."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from shared.orgcodes import OrganisationKind, OrganisationStatus
from shared.tokens import CallerKind, issue_token

if TYPE_CHECKING:
    import httpx

    from shared.schemas.registry import OrganisationCreate

app = typer.Typer(
    help="The registry of organisations (partners, NGOs, auditors): list, add, update, suspend, history.",
    no_args_is_help=True,
)

OPERATOR_SCOPES = ("registry:read", "registry:write")
UrlOption = Annotated[str, typer.Option(envvar="CARROTS_REGISTRY_URL", help="Base URL of the registry service.")]
TokenOption = Annotated[
    str | None,
    typer.Option(
        envvar="CARROTS_OPERATOR_TOKEN",
        help="An operator token with registry:read and registry:write; a development one is signed when omitted.",
    ),
]
VarDir = Annotated[Path, typer.Option(help="Folder of the development keys (for the development operator token).")]
DEFAULT_URL = "http://127.0.0.1:8005"


def development_operator_token(var_dir: Path, subject: str = "operator:carrots-cli") -> str:
    """An operator token signed with the development key under `var/` (production services refuse it)."""
    from shared.devkeys import ensure_dev_signing_key

    key = ensure_dev_signing_key(var_dir)
    return issue_token(key, org="platform", kind=CallerKind.operator, scopes=OPERATOR_SCOPES, subject=subject)


def _fail(response: httpx.Response) -> None:
    detail = response.json().get("detail", response.text) if response.content else response.reason_phrase
    typer.echo(f"error {response.status_code}: {detail}", err=True)
    raise typer.Exit(1)


def _client(url: str, token: str | None, var_dir: Path) -> httpx.Client:
    import httpx

    bearer = token or development_operator_token(var_dir)
    return httpx.Client(base_url=url, timeout=30.0, headers={"Authorization": f"Bearer {bearer}"})


def register_organisations(client: httpx.Client, organisations: Iterable[OrganisationCreate]) -> list[str]:
    """Register each organisation not yet known (by code); returns the codes added. Existing ones are left alone."""
    added = []
    for organisation in organisations:
        if client.get(f"/v1/organisations/{organisation.code}").status_code == 200:
            continue
        response = client.post("/v1/organisations", json=organisation.model_dump(mode="json"))
        if response.status_code != 201:
            _fail(response)
        added.append(organisation.code)
    return added


def _pages(client: httpx.Client, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    cursor: str | None = None
    while True:
        response = client.get(path, params={**params, **({"after": cursor} if cursor else {})})
        if response.status_code != 200:
            _fail(response)
        page = response.json()
        yield from page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return


def _line(organisation: dict[str, Any]) -> str:
    extra = organisation["currencies"] or organisation["mandates"]
    label = "currencies" if organisation["kind"] == "partner" else "mandates"
    idp = organisation["issuer"] or "development key"
    return (
        f"{organisation['code']:<12} {organisation['kind']:<8} {organisation['status']:<9} "
        f"{label}={','.join(extra) or '-'}  idp={idp}  {organisation['name']}"
    )


@app.command("list")
def list_organisations(
    kind: Annotated[OrganisationKind | None, typer.Option(help="Only this kind.")] = None,
    status: Annotated[OrganisationStatus | None, typer.Option(help="Only this status.")] = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    var_dir: VarDir = Path("var"),
) -> None:
    """List every organisation, by code."""
    params = {k: v.value for k, v in (("kind", kind), ("status", status)) if v is not None}
    with _client(url, token, var_dir) as client:
        for organisation in _pages(client, "/v1/organisations", params):
            typer.echo(_line(organisation))


@app.command("add")
def add(
    code: Annotated[str, typer.Argument(help="Code, exactly as it will be used: upper-case ASCII (DE, NGO-A).")],
    name: Annotated[str, typer.Option(help="Display name.")],
    kind: Annotated[OrganisationKind, typer.Option(help="partner, ngo or auditor.")] = OrganisationKind.partner,
    currency: Annotated[list[str] | None, typer.Option(help="Partners: an ISO 4217 currency; repeat.")] = None,
    mandate: Annotated[list[str] | None, typer.Option(help="NGOs and auditors: a partner code; repeat.")] = None,
    issuer: Annotated[str | None, typer.Option(help="`iss` of the organisation's identity provider.")] = None,
    jwks_url: Annotated[str | None, typer.Option(help="JWKS URL of the organisation's identity provider.")] = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    var_dir: VarDir = Path("var"),
) -> None:
    """Register an organisation; every service accepts its tokens within seconds."""
    body = {
        "code": code,
        "kind": kind.value,
        "name": name,
        "currencies": currency or [],
        "mandates": mandate or [],
        "issuer": issuer,
        "jwks_url": jwks_url,
    }
    with _client(url, token, var_dir) as client:
        response = client.post("/v1/organisations", json=body)
        if response.status_code != 201:
            _fail(response)
        typer.echo(_line(response.json()))


@app.command("update")
def update(
    code: Annotated[str, typer.Argument(help="The organisation's code.")],
    name: Annotated[str | None, typer.Option(help="New display name.")] = None,
    currency: Annotated[list[str] | None, typer.Option(help="Replace the currencies; repeat.")] = None,
    mandate: Annotated[list[str] | None, typer.Option(help="Replace the mandates; repeat.")] = None,
    issuer: Annotated[str | None, typer.Option(help="New identity provider issuer.")] = None,
    jwks_url: Annotated[str | None, typer.Option(help="New identity provider JWKS URL.")] = None,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    var_dir: VarDir = Path("var"),
) -> None:
    """Change an organisation's name, identity provider, currencies or mandates (options given only)."""
    given = {"name": name, "currencies": currency, "mandates": mandate, "issuer": issuer, "jwks_url": jwks_url}
    body = {field: value for field, value in given.items() if value is not None}
    if not body:
        raise typer.BadParameter("give at least one of --name, --currency, --mandate, --issuer, --jwks-url")
    with _client(url, token, var_dir) as client:
        response = client.patch(f"/v1/organisations/{code}", json=body)
        if response.status_code != 200:
            _fail(response)
        typer.echo(_line(response.json()))


def _change_status(action: str, code: str, reason: str, url: str, token: str | None, var_dir: Path) -> None:
    with _client(url, token, var_dir) as client:
        response = client.post(f"/v1/organisations/{code}/{action}", json={"reason": reason})
        if response.status_code != 200:
            _fail(response)
        typer.echo(_line(response.json()))


ReasonOption = Annotated[str, typer.Option(help="Why, for the history (no personal data).")]


@app.command("suspend")
def suspend(
    code: Annotated[str, typer.Argument(help="The organisation's code.")],
    reason: ReasonOption,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    var_dir: VarDir = Path("var"),
) -> None:
    """Suspend an organisation: every service refuses its tokens and anything given to it, within seconds."""
    _change_status("suspend", code, reason, url, token, var_dir)


@app.command("reactivate")
def reactivate(
    code: Annotated[str, typer.Argument(help="The organisation's code.")],
    reason: ReasonOption,
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    var_dir: VarDir = Path("var"),
) -> None:
    """Reactivate a suspended organisation."""
    _change_status("reactivate", code, reason, url, token, var_dir)


@app.command("history")
def history(
    code: Annotated[str, typer.Argument(help="The organisation's code.")],
    url: UrlOption = DEFAULT_URL,
    token: TokenOption = None,
    var_dir: VarDir = Path("var"),
) -> None:
    """Every change of an organisation, oldest first: when, who, what changed."""
    with _client(url, token, var_dir) as client:
        for change in _pages(client, f"/v1/organisations/{code}/history", {}):
            fields = ", ".join(
                f"{field}: {value['before']!r} -> {value['after']!r}" for field, value in change["changes"].items()
            )
            reason = f" ({change['reason']})" if change.get("reason") else ""
            typer.echo(f"{change['at']}  {change['actor_subject']}  {change['action']}{reason}  {fields}")
