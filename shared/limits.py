"""Request guards: a body size limit for every route, bounded path and query parameters, no NUL characters anywhere.

Every app refuses a body over `DEFAULT_BODY_LIMIT` (FastAPI's `max_body_size`, enforced by Starlette's body
limit middleware); a route that takes uploads declares its own `max_body_size`. A declared `Content-Length` over
the limit is refused at once (413 problem); a body sent without one is counted as it arrives and refused as
soon as it passes the limit, so no body is read whole before its size is known to be allowed.

NUL characters are refused in the path, the query string, JSON bodies and form bodies: PostgreSQL cannot store
them in text, and no field has a use for them, so they answer 422 on every database rather than 500 on one.

Path and query parameters are ids, codes, cursors, dates and filters. Each path segment holds at most
`MAX_PATH_SEGMENT` characters, each query value at most `MAX_QUERY_VALUE` (a page cursor is the longest), a
request at most `MAX_QUERY_PARAMS` query parameters, and none of them a control character: beyond that the
answer is a 422 problem naming the parameter, before any route runs. Every string path and query parameter
documents its bound in OpenAPI (`document_parameter_bounds`).
"""

from __future__ import annotations

import json
import re
from typing import Any, Final
from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import InvalidParam, problem_response

# JSON and form bodies: the largest legitimate one is a testimony of 200,000 characters, escaped.
DEFAULT_BODY_LIMIT: Final = 2 * 1024 * 1024
_BUFFERED_TYPES: Final = ("application/json", "application/x-www-form-urlencoded")
# Ids are UUIDs (36 characters) or codes; 128 leaves room for any id a partner or a peer service chooses.
MAX_PATH_SEGMENT: Final = 128
MAX_QUERY_VALUE: Final = 512
MAX_QUERY_PARAMS: Final = 32
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")


def _media_type(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return str(value.decode("latin-1")).split(";")[0].strip().lower()
    return ""


def _has_nul_text(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(_has_nul_text(item) for item in value)
    if isinstance(value, dict):
        return any(_has_nul_text(key) or _has_nul_text(item) for key, item in value.items())
    return False


def _json_has_nul(body: bytes) -> bool:
    # Only a `\u0000` escape can put a NUL in valid JSON; parse only then (`\\u0000` is a backslash, not a NUL).
    if b"\\u0000" not in body:
        return False
    try:
        return _has_nul_text(json.loads(body))
    except ValueError:
        return False  # Not JSON: the route's own validation says so.


def _parameter_problem(scope: Scope) -> tuple[str, str] | None:
    """The parameter out of bounds (its name and what is wrong with it), or None when every one is within them."""
    for position, segment in enumerate(str(scope["path"]).split("/")):
        if len(segment) > MAX_PATH_SEGMENT:
            return f"path segment {position}", f"has {len(segment)} characters; at most {MAX_PATH_SEGMENT}"
        if _CONTROL.search(segment):
            return f"path segment {position}", "contains a control character"
    query = bytes(scope.get("query_string", b"")).decode("latin-1")
    if not query:
        return None
    try:
        pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=MAX_QUERY_PARAMS)
    except ValueError:
        return "query", f"has more than {MAX_QUERY_PARAMS} parameters"
    for name, value in pairs:
        if (longest := max(len(name), len(value))) > MAX_QUERY_VALUE:
            return f"query.{name[:64]}", f"has {longest} characters; at most {MAX_QUERY_VALUE}"
        if _CONTROL.search(name) or _CONTROL.search(value):
            return f"query.{name[:64]}", "contains a control character"
    return None


def document_parameter_bounds(document: dict[str, Any]) -> None:
    """Write the bounds `RequestGuardMiddleware` enforces into every string path and query parameter of a document."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                where = parameter.get("in")
                if where not in {"path", "query"}:
                    continue
                schema = parameter.get("schema", {})
                strings = [schema, *(part for part in schema.get("anyOf", []) if isinstance(part, dict))]
                for part in strings:
                    if part.get("type") != "string" or "maxLength" in part or "enum" in part or "format" in part:
                        continue
                    part["maxLength"] = MAX_PATH_SEGMENT if where == "path" else MAX_QUERY_VALUE
                    if where == "path":
                        part.setdefault("minLength", 1)


class RequestGuardMiddleware:
    """Refuses, with a 422 problem, a path or query parameter out of its bounds and a NUL character anywhere.

    NUL characters are looked for in the path, the query string and JSON or form bodies. It runs inside the
    app's body limit, so the JSON and form bodies it reads whole are bounded by it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query: bytes = scope.get("query_string", b"")
        if "\x00" in scope["path"] or b"%00" in query or b"\x00" in query:
            await _refuse_nul(scope, receive, send, "path or query")
            return
        if (problem := _parameter_problem(scope)) is not None:
            await _refuse_parameter(scope, receive, send, *problem)
            return
        media_type = _media_type(scope)
        if media_type not in _BUFFERED_TYPES:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        try:
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    break
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    break
        except HTTPException as error:
            if error.status_code != 413:
                raise
            # Answered here, inside the request log, so the log and the metrics say 413 rather than a crash.
            await _refuse_too_large(scope, receive, send)
            return
        body = b"".join(chunks)
        form = media_type == "application/x-www-form-urlencoded"
        if (b"%00" in body or b"\x00" in body) if form else _json_has_nul(body):
            await _refuse_nul(scope, receive, send, "body")
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class TooLargeAsProblem:
    """Outermost layer: every 413 a body limit answers becomes the one too-large problem, naming the limit."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        replaced = False

        async def send_problem(message: Message) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start" and message["status"] == 413 and not replaced:
                # Only the body limits answer 413: the app's own limit in plain text, a route's own limit as a
                # generic HTTP problem. Both become the one too-large problem, naming the limit that applied.
                replaced = True
                limit = scope.get(MAX_BODY_SIZE_SCOPE_KEY, DEFAULT_BODY_LIMIT)
                request = Request(scope, receive)
                request_id = getattr(request.state, "request_id", None)
                response = problem_response(
                    request,
                    413,
                    "too-large",
                    "Request body too large",
                    f"The request body is larger than this operation's limit of {limit} bytes.",
                    headers={"x-request-id": request_id} if request_id else None,
                )
                await response(scope, receive, send)
                return
            if replaced:
                return  # the plain-text body of the replaced answer
            await send(message)

        await self.app(scope, receive, send_problem)


async def _refuse_too_large(scope: Scope, receive: Receive, send: Send) -> None:
    limit = scope.get(MAX_BODY_SIZE_SCOPE_KEY, DEFAULT_BODY_LIMIT)
    response = problem_response(
        Request(scope, receive),
        413,
        "too-large",
        "Request body too large",
        f"The request body is larger than this operation's limit of {limit} bytes.",
    )
    await response(scope, receive, send)


async def _refuse_parameter(scope: Scope, receive: Receive, send: Send, name: str, reason: str) -> None:
    response = problem_response(
        Request(scope, receive),
        422,
        "validation",
        "Invalid request",
        f"The request's {name} {reason}.",
        invalid_params=[InvalidParam(name=name, reason=reason)],
    )
    await response(scope, receive, send)


async def _refuse_nul(scope: Scope, receive: Receive, send: Send, where: str) -> None:
    response = problem_response(
        Request(scope, receive),
        422,
        "validation",
        "Invalid request",
        f"The request's {where} contains a NUL character (U+0000), which no field accepts; remove it.",
        invalid_params=[InvalidParam(name=where, reason="contains a NUL character (U+0000)")],
    )
    await response(scope, receive, send)
