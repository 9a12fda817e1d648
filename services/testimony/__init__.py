"""Testimony: intake of sealed originals, consent, reviewed derivatives, publication and takedown."""

# The ORM base first, then every domain's tables on it: a domain's models.py imports Base from here, so
# loading the whole set up front keeps that import working whichever module a caller imports first.
import services.testimony.models  # noqa: F401
