"""Where a webhook may point: https outside development, and only public addresses in production."""

from __future__ import annotations

import pytest

from shared.config import Environment
from shared.subscriptions.addresses import check_webhook_url
from shared.subscriptions.errors import WebhookUrlRefused


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10:8443/hook",
        "https://172.16.5.5/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[fd00::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://0.0.0.0/hook",
        "https://localhost/hook",
        "https://api.localhost/hook",
        "https://metadata.google.internal/hook",
        "https://printer.local/hook",
    ],
)
async def test_production_refuses_loopback_private_and_link_local_addresses(url: str) -> None:
    with pytest.raises(WebhookUrlRefused):
        await check_webhook_url(url, Environment.production)


async def test_production_accepts_a_public_address() -> None:
    await check_webhook_url("https://93.184.216.34/hook", Environment.production)
    await check_webhook_url("https://[2606:2800:220:1:248:1893:25c8:1946]/hook", Environment.production)


async def test_plain_http_is_for_development_only() -> None:
    await check_webhook_url("http://127.0.0.1:9000/hook", Environment.development)
    for environment in (Environment.test, Environment.production):
        with pytest.raises(WebhookUrlRefused, match="https://"):
            await check_webhook_url("http://93.184.216.34/hook", environment)


async def test_outside_production_a_private_address_is_allowed_for_local_receivers() -> None:
    await check_webhook_url("https://127.0.0.1:9443/hook", Environment.test)
