"""What every page answer carries, and the browser session that binds each form to its reader.

A page session is a random id in an HttpOnly, SameSite=Strict cookie (Secure, with the `__Host-` prefix, in
production). Every form carries a token derived from that id with a key only the server holds (a signed
double-submit token), so another site can neither read nor forge it; a form whose token does not match
the cookie is refused. Services that keep state for a session key it by a hash of the id, and give the
browser a new id whenever that state changes hands (opening or closing), so a planted id is worth nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

# No script, font, frame or third-party anything: only our own stylesheet and images, forms to ourselves.
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
LANGUAGE_COOKIE = "carrots-lang"
CSRF_FIELD = "csrf_token"
_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{43}$")
_KEY_LABEL = b"carrots-pages-csrf-v1"


def page_headers(*, private: bool) -> dict[str, str]:
    """Headers of every HTML page; private pages (anything a reader typed a secret into) are never stored."""
    return {
        "Content-Security-Policy": PAGE_CSP,
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        # Pages carry a per-browser form token and follow the reader's language: no shared cache may keep them,
        # and a withdrawn testimony must not linger in any cache either.
        "Cache-Control": "no-store" if private else "no-cache, private",
        "Vary": "Accept-Language, Cookie",
    }


def session_cookie_name(secure: bool) -> str:
    """The session cookie's name: `__Host-` pinned to this origin, over HTTPS, wherever the browser allows it."""
    return "__Host-carrots-page" if secure else "carrots-page"


def new_session_id() -> str:
    """A fresh page session id (256 random bits)."""
    return secrets.token_urlsafe(32)


def is_session_id(value: str | None) -> bool:
    """Whether a cookie value has the shape of a page session id."""
    return value is not None and _SESSION_ID.fullmatch(value) is not None


def session_key(session_id: str) -> str:
    """The key under which a service may keep state for a session: never the id itself."""
    return hashlib.sha256(session_id.encode("ascii")).hexdigest()


class FormGuard:
    """Derives and checks the form tokens bound to page sessions."""

    def __init__(self, secret: bytes) -> None:
        if not secret:
            raise ValueError("the form guard needs a secret key")
        self._key = hmac.new(secret, _KEY_LABEL, hashlib.sha256).digest()

    def token_for(self, session_id: str) -> str:
        """The form token of one session."""
        return hmac.new(self._key, session_id.encode("ascii"), hashlib.sha256).hexdigest()

    def is_genuine(self, session_id: str | None, token: str | None) -> bool:
        """Whether a submitted form token belongs to the session that submitted it."""
        if not is_session_id(session_id) or not token:
            return False
        assert session_id is not None
        return hmac.compare_digest(self.token_for(session_id), token)
