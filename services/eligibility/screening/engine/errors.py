"""Errors raised while reading sanctions lists and screening against them."""


class ScreeningError(Exception):
    """Base class for every screening failure."""


class SanctionsListUnreadable(ScreeningError):
    """A sanctions list file is not valid XML or not in the format it was read as."""


class ScreeningUnavailable(ScreeningError):
    """Screening cannot give a clean result, so callers must treat the applicant as not cleared."""


class NoSanctionsListLoaded(ScreeningUnavailable):
    """No sanctions list has been loaded, so there is nothing to screen against."""


class SanctionsListEmpty(ScreeningUnavailable):
    """A sanctions list was loaded but holds no entries, which means the feed is broken."""


class SubjectNameMissing(ScreeningError):
    """The person to screen has no name that could be compared."""
