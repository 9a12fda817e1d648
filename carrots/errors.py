"""One clear line for a failure outside the program (a service down, a file missing), instead of a traceback."""

from __future__ import annotations


def _httpx_line(error: Exception) -> str:
    import httpx

    url = ""
    with_request = error if isinstance(error, httpx.RequestError) else None
    if with_request is not None:
        try:
            url = str(with_request.request.url.copy_with(query=None))
        except RuntimeError:
            url = "the service"
    if isinstance(error, httpx.ConnectError):
        return f"cannot reach {url}: is the service running? (`carrots up` starts all four)"
    if isinstance(error, httpx.TimeoutException):
        return f"no answer from {url} in time"
    if isinstance(error, httpx.HTTPStatusError):
        return f"{error.request.url} answered {error.response.status_code} {error.response.reason_phrase}"
    return f"the call to {url or 'the service'} failed ({type(error).__name__})"


def explain_failure(error: Exception) -> str | None:
    """The line to print for an error the user can act on, or None for a bug (which keeps its traceback)."""
    if type(error).__module__.startswith("httpx"):
        return _httpx_line(error)
    if isinstance(error, UnicodeDecodeError):
        return "the file is not UTF-8 text"
    if isinstance(error, OSError) and error.filename is not None:
        return f"cannot use {error.filename}: {error.strerror or type(error).__name__}"
    if type(error).__module__.startswith(("sqlalchemy", "psycopg", "sqlite3")):
        return (
            f"the database refused or could not be reached ({type(error).__name__}); "
            "check the service's <PREFIX>_DATABASE_URL"
        )
    return None
