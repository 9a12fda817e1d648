"""Which track a case follows (asylum or residence) and which track, if any, the family follows with it."""

from dataclasses import dataclass
from enum import StrEnum


class Track(StrEnum):
    """The road a case is on: protection as a refugee, or a residence permit without asylum."""

    ASYLUM = "asylum"
    RESIDENCE = "residence"


@dataclass(frozen=True, slots=True)
class CaseCoverage:
    """What an approval opens: the applicant's track, and the family's track (None if not covered)."""

    track: Track
    family_track: Track | None

    @property
    def family_covered(self) -> bool:
        """Tell whether dependants join the case."""
        return self.family_track is not None


def choose_case_coverage(
    *, asylum_track: bool, residence_path: bool, family_asylum: bool, family_residence_path: bool
) -> CaseCoverage | None:
    """Return the coverage an approval's entitlements give, or None when they open no case at all."""
    if asylum_track:
        track = Track.ASYLUM
    elif residence_path:
        track = Track.RESIDENCE
    else:
        return None
    # The family can follow the applicant's asylum track only if the applicant is on it;
    # otherwise a residence path for the family is the most they were promised.
    if family_asylum and track is Track.ASYLUM:
        family: Track | None = Track.ASYLUM
    elif family_residence_path:
        family = Track.RESIDENCE
    else:
        family = None
    return CaseCoverage(track, family)
