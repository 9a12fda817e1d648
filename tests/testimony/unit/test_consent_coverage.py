"""The current consent covers a use only for its purposes, its conditions, and its time window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.testimony.consent.chain import ChainedConsentEvent, ConsentEvent, append_event
from services.testimony.consent.coverage import (
    DerivativeFacts,
    SubjectConsent,
    SubjectUse,
    UseRefusal,
    decide_publication,
    decide_subject_use,
)
from services.testimony.consent.domain import (
    Attribution,
    ConsentEventKind,
    ConsentMethod,
    ConsentTerms,
    Purpose,
    PurposeConditions,
    is_within,
)

T0 = datetime(2026, 3, 1, tzinfo=UTC)
PUBLIC = Purpose.PUBLIC_PUBLICATION


def consent_of(subject_ref: str, *changes: tuple[ConsentEventKind, ConsentTerms | None]) -> SubjectConsent:
    record_id = f"record-{subject_ref}"
    chain: list[ChainedConsentEvent] = []
    for offset, (kind, terms) in enumerate(changes):
        chain.append(append_event(record_id, chain, ConsentEvent(kind, T0 + timedelta(minutes=offset), terms)))
    return SubjectConsent(subject_ref=subject_ref, record_id=record_id, chain=chain)


def terms_for(purpose: Purpose = PUBLIC, **conditions: object) -> ConsentTerms:
    return ConsentTerms(
        grants={purpose: PurposeConditions(**conditions)},  # type: ignore[arg-type]
        notice_version="n1",
        method=ConsentMethod.RECORDED_VERBAL,
    )


def anonymous_use(purpose: Purpose = PUBLIC, approved: bool = False) -> SubjectUse:
    return SubjectUse(purpose=purpose, identified=False, face_obscured=True, voice_obscured=True, approved=approved)


def facts(**overrides: object) -> DerivativeFacts:
    values: dict[str, object] = {
        "author_named": False,
        "faces_obscured": True,
        "voices_obscured": True,
        "redacted_subjects": frozenset(),
        "approved_by": frozenset(),
    }
    values.update(overrides)
    return DerivativeFacts(**values)  # type: ignore[arg-type]


LATER = T0 + timedelta(days=1)


def test_a_use_is_covered_only_for_a_granted_purpose() -> None:
    author = consent_of("author", (ConsentEventKind.GIVEN, terms_for(Purpose.PROSECUTORS)))
    assert decide_subject_use(author, anonymous_use(Purpose.PROSECUTORS), LATER).covered
    refused = decide_subject_use(author, anonymous_use(PUBLIC), LATER)
    assert refused.refusals == (UseRefusal.PURPOSE_NOT_GRANTED,)


def test_no_history_means_no_consent() -> None:
    decision = decide_subject_use(consent_of("author"), anonymous_use(), LATER)
    assert decision.refusals == (UseRefusal.NO_CONSENT,)


def test_an_anonymous_consent_refuses_a_named_use() -> None:
    author = consent_of("author", (ConsentEventKind.GIVEN, terms_for(attribution=Attribution.ANONYMOUS)))
    named = SubjectUse(PUBLIC, identified=True, face_obscured=True, voice_obscured=True, approved=False)
    assert UseRefusal.IDENTIFICATION_NOT_ALLOWED in decide_subject_use(author, named, LATER).refusals
    assert decide_subject_use(author, anonymous_use(), LATER).covered


def test_obscuring_conditions_refuse_visible_faces_and_clear_voices() -> None:
    author = consent_of("author", (ConsentEventKind.GIVEN, terms_for(face_obscured=True, voice_obscured=True)))
    exposed = SubjectUse(PUBLIC, identified=False, face_obscured=False, voice_obscured=False, approved=False)
    refusals = decide_subject_use(author, exposed, LATER).refusals
    assert set(refusals) == {UseRefusal.FACE_NOT_OBSCURED, UseRefusal.VOICE_NOT_OBSCURED}


def test_nothing_is_covered_before_the_embargo_lifts() -> None:
    lifts = T0 + timedelta(days=10)
    author = consent_of("author", (ConsentEventKind.GIVEN, terms_for(embargo_until=lifts)))
    assert decide_subject_use(author, anonymous_use(), lifts - timedelta(seconds=1)).refusals == (UseRefusal.EMBARGOED,)
    assert decide_subject_use(author, anonymous_use(), lifts).covered


def test_nothing_is_covered_from_the_expiry_on() -> None:
    ends = T0 + timedelta(days=10)
    author = consent_of("author", (ConsentEventKind.GIVEN, terms_for(expires_at=ends)))
    before = decide_subject_use(author, anonymous_use(), ends - timedelta(seconds=1))
    assert before.covered
    assert before.covered_until == ends
    assert decide_subject_use(author, anonymous_use(), ends).refusals == (UseRefusal.EXPIRED,)


def test_a_withdrawn_consent_covers_nothing() -> None:
    author = consent_of("author", (ConsentEventKind.GIVEN, terms_for()), (ConsentEventKind.WITHDRAWN, None))
    assert decide_subject_use(author, anonymous_use(), LATER).refusals == (UseRefusal.WITHDRAWN,)


def test_a_narrowed_consent_no_longer_covers_the_purpose_it_dropped() -> None:
    both = ConsentTerms(
        grants={PUBLIC: PurposeConditions(), Purpose.PRESS: PurposeConditions()},
        notice_version="n1",
        method=ConsentMethod.ELECTRONIC_FORM,
    )
    author = consent_of("author", (ConsentEventKind.GIVEN, both), (ConsentEventKind.NARROWED, terms_for(Purpose.PRESS)))
    assert decide_subject_use(author, anonymous_use(Purpose.PRESS), LATER).covered
    assert not decide_subject_use(author, anonymous_use(PUBLIC), LATER).covered


def test_approval_is_needed_only_where_the_consent_asks_for_it() -> None:
    strict = consent_of("author", (ConsentEventKind.GIVEN, terms_for(approval_required=True)))
    assert decide_subject_use(strict, anonymous_use(), LATER).refusals == (UseRefusal.APPROVAL_MISSING,)
    assert decide_subject_use(strict, anonymous_use(approved=True), LATER).covered
    relaxed = consent_of("author", (ConsentEventKind.GIVEN, terms_for(approval_required=False)))
    assert decide_subject_use(relaxed, anonymous_use(), LATER).covered


def test_a_family_member_without_consent_blocks_publication() -> None:
    author = consent_of("author", (ConsentEventKind.GIVEN, terms_for()))
    sister = consent_of("sister")
    decision = decide_publication(PUBLIC, author, [sister], facts(), LATER)
    assert not decision.allowed
    assert decision.subjects[1].refusals == (UseRefusal.NO_CONSENT,)


def test_a_family_member_redacted_out_of_the_derivative_needs_no_consent() -> None:
    author = consent_of("author", (ConsentEventKind.GIVEN, terms_for()))
    sister = consent_of("sister")
    decision = decide_publication(PUBLIC, author, [sister], facts(redacted_subjects=frozenset({"sister"})), LATER)
    assert decision.allowed
    assert [s.subject_ref for s in decision.subjects] == ["author"]


def test_a_family_member_must_consent_to_being_identifiable() -> None:
    author = consent_of("author", (ConsentEventKind.GIVEN, terms_for()))
    anonymous_sister = consent_of("sister", (ConsentEventKind.GIVEN, terms_for(attribution=Attribution.ANONYMOUS)))
    assert not decide_publication(PUBLIC, author, [anonymous_sister], facts(), LATER).allowed
    named_sister = consent_of("sister", (ConsentEventKind.GIVEN, terms_for(attribution=Attribution.NAMED)))
    assert decide_publication(PUBLIC, author, [named_sister], facts(), LATER).allowed


def test_the_publication_lasts_only_until_the_earliest_expiry() -> None:
    author_ends, sister_ends = T0 + timedelta(days=90), T0 + timedelta(days=30)
    author = consent_of("author", (ConsentEventKind.GIVEN, terms_for(expires_at=author_ends)))
    sister = consent_of(
        "sister", (ConsentEventKind.GIVEN, terms_for(attribution=Attribution.NAMED, expires_at=sister_ends))
    )
    decision = decide_publication(PUBLIC, author, [sister], facts(), LATER)
    assert decision.allowed
    assert decision.covered_until == sister_ends
    assert not decide_publication(PUBLIC, author, [sister], facts(), sister_ends).allowed


# Hypothesis takes naive bounds and attaches the time zone itself.
EARLIEST, LATEST = datetime(2026, 1, 1), datetime(2027, 1, 1)
instants = st.one_of(st.none(), st.datetimes(min_value=EARLIEST, max_value=LATEST, timezones=st.just(UTC)))


@st.composite
def conditions_strategy(draw: st.DrawFn) -> PurposeConditions:
    embargo, expiry = draw(instants), draw(instants)
    if embargo is not None and expiry is not None and expiry <= embargo:
        expiry = embargo + timedelta(days=1)
    return PurposeConditions(
        attribution=draw(st.sampled_from(Attribution)),
        face_obscured=draw(st.booleans()),
        voice_obscured=draw(st.booleans()),
        embargo_until=embargo,
        expires_at=expiry,
        approval_required=draw(st.booleans()),
    )


uses = st.builds(
    SubjectUse,
    purpose=st.just(PUBLIC),
    identified=st.booleans(),
    face_obscured=st.booleans(),
    voice_obscured=st.booleans(),
    approved=st.booleans(),
)
moments = st.datetimes(min_value=EARLIEST, max_value=LATEST, timezones=st.just(UTC))


@given(wider=conditions_strategy(), narrower=conditions_strategy(), use=uses, at=moments)
def test_narrower_conditions_never_cover_a_use_the_wider_ones_refuse(
    wider: PurposeConditions, narrower: PurposeConditions, use: SubjectUse, at: datetime
) -> None:
    def covered(conditions: PurposeConditions) -> bool:
        terms = ConsentTerms({PUBLIC: conditions}, "n1", ConsentMethod.ELECTRONIC_FORM)
        subject = consent_of("s", (ConsentEventKind.GIVEN, terms))
        return decide_subject_use(subject, use, at).covered

    if is_within(narrower, wider) and covered(narrower):
        assert covered(wider)
