"""Country names and codes from lists, reduced to one comparable code."""

from rigour.territories import lookup_territory


def normalise_country(text: str) -> str:
    """Return the lower-case territory code for a country name or code, or the cleaned text when unknown."""
    territory = lookup_territory(text)
    return territory.code if territory is not None else " ".join(text.lower().split())
