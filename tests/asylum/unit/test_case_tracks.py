"""The track an approval opens a case on, and the track the family follows with it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.asylum.cases.tracks import Track, choose_case_coverage


@given(st.booleans(), st.booleans())
def test_without_asylum_or_residence_no_case_opens(family_asylum: bool, family_residence_path: bool) -> None:
    coverage = choose_case_coverage(
        asylum_track=False,
        residence_path=False,
        family_asylum=family_asylum,
        family_residence_path=family_residence_path,
    )
    assert coverage is None


@given(st.booleans(), st.booleans(), st.booleans(), st.booleans())
def test_the_family_never_gets_a_track_the_approval_did_not_give_it(
    asylum_track: bool, residence_path: bool, family_asylum: bool, family_residence_path: bool
) -> None:
    coverage = choose_case_coverage(
        asylum_track=asylum_track,
        residence_path=residence_path,
        family_asylum=family_asylum,
        family_residence_path=family_residence_path,
    )
    if coverage is None:
        return
    assert coverage.track is (Track.ASYLUM if asylum_track else Track.RESIDENCE)
    if coverage.family_track is Track.ASYLUM:
        assert family_asylum
        assert coverage.track is Track.ASYLUM
    if coverage.family_track is Track.RESIDENCE:
        assert family_residence_path
    assert coverage.family_covered == (coverage.family_track is not None)


def test_a_family_promised_asylum_follows_the_applicants_asylum_track() -> None:
    coverage = choose_case_coverage(
        asylum_track=True, residence_path=False, family_asylum=True, family_residence_path=True
    )
    assert coverage is not None
    assert (coverage.track, coverage.family_track) == (Track.ASYLUM, Track.ASYLUM)


def test_an_applicant_on_both_tracks_is_on_the_asylum_track() -> None:
    coverage = choose_case_coverage(
        asylum_track=True, residence_path=True, family_asylum=False, family_residence_path=False
    )
    assert coverage is not None
    assert (coverage.track, coverage.family_track) == (Track.ASYLUM, None)
