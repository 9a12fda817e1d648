"""Applicant and duress secrets: stored only as slow hashes, checked in constant work."""

import os
import threading
import time

import anyio
import pytest
from argon2 import PasswordHasher, profiles
from hypothesis import given
from hypothesis import strategies as st

from services.asylum.cases.credentials import (
    HASHING_NICENESS,
    PRODUCTION_PARAMETERS,
    BoundedHasher,
    LookupOutcome,
    SecretHasher,
    StoredSecrets,
    available_cores,
    generate_applicant_secret,
    normalise_secret,
)
from services.asylum.cases.errors import DuressSecretRejected, HashingBusy
from services.asylum.cases.references import ALPHABET
from services.asylum.config import AsylumSettings


@pytest.fixture(scope="module")
def hasher() -> SecretHasher:
    return SecretHasher(profiles.CHEAPEST)


class VerifyCounter:
    """Counts Argon2 verifications, the part of a lookup that costs real time."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        original = PasswordHasher.verify

        def counting(ph: PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
            self.calls += 1
            return original(ph, hash, password)

        monkeypatch.setattr(PasswordHasher, "verify", counting)


def test_production_hashing_is_argon2id_with_at_least_64_mib() -> None:
    assert PRODUCTION_PARAMETERS.type.name == "ID"
    assert PRODUCTION_PARAMETERS.memory_cost >= 64 * 1024


def test_a_new_secret_has_sixty_random_bits_in_readable_groups() -> None:
    secret = generate_applicant_secret()
    groups = secret.split("-")
    assert [len(g) for g in groups] == [4, 4, 4]
    assert set("".join(groups)) <= set(ALPHABET)
    assert len({generate_applicant_secret() for _ in range(1000)}) == 1000


def test_the_secret_is_stored_only_as_an_argon2id_hash(hasher: SecretHasher) -> None:
    secret = generate_applicant_secret()
    stored = hasher.hash_secret(secret)
    assert stored.startswith("$argon2id$")
    assert normalise_secret(secret) not in stored
    assert hasher.hash_secret(secret) != stored, "hashes must be salted"


def test_the_secret_verifies_however_it_is_typed(hasher: SecretHasher) -> None:
    secret = generate_applicant_secret()
    stored = hasher.hash_secret(secret)
    assert hasher.verify_secret(stored, " " + secret.lower().replace("-", " ") + " ")


def test_a_wrong_secret_does_not_verify(hasher: SecretHasher) -> None:
    stored = hasher.hash_secret(generate_applicant_secret())
    assert not hasher.verify_secret(stored, generate_applicant_secret())


def test_a_missing_hash_never_verifies(hasher: SecretHasher) -> None:
    assert not hasher.verify_secret(None, generate_applicant_secret())


def test_a_corrupt_stored_hash_is_a_rejection_not_a_crash(hasher: SecretHasher) -> None:
    assert not hasher.verify_secret("not-a-hash", "ABCD-EFGH-JKMN")


@given(st.text(max_size=40))
def test_normalising_a_secret_twice_changes_nothing(text: str) -> None:
    assert normalise_secret(normalise_secret(text)) == normalise_secret(text)


def test_lookups_classify_genuine_duress_and_wrong_secrets(hasher: SecretHasher) -> None:
    secret = generate_applicant_secret()
    stored = StoredSecrets(
        secret_hash=hasher.hash_secret(secret),
        duress_hash=hasher.hash_duress_secret(hasher.hash_secret(secret), "sunflower 42"),
    )
    assert hasher.check_lookup(stored, secret) is LookupOutcome.GENUINE
    assert hasher.check_lookup(stored, "SUNFLOWER-42") is LookupOutcome.DURESS
    assert hasher.check_lookup(stored, "sunflower 43") is LookupOutcome.REJECTED
    assert hasher.check_lookup(None, secret) is LookupOutcome.REJECTED


def test_unknown_reference_wrong_secret_and_right_secret_cost_the_same_work(
    hasher: SecretHasher, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = generate_applicant_secret()
    with_duress = StoredSecrets(
        hasher.hash_secret(secret), hasher.hash_duress_secret(hasher.hash_secret(secret), "123456")
    )
    without_duress = StoredSecrets(hasher.hash_secret(secret))
    counter = VerifyCounter(monkeypatch)
    calls = []
    for stored, presented in [
        (None, secret),
        (without_duress, "wrong-one"),
        (without_duress, secret),
        (with_duress, secret),
        (with_duress, "123456"),
        (with_duress, "wrong-one"),
    ]:
        counter.calls = 0
        hasher.check_lookup(stored, presented)
        calls.append(counter.calls)
    assert calls == [2] * len(calls)


def test_the_dummy_hash_uses_the_same_parameters_as_real_hashes(hasher: SecretHasher) -> None:
    # A cheaper dummy would make unknown references answer faster than wrong secrets.
    real = hasher.hash_secret("ABCD-EFGH-JKMN")
    dummy = hasher._dummy_hash
    assert real.rsplit("$", 2)[0] == dummy.rsplit("$", 2)[0]


def test_a_duress_secret_equal_to_the_case_secret_is_refused(hasher: SecretHasher) -> None:
    secret = generate_applicant_secret()
    with pytest.raises(DuressSecretRejected, match="differ"):
        hasher.hash_duress_secret(hasher.hash_secret(secret), secret.lower())


@pytest.mark.parametrize("candidate", ["", "12 34", "ab-c-d-e", "x" * 129])
def test_a_duress_secret_too_short_or_too_long_is_refused(hasher: SecretHasher, candidate: str) -> None:
    with pytest.raises(DuressSecretRejected):
        hasher.hash_duress_secret(hasher.hash_secret("ABCD-EFGH-JKMN"), candidate)


async def test_no_more_hashes_run_at_once_than_allowed(hasher: SecretHasher, monkeypatch: pytest.MonkeyPatch) -> None:
    running = 0
    peak = 0
    guard = threading.Lock()
    original = PasswordHasher.verify

    def slow_verify(ph: PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        nonlocal running, peak
        with guard:
            running += 1
            peak = max(peak, running)
        time.sleep(0.01)
        with guard:
            running -= 1
        return original(ph, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", slow_verify)
    bounded = BoundedHasher(hasher, concurrency=2)
    async with anyio.create_task_group() as group:
        for _ in range(8):
            group.start_soon(bounded.check_lookup, None, "ABCD-EFGH-JKMN")
    assert peak == 2


class BlockedVerify:
    """Holds every Argon2 verification until released, noting how many run at once."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.release = threading.Event()
        self.started = threading.Semaphore(0)
        self.priorities: list[int] = []
        original = PasswordHasher.verify

        def held(ph: PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
            self.priorities.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
            self.started.release()
            self.release.wait(timeout=10)
            return original(ph, hash, password)

        monkeypatch.setattr(PasswordHasher, "verify", held)


async def test_lookups_beyond_the_slots_and_the_queue_are_refused_at_once_with_retry_after(
    hasher: SecretHasher, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = BlockedVerify(monkeypatch)
    bounded = BoundedHasher(hasher, concurrency=1, queue=1)
    outcomes: list[LookupOutcome] = []

    async def look() -> None:
        outcomes.append(await bounded.check_lookup(None, "ABCD-EFGH-JKMN"))

    async with anyio.create_task_group() as group:
        group.start_soon(look)
        group.start_soon(look)
        await anyio.to_thread.run_sync(blocked.started.acquire)
        # One runs, one waits: a third is refused without waiting, whatever it would have checked.
        with pytest.raises(HashingBusy) as refused:
            await bounded.check_lookup(None, "ABCD-EFGH-JKMN")
        assert int(refused.value.headers["Retry-After"]) >= 1
        assert refused.value.status == 503
        blocked.release.set()
    assert outcomes == [LookupOutcome.REJECTED, LookupOutcome.REJECTED]
    # The slots free up once the jobs end.
    assert bounded.admitted == 0
    assert await bounded.check_lookup(None, "ABCD-EFGH-JKMN") is LookupOutcome.REJECTED
    bounded.close()


async def test_hashing_runs_at_a_low_priority_off_the_event_loop(
    hasher: SecretHasher, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = BlockedVerify(monkeypatch)
    blocked.release.set()
    bounded = BoundedHasher(hasher, concurrency=1)
    await bounded.check_lookup(None, "ABCD-EFGH-JKMN")
    bounded.close()
    assert blocked.priorities == [HASHING_NICENESS, HASHING_NICENESS]
    # The event loop's own thread keeps its priority.
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) < HASHING_NICENESS


def test_the_slots_default_to_one_per_core_and_a_queue_of_four_each() -> None:
    settings = AsylumSettings(database_url="sqlite+aiosqlite:///:memory:")
    assert settings.secret_hash_slots() == (available_cores(), max(8, 4 * available_cores()))
    tuned = AsylumSettings(database_url="sqlite+aiosqlite:///:memory:", secret_hash_concurrency=3, secret_hash_queue=0)
    assert tuned.secret_hash_slots() == (3, 0)
