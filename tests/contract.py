"""The services' published documents, built without a database, for contract tests."""

from __future__ import annotations

import importlib
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from carrots.registry import SERVICES
from shared.devkeys import ensure_dev_signing_key, ensure_service_keys
from shared.observability import Metrics
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


class AnswerRecorder:
    """Records every (service, method, route template, status) the apps of a test session answer.

    Every app counts its answers per route template in its metrics; the recorder keeps each app's metrics and,
    at the end of the session, reads them back and compares the error statuses with the OpenAPI documents.
    """

    def __init__(self) -> None:
        self._metrics: list[Metrics] = []
        self._patch = pytest.MonkeyPatch()

    def start(self) -> None:
        original = Metrics.__init__
        recorded = self._metrics

        def recording_init(metrics: Metrics, *args: Any, **kwargs: Any) -> None:
            original(metrics, *args, **kwargs)
            recorded.append(metrics)

        self._patch.setattr(Metrics, "__init__", recording_init)

    def stop(self) -> None:
        self._patch.undo()

    def answers(self) -> set[tuple[str, str, str, int]]:
        """Every (service, method, route template, status) answered so far."""
        seen: set[tuple[str, str, str, int]] = set()
        for metrics in self._metrics:
            for family in metrics.requests.collect():
                for sample in family.samples:
                    if sample.name.endswith("_total") and sample.value > 0:
                        labels = sample.labels
                        seen.add((labels["service"], labels["method"], labels["route"], int(labels["status"])))
        return seen


def undocumented_errors(answers: set[tuple[str, str, str, int]], documents: dict[str, dict[str, Any]]) -> list[str]:
    """Error answers of documented operations whose status their operation does not list."""
    missing = []
    for service, method, route, status in sorted(answers):
        if status < 400 or service not in documents:
            continue
        operation = documents[service]["paths"].get(route, {}).get(method.lower())
        if operation is not None and str(status) not in operation.get("responses", {}):
            missing.append(f"{service}: {method} {route} answered {status}, not listed by {operation['operationId']}")
    return missing


def documents_for_check(var_dir: Path) -> dict[str, dict[str, Any]]:
    """Every service's OpenAPI document, built with development keys under `var_dir`."""
    ensure_dev_signing_key(var_dir)
    ensure_service_keys(var_dir, SERVICES)
    return {name: openapi_document(name, var_dir) for name in SERVICES}
