"""Structured JSON logs: the service and request id on every line, personal data and exception values redacted."""

from __future__ import annotations

import logging
import re
import sys
import traceback
from collections.abc import MutableMapping
from contextvars import ContextVar
from typing import Any

import structlog

REQUEST_ID_HEADER = "X-Request-ID"
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
# The service a line is about: set per request and per worker task, so that one process running several
# services (tests, `carrots worker all`) still names the right one; else the process's own service.
service_var: ContextVar[str | None] = ContextVar("service", default=None)
_process_service: list[str] = []
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

# Keys that may carry personal data; their values never reach a log line.
PERSONAL_KEYS = frozenset(
    {
        "name",
        "names",
        "full_name",
        "given_name",
        "family_name",
        "patronymic",
        "birth_date",
        "date_of_birth",
        "document_number",
        "documents",
        "contact",
        "contacts",
        "email",
        "phone",
        "address",
        "secret",
        "duress_secret",
        "token",
        "authorization",
        "iban",
        "text",
        "body",
    }
)


def current_request_id() -> str | None:
    """The id of the request being handled, if any."""
    return request_id_var.get()


def bind_service(name: str) -> None:
    """Name the service in every log line of the current task and the tasks it starts."""
    service_var.set(name)


def _add_service(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    event.setdefault("service", service_var.get() or (_process_service[0] if _process_service else "carrots"))
    return event


def _drop_personal_data(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event):
        if key.lower() in PERSONAL_KEYS:
            event[key] = "[redacted]"
    return event


def describe_exception(exc: BaseException) -> dict[str, Any]:
    """What a log may say about an exception: its type, where it was raised, never its message.

    Messages carry values: a database error quotes the row it refused (PostgreSQL's `DETAIL: Key (...)=(...)`),
    a parse error the text it could not parse. The frames and types locate the fault; the request id links it to
    the request, so nothing else is needed to start looking.
    """
    chain: list[dict[str, Any]] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(chain) < 5:
        seen.add(id(current))
        entry: dict[str, Any] = {"type": f"{type(current).__module__}.{type(current).__qualname__}"}
        sqlstate = getattr(current, "sqlstate", None) or getattr(getattr(current, "orig", None), "sqlstate", None)
        if isinstance(sqlstate, str):
            entry["sqlstate"] = sqlstate
        entry["frames"] = [
            f"{frame.filename.rsplit('/site-packages/', 1)[-1]}:{frame.lineno} {frame.name}"
            for frame in traceback.extract_tb(current.__traceback__)[-_MAX_FRAMES:]
        ]
        chain.append(entry)
        current = current.__cause__ or current.__context__
    return {"exception_chain": chain}


_MAX_FRAMES = 15


def _exception_without_values(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    exc_info = event.pop("exc_info", None)
    if exc_info is True:
        exc_info = sys.exc_info()
    if isinstance(exc_info, BaseException):
        event.update(describe_exception(exc_info))
    elif isinstance(exc_info, tuple) and len(exc_info) == 3 and isinstance(exc_info[1], BaseException):
        event.update(describe_exception(exc_info[1]))
    event.pop("exception", None)
    event.pop("stack", None)
    return event


def _log_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_service,
        _drop_personal_data,
        _exception_without_values,
    ]


def configure_logging(level: int = logging.INFO, *, service: str | None = None) -> None:
    """JSON logs on stdout, with the service, the request id and personal-data keys redacted, for every logger.

    `service` names the process's service in lines outside any request or worker task; the first one given
    stays (a process that runs several services names itself first).

    Libraries log through the standard `logging` module (uvicorn prints an unhandled error there with its
    traceback); their records go through the same processors, so no traceback or message escapes redaction.
    """
    if service is not None and not _process_service:
        _process_service.append(service)
    structlog.configure(
        processors=[*_log_processors(), structlog.processors.JSONRenderer()],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                _exception_without_values,
                structlog.processors.JSONRenderer(),
            ],
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *_log_processors()],
            keep_exc_info=False,
        )
    )
    handler.set_name(_HANDLER_NAME)
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if h.get_name() != _HANDLER_NAME]
    root.addHandler(handler)
    root.setLevel(level)
    # Client libraries log each outgoing request at INFO; the dispatcher logs failures itself.
    for chatty in ("httpx", "httpcore"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    # uvicorn installs its own plain-text handlers; its records go through the JSON handler on the root instead.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "sqlalchemy", "alembic"):
        library = logging.getLogger(name)
        library.handlers = []
        library.propagate = True


_HANDLER_NAME = "carrots-json"
