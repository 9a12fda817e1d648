"""Which URLs a partner's webhook may point at.

`https://` everywhere but development. In production the host must also be a public address: an IP literal or a
name that resolves only to global addresses, so a subscription cannot make a service call into its own network
(loopback, private ranges, link-local cloud metadata). Deliveries check the address again before each POST, so
a name re-pointed after subscribing is refused too.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import anyio

from shared.config import Environment
from shared.subscriptions.errors import WebhookUrlRefused

_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain")


def parse_webhook_url(url: str, environment: Environment) -> str:
    """Check a webhook URL's form and return its host; raise `WebhookUrlRefused` saying what to fix."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port
    except ValueError as exc:
        raise WebhookUrlRefused(f"The webhook URL is not a valid URL: {exc}.") from exc
    allowed = ("https", "http") if environment is Environment.development else ("https",)
    if parts.scheme not in allowed:
        raise WebhookUrlRefused(
            f"A webhook URL must start with https:// (plain http:// only in development), not {parts.scheme or '?'}://."
        )
    if not host:
        raise WebhookUrlRefused("The webhook URL has no host.")
    if parts.username is not None or parts.password is not None:
        raise WebhookUrlRefused("A webhook URL may not carry credentials; deliveries are signed instead.")
    if parts.fragment:
        raise WebhookUrlRefused("A webhook URL may not carry a #fragment.")
    return host


def _refused_address(address: str) -> str | None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_global and not ip.is_multicast:
        return None
    return f"{ip} is not a public address (loopback, private, link-local or reserved)"


async def check_public_host(host: str) -> None:
    """Refuse a host that is, or resolves to, anything but public addresses."""
    name = host.strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(_LOCAL_SUFFIXES):
        raise WebhookUrlRefused(f"A webhook cannot point at {name}: deliveries go to public addresses only.")
    try:
        addresses = [ipaddress.ip_address(name.split("%", 1)[0]).compressed]
    except ValueError:
        try:
            found = await anyio.getaddrinfo(name, 443, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise WebhookUrlRefused(f"The webhook host {name} does not resolve; check its DNS.") from exc
        addresses = sorted({str(info[4][0]) for info in found})
    for address in addresses:
        reason = _refused_address(address)
        if reason is not None:
            raise WebhookUrlRefused(f"A webhook cannot point at {name}: {reason}.")


async def check_webhook_url(url: str, environment: Environment) -> None:
    """The whole check made when a subscription is created or its URL changed."""
    host = parse_webhook_url(url, environment)
    if environment is Environment.production:
        await check_public_host(host)
