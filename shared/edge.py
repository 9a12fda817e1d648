"""How a service meets the network in production: under an ingress path, with internal routes on their own port."""

from __future__ import annotations

from starlette._utils import get_route_path
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.errors import problem_response

# Routes only peers and the cluster's monitoring may call: event deliveries and the Prometheus scrape.
INTERNAL_PATHS: tuple[str, ...] = ("/v1/events", "/metrics")
# Liveness and readiness answer on both ports.
PROBES: tuple[str, ...] = ("/healthz", "/readyz")


class MountedUnder:
    """Answers under an ingress path prefix (`/payments/v1/...`) as well as at the root (`/v1/...`).

    The prefix becomes the request's `root_path`, so routing strips it and the OpenAPI page links to
    `/payments/openapi.json`; probes and calls between services keep using the root.
    """

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix.rstrip("/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.prefix:
            path: str = scope["path"]
            if path == self.prefix or path.startswith(self.prefix + "/"):
                scope["root_path"] = scope.get("root_path", "") + self.prefix
        await self.app(scope, receive, send)


class InternalOnly:
    """Serves the internal routes only on the internal port, and only they (and the probes) are served there.

    A network policy can then admit peers and monitoring to the internal port alone while the ingress reaches
    only the public one: no one outside the cluster delivers events or reads metrics.
    """

    def __init__(self, app: ASGIApp, port: int, paths: tuple[str, ...] = INTERNAL_PATHS) -> None:
        self.app = app
        self.port = port
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            route = get_route_path(scope)
            server = scope.get("server")
            on_internal_port = server is not None and server[1] == self.port
            internal = any(route == p or route.startswith(p + "/") for p in self.paths)
            if route not in PROBES and internal != on_internal_port:
                request = Request(scope)
                where = "the internal port" if internal else "the public port"
                response = problem_response(
                    request, 404, "http-404", "HTTP error", f"{request.method} {route} is served on {where} only."
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
