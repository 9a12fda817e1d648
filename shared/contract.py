"""What the OpenAPI documents promise beyond what FastAPI derives: names, errors, examples and retries."""

from __future__ import annotations

from fastapi.routing import APIRoute


def operation_id(route: APIRoute) -> str:
    """A short, stable operationId: the endpoint's function name in camelCase (`create_payout` -> `createPayout`)."""
    first, *rest = route.name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)
