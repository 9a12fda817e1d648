"""Country names and codes from lists, reduced to one comparable code."""

from rigour.territories import lookup_territory


def normalise_country(text: str) -> str:
    """Return the lower-case territory code for a country name or code, or the cleaned text when unknown."""
    territory = lookup_territory(text)
    return territory.code if territory is not None else " ".join(text.lower().split())


def document_country(text: str | None) -> str | None:
    """Return the two-letter code of a document's issuing country, or None when the list gives none we know."""
    if not text:
        return None
    code = normalise_country(text)
    return code.upper() if len(code) == 2 and code.isalpha() else None
