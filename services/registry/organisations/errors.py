"""Registry errors, named after what happened."""

from __future__ import annotations

from shared.errors import Conflict, NotFound, Unprocessable


class OrganisationNotFound(NotFound):
    slug = "organisation-not-found"


class OrganisationAlreadyRegistered(Conflict):
    slug = "organisation-already-registered"


class OrganisationInvalid(Unprocessable):
    slug = "organisation-invalid"


class StatusUnchanged(Conflict):
    slug = "status-unchanged"
