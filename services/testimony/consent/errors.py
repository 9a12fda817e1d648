"""Errors raised by the consent rules, each named after what happened."""


class ConsentError(Exception):
    """Base of every consent error."""


class ConsentTermsInvalid(ConsentError):
    """The terms offered for a consent are incomplete or contradict themselves."""


class ConsentTransitionRefused(ConsentError):
    """The requested change does not follow from the consent's current state."""


class ConsentNotNarrower(ConsentTransitionRefused):
    """A narrowing asked for something the current consent did not already allow."""


class ConsentRenewalChangedTerms(ConsentTransitionRefused):
    """A renewal tried to change more than the expiry or the notice version."""


class ConsentChainBroken(ConsentError):
    """A consent history no longer matches its hash chain: an event was edited, removed or reordered."""
