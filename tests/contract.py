"""The services' published documents, built without a database, for contract tests."""

from __future__ import annotations

import importlib
from functools import cache
from pathlib import Path
from typing import Any

from tests.harness import settings_for

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options"})


@cache
def openapi_document(name: str, var_dir: Path) -> dict[str, Any]:
    """A service's OpenAPI document (no lifespan runs: nothing connects)."""
    module = importlib.import_module(f"services.{name}.app")
    settings = settings_for(name, f"sqlite+aiosqlite:///{var_dir / 'unused.db'}", var_dir)
    document: dict[str, Any] = module.create_app(settings).openapi()
    return document


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path template, operation) of every documented operation."""
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]
