"""The one httpx module typed service clients are built on."""

from __future__ import annotations

from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter

from shared.errors import Problem
from shared.observability import REQUEST_ID_HEADER, current_request_id

M = TypeVar("M")


class PeerError(Exception):
    """A peer service answered with a problem."""

    def __init__(self, status: int, problem: Problem | None, text: str) -> None:
        super().__init__(f"{status}: {problem.detail if problem else text[:200]}")
        self.status = status
        self.problem = problem


class ServiceClient:
    """Base of the typed clients: auth header, request id propagation, problem decoding."""

    def __init__(self, client: httpx.AsyncClient, base_url: str, token: str | None = None) -> None:
        self._client = client
        self._base = base_url.rstrip("/")
        self._token = token

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = dict(extra or {})
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        request_id = current_request_id()
        if request_id:
            headers[REQUEST_ID_HEADER] = request_id
        return headers

    async def request(
        self,
        method: str,
        path: str,
        result: type[M] | Any,
        *,
        json: BaseModel | dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> M:
        """Send a request and parse the answer as `result`; raise `PeerError` on a problem."""
        response = await self._exchange(method, path, json=json, params=params, headers=headers)
        adapter: TypeAdapter[M] = TypeAdapter(result)
        return adapter.validate_python(response.json())

    async def send(
        self,
        method: str,
        path: str,
        *,
        json: BaseModel | dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Send a request whose answer has no body (204); raise `PeerError` on a problem."""
        await self._exchange(method, path, json=json, params=params, headers=headers)

    async def _exchange(
        self,
        method: str,
        path: str,
        *,
        json: BaseModel | dict[str, Any] | None,
        params: dict[str, Any] | None,
        headers: dict[str, str] | None,
    ) -> httpx.Response:
        body = json.model_dump(mode="json") if isinstance(json, BaseModel) else json
        response = await self._client.request(
            method, self._base + path, json=body, params=params, headers=self._headers(headers)
        )
        if response.status_code >= 400:
            problem = None
            if response.headers.get("content-type", "").startswith("application/problem+json"):
                problem = Problem.model_validate(response.json())
            raise PeerError(response.status_code, problem, response.text)
        return response
