"""The consent history is an append-only hash chain whose transitions follow the consent's state."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.testimony.consent.chain import (
    ChainedConsentEvent,
    ConsentEvent,
    append_event,
    current_state,
    deserialize_event,
    hash_event,
    serialize_event,
    verify_chain,
)
from services.testimony.consent.domain import (
    Attribution,
    ConsentEventKind,
    ConsentMethod,
    ConsentTerms,
    Purpose,
    PurposeConditions,
)
from services.testimony.consent.errors import (
    ConsentChainBroken,
    ConsentNotNarrower,
    ConsentRenewalChangedTerms,
    ConsentTermsInvalid,
    ConsentTransitionRefused,
)

RECORD = "rec-1"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def make_terms(**grants: PurposeConditions) -> ConsentTerms:
    return ConsentTerms(
        grants={Purpose(name): conditions for name, conditions in grants.items()},
        notice_version="notice-2026-01",
        method=ConsentMethod.ELECTRONIC_FORM,
    )


def wide_terms() -> ConsentTerms:
    named = PurposeConditions(attribution=Attribution.NAMED, face_obscured=False, voice_obscured=False)
    return make_terms(public_publication=named, press=named)


def build_chain(*events: ConsentEvent, record_id: str = RECORD) -> list[ChainedConsentEvent]:
    chain: list[ChainedConsentEvent] = []
    for event in events:
        chain.append(append_event(record_id, chain, event))
    return chain


def given_event(terms: ConsentTerms | None = None, at: datetime = T0) -> ConsentEvent:
    return ConsentEvent(ConsentEventKind.GIVEN, at, terms or wide_terms())


def withdrawn_event(at: datetime) -> ConsentEvent:
    return ConsentEvent(ConsentEventKind.WITHDRAWN, at)


def test_a_fresh_chain_verifies_and_leads_to_the_last_terms() -> None:
    narrowed = make_terms(public_publication=PurposeConditions())
    chain = build_chain(given_event(), ConsentEvent(ConsentEventKind.NARROWED, T0 + timedelta(days=1), narrowed))
    verify_chain(RECORD, chain)
    state = current_state(RECORD, chain)
    assert state.terms == narrowed
    assert state.version == chain[-1].version
    assert chain[1].previous_hash == chain[0].event_hash


def test_an_edited_event_breaks_the_chain() -> None:
    chain = build_chain(given_event(), withdrawn_event(T0 + timedelta(days=1)))
    forged = dataclasses.replace(chain[0], event=given_event(make_terms(prosecutors=PurposeConditions())))
    with pytest.raises(ConsentChainBroken, match="altered"):
        verify_chain(RECORD, [forged, chain[1]])


def test_a_removed_event_breaks_the_chain() -> None:
    narrowed = make_terms(public_publication=PurposeConditions())
    chain = build_chain(
        given_event(),
        ConsentEvent(ConsentEventKind.NARROWED, T0 + timedelta(days=1), narrowed),
        withdrawn_event(T0 + timedelta(days=2)),
    )
    with pytest.raises(ConsentChainBroken):
        verify_chain(RECORD, [chain[0], chain[2]])
    with pytest.raises(ConsentChainBroken):
        verify_chain(RECORD, chain[1:])


def test_removing_the_last_event_is_caught_against_a_known_head() -> None:
    chain = build_chain(given_event(), withdrawn_event(T0 + timedelta(days=1)))
    truncated = chain[:-1]
    verify_chain(RECORD, truncated)
    # A chain alone cannot know its own tail is missing; the stored head version (in receipts) does.
    assert current_state(RECORD, truncated).version != chain[-1].version


def test_an_event_moved_to_another_record_breaks_the_chain() -> None:
    chain = build_chain(given_event(), record_id="rec-other")
    with pytest.raises(ConsentChainBroken, match="another consent record"):
        verify_chain(RECORD, chain)
    relabelled = dataclasses.replace(chain[0], record_id=RECORD)
    with pytest.raises(ConsentChainBroken, match="altered"):
        verify_chain(RECORD, [relabelled])


def test_appending_to_a_broken_chain_is_refused() -> None:
    chain = build_chain(given_event())
    forged = dataclasses.replace(chain[0], event_hash="f" * 64)
    with pytest.raises(ConsentChainBroken):
        append_event(RECORD, [forged], withdrawn_event(T0 + timedelta(days=1)))


def test_consent_cannot_be_given_twice_while_in_force() -> None:
    chain = build_chain(given_event())
    with pytest.raises(ConsentTransitionRefused):
        append_event(RECORD, chain, given_event(at=T0 + timedelta(days=1)))


def test_consent_can_be_given_again_after_withdrawal() -> None:
    chain = build_chain(given_event(), withdrawn_event(T0 + timedelta(days=1)))
    chain.append(append_event(RECORD, chain, given_event(at=T0 + timedelta(days=2))))
    assert current_state(RECORD, chain).is_active


def test_nothing_but_giving_follows_a_withdrawal() -> None:
    chain = build_chain(given_event(), withdrawn_event(T0 + timedelta(days=1)))
    for event in (
        withdrawn_event(T0 + timedelta(days=2)),
        ConsentEvent(ConsentEventKind.RENEWED, T0 + timedelta(days=2), wide_terms()),
        ConsentEvent(ConsentEventKind.NARROWED, T0 + timedelta(days=2), make_terms(press=PurposeConditions())),
    ):
        with pytest.raises(ConsentTransitionRefused):
            append_event(RECORD, chain, event)


def test_withdrawal_records_its_moment_and_leaves_no_terms() -> None:
    moment = T0 + timedelta(hours=5)
    state = current_state(RECORD, build_chain(given_event(), withdrawn_event(moment)))
    assert state.terms is None
    assert state.withdrawn_at == moment


def test_a_narrowing_that_adds_a_purpose_is_refused() -> None:
    chain = build_chain(given_event(make_terms(press=PurposeConditions())))
    wider = make_terms(press=PurposeConditions(), prosecutors=PurposeConditions())
    with pytest.raises(ConsentNotNarrower):
        append_event(RECORD, chain, ConsentEvent(ConsentEventKind.NARROWED, T0, wider))


def test_a_narrowing_that_lifts_anonymity_is_refused() -> None:
    chain = build_chain(given_event(make_terms(press=PurposeConditions(attribution=Attribution.ANONYMOUS))))
    named = make_terms(press=PurposeConditions(attribution=Attribution.NAMED))
    with pytest.raises(ConsentNotNarrower):
        append_event(RECORD, chain, ConsentEvent(ConsentEventKind.NARROWED, T0, named))


def test_a_narrowing_that_extends_expiry_is_refused() -> None:
    ends = T0 + timedelta(days=30)
    chain = build_chain(given_event(make_terms(press=PurposeConditions(expires_at=ends))))
    later = make_terms(press=PurposeConditions(expires_at=ends + timedelta(days=1)))
    with pytest.raises(ConsentNotNarrower):
        append_event(RECORD, chain, ConsentEvent(ConsentEventKind.NARROWED, T0, later))


def test_a_narrowing_identical_to_the_consent_in_force_is_refused() -> None:
    chain = build_chain(given_event())
    with pytest.raises(ConsentNotNarrower):
        append_event(RECORD, chain, ConsentEvent(ConsentEventKind.NARROWED, T0, wide_terms()))


def test_a_renewal_may_extend_expiry_but_not_change_conditions() -> None:
    ends = T0 + timedelta(days=30)
    chain = build_chain(given_event(make_terms(press=PurposeConditions(expires_at=ends))))
    extended = make_terms(press=PurposeConditions(expires_at=ends + timedelta(days=365)))
    chain.append(append_event(RECORD, chain, ConsentEvent(ConsentEventKind.RENEWED, T0, extended)))
    assert current_state(RECORD, chain).terms == extended
    shorter = make_terms(press=PurposeConditions(expires_at=ends))
    with pytest.raises(ConsentRenewalChangedTerms):
        append_event(RECORD, chain, ConsentEvent(ConsentEventKind.RENEWED, T0, shorter))
    named = make_terms(press=PurposeConditions(attribution=Attribution.NAMED, expires_at=ends + timedelta(days=365)))
    with pytest.raises(ConsentRenewalChangedTerms):
        append_event(RECORD, chain, ConsentEvent(ConsentEventKind.RENEWED, T0, named))


def test_an_event_cannot_predate_the_one_before_it() -> None:
    chain = build_chain(given_event(at=T0 + timedelta(days=2)))
    with pytest.raises(ConsentTransitionRefused, match="predate"):
        append_event(RECORD, chain, withdrawn_event(T0))


def test_terms_refuse_naive_times_empty_grants_and_expiry_before_embargo() -> None:
    with pytest.raises(ConsentTermsInvalid):
        PurposeConditions(expires_at=datetime(2026, 1, 1))
    with pytest.raises(ConsentTermsInvalid):
        make_terms()
    with pytest.raises(ConsentTermsInvalid):
        PurposeConditions(embargo_until=T0 + timedelta(days=2), expires_at=T0 + timedelta(days=1))
    with pytest.raises(ConsentTermsInvalid):
        ConsentEvent(ConsentEventKind.WITHDRAWN, T0, wide_terms())


# Hypothesis takes naive bounds and attaches the time zone itself.
EARLIEST, LATEST = datetime(2020, 1, 1), datetime(2040, 1, 1)
instants = st.one_of(st.none(), st.datetimes(min_value=EARLIEST, max_value=LATEST, timezones=st.just(UTC)))


@st.composite
def conditions_strategy(draw: st.DrawFn) -> PurposeConditions:
    embargo = draw(instants)
    expiry = draw(instants)
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


terms_strategy = st.builds(
    ConsentTerms,
    grants=st.dictionaries(st.sampled_from(Purpose), conditions_strategy(), min_size=1),
    notice_version=st.text(min_size=1, max_size=12).filter(str.strip),
    method=st.sampled_from(ConsentMethod),
)


@given(terms=terms_strategy)
def test_events_survive_serialization_with_the_same_hash(terms: ConsentTerms) -> None:
    event = ConsentEvent(ConsentEventKind.GIVEN, T0, terms)
    restored = deserialize_event(serialize_event(event))
    assert restored == event
    assert hash_event(RECORD, 1, "0" * 64, restored) == hash_event(RECORD, 1, "0" * 64, event)
