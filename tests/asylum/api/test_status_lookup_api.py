"""The applicant's status lookup: plain answers, no help for guessers, and a safe duress code."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import anyio
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from services.asylum.cases.references import format_case_reference, generate_case_reference
from services.asylum.models import LookupThrottle
from tests.asylum.api.factories import ROAD_TO_GRANT, database, lookup, move, ngo, officer, open_case
from tests.asylum.conftest import start_asylum
from tests.conftest import AppStarter
from tests.harness import Harness, Tokens


def unknown_reference() -> str:
    return format_case_reference(generate_case_reference())


def comparable(answer: Any) -> tuple[int, str, dict[str, Any]]:
    """Status, content type and body of an answer, minus the per-request id."""
    body = dict(answer.json())
    body.pop("request_id", None)
    return answer.status_code, answer.headers["content-type"], body


@pytest.fixture
async def strict_api(starter: AppStarter) -> AsyncIterator[Harness]:
    """An app that locks a reference after 3 failures."""
    async for h in start_asylum(starter, lookup_max_failures_per_reference=3):
        yield h


async def record_pause(pauses: list[float], seconds: float) -> None:
    """Stand in for sleeping: note how long the answer was asked to wait."""
    pauses.append(seconds)


@pytest.fixture
async def slowing_api(starter: AppStarter) -> AsyncIterator[tuple[Harness, list[float]]]:
    """An app that answers a client's first 2 failures at once, then waits 1, 2, 4 ... at most 5 seconds.

    The pauses are recorded instead of slept, so the test measures what was asked, not the clock.
    """
    async for h in start_asylum(
        starter,
        lookup_max_failures_per_reference=1000,
        lookup_free_failures_per_client=2,
        lookup_failure_delay_seconds=1,
        lookup_max_failure_delay_seconds=5,
    ):
        pauses: list[float] = []
        h.app.state.lookup_pause = partial(record_pause, pauses)
        yield h, pauses


async def test_the_applicant_reads_a_plain_status_and_next_step(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens)
    await move(cases_api, tokens, case["id"], *ROAD_TO_GRANT)
    typed = case["reference"].lower().replace("-", " ")
    answer = await lookup(cases_api, typed, case["secret"])
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "granted"
    assert answer.json()["status"] == "You have been granted asylum."
    russian = await lookup(cases_api, case["reference"], case["secret"], language="ru")
    assert russian.json()["status"] == "Вам предоставлено убежище."


async def test_unknown_reference_and_wrong_secret_get_the_same_answer(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens)
    wrong_secret = await lookup(cases_api, case["reference"], "AAAA-BBBB-CCCC")
    unknown = await lookup(cases_api, unknown_reference(), "AAAA-BBBB-CCCC")
    assert wrong_secret.status_code == 404
    assert comparable(wrong_secret) == comparable(unknown)


async def test_every_lookup_costs_the_same_argon2_work(
    cases_api: Harness, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0
    original = PasswordHasher.verify

    def counting(ph: PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        nonlocal calls
        calls += 1
        return original(ph, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    case = await open_case(cases_api, tokens)
    counts = []
    for reference, secret in [
        (unknown_reference(), "AAAA-BBBB-CCCC"),
        (case["reference"], "AAAA-BBBB-CCCC"),
        (case["reference"], case["secret"]),
    ]:
        calls = 0
        await lookup(cases_api, reference, secret)
        counts.append(calls)
    assert counts == [2, 2, 2]


async def time_guesses(h: Harness, reference: str, rounds: int = 11) -> tuple[float, float]:
    """Fastest answer to a guess at an unknown reference and at `reference`, interleaved."""
    timings: dict[str, list[float]] = {"unknown": [], "known": []}
    for _ in range(rounds):
        for kind, guessed in (("unknown", unknown_reference()), ("known", reference)):
            started = time.perf_counter()
            answer = await lookup(h, guessed, "AAAA-BBBB-CCCC")
            timings[kind].append(time.perf_counter() - started)
            assert answer.status_code == 404
    # The fastest run is the intrinsic cost: other load on the machine only ever adds time.
    return min(timings["unknown"]), min(timings["known"])


async def test_unknown_reference_and_wrong_secret_take_the_same_time(starter: AppStarter, tokens: Tokens) -> None:
    # Hashing costly enough to dominate a request: skipping it for unknown references would show.
    async for h in start_asylum(
        starter,
        secret_hash_time_cost=2,
        secret_hash_memory_kib=32 * 1024,
        secret_hash_parallelism=1,
        lookup_max_failures_per_reference=1000,
        lookup_free_failures_per_client=1000,
    ):
        case = await open_case(h, tokens)
        ratios = []
        # A real difference shows on every try; a busy machine can spoil one, rarely three.
        for _ in range(3):
            unknown, known = await time_guesses(h, case["reference"])
            ratios.append(unknown / known)
            if 0.65 < ratios[-1] < 1.5:
                break
        assert 0.65 < ratios[-1] < 1.5, ratios


async def test_a_reference_is_locked_after_repeated_failures_even_for_the_right_secret(
    strict_api: Harness, tokens: Tokens
) -> None:
    case = await open_case(strict_api, tokens)
    for _ in range(3):
        assert (await lookup(strict_api, case["reference"], "AAAA-BBBB-CCCC")).status_code == 404
    locked = await lookup(strict_api, case["reference"], case["secret"])
    assert locked.status_code == 429
    assert "wait" in locked.json()["detail"].lower()
    assert 0 < int(locked.headers["retry-after"]) <= strict_api.app.state.settings.lookup_lockout_seconds


async def test_the_lockout_answer_gives_the_configured_wait_in_minutes(starter: AppStarter) -> None:
    async for h in start_asylum(starter, lookup_max_failures_per_reference=1, lookup_lockout_seconds=600):
        reference = unknown_reference()
        await lookup(h, reference, "AAAA-BBBB-CCCC")
        locked = await lookup(h, reference, "AAAA-BBBB-CCCC")
        assert locked.status_code == 429
        assert "Wait 10 minutes" in locked.json()["detail"]
        assert "hour" not in locked.json()["detail"]
        assert 590 < int(locked.headers["retry-after"]) <= 600


async def test_retry_after_counts_the_seconds_left_not_the_whole_lockout(strict_api: Harness) -> None:
    reference = unknown_reference()
    for _ in range(3):
        await lookup(strict_api, reference, "AAAA-BBBB-CCCC")
    # Pretend most of the hour has passed: 90 seconds of the lockout are left.
    async with database(strict_api) as session:
        await session.execute(update(LookupThrottle).values(locked_until=datetime.now(UTC) + timedelta(seconds=90)))
        await session.commit()
    locked = await lookup(strict_api, reference, "AAAA-BBBB-CCCC")
    assert locked.status_code == 429
    assert 80 < int(locked.headers["retry-after"]) <= 90
    assert "Wait 2 minutes" in locked.json()["detail"]


async def test_an_unknown_reference_locks_exactly_like_a_real_one(strict_api: Harness) -> None:
    reference = unknown_reference()
    answers = [(await lookup(strict_api, reference, "AAAA-BBBB-CCCC")).status_code for _ in range(4)]
    assert answers == [404, 404, 404, 429]


async def test_a_failing_client_is_slowed_more_with_each_failure_and_never_locked_out(
    slowing_api: tuple[Harness, list[float]], tokens: Tokens
) -> None:
    h, pauses = slowing_api
    case = await open_case(h, tokens)
    waited = []
    for _ in range(7):
        answer = await lookup(h, unknown_reference(), "AAAA-BBBB-CCCC")
        assert answer.status_code == 404
        waited.append(pauses.pop() if pauses else 0.0)
    assert waited == [0.0, 0.0, 1.0, 2.0, 4.0, 5.0, 5.0]
    # A wrong secret for a real case waits exactly as long: the wait tells nothing about the reference.
    assert (await lookup(h, case["reference"], "AAAA-BBBB-CCCC")).status_code == 404
    assert pauses == [5.0]


async def test_a_right_secret_behind_a_failing_address_is_answered_at_once(
    slowing_api: tuple[Harness, list[float]], tokens: Tokens
) -> None:
    h, pauses = slowing_api
    case = await open_case(h, tokens)
    for _ in range(20):
        assert (await lookup(h, unknown_reference(), "AAAA-BBBB-CCCC")).status_code == 404
    pauses.clear()
    answer = await lookup(h, case["reference"], case["secret"])
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "registered"
    assert pauses == []


async def test_the_duress_secret_behind_a_failing_address_answers_exactly_like_the_right_one(
    slowing_api: tuple[Harness, list[float]], tokens: Tokens
) -> None:
    h, pauses = slowing_api
    case = await open_case(h, tokens)
    assert (await set_duress(h, case)).status_code == 204
    for _ in range(25):
        await lookup(h, unknown_reference(), "AAAA-BBBB-CCCC")
    pauses.clear()
    genuine = await lookup(h, case["reference"], case["secret"])
    coerced = await lookup(h, case["reference"], "sunflower 42")
    assert pauses == []
    assert comparable(coerced) == comparable(genuine)
    assert genuine.headers.keys() == coerced.headers.keys()


async def test_a_malformed_reference_answers_422_before_any_throttle(
    slowing_api: tuple[Harness, list[float]], tokens: Tokens
) -> None:
    h, pauses = slowing_api
    case = await open_case(h, tokens)
    # More failures than any lockout ever allowed an address.
    for _ in range(25):
        await lookup(h, unknown_reference(), "AAAA-BBBB-CCCC")
    async with database(h) as session:
        before = [(r.key, r.failures) for r in (await session.execute(select(LookupThrottle))).scalars()]
    pauses.clear()
    typo = case["reference"][:-1] + ("0" if case["reference"][-1] != "0" else "1")
    for malformed in (typo, "J3N7", "not a reference at all"):
        answer = await lookup(h, malformed, case["secret"])
        assert answer.status_code == 422, answer.text
    assert pauses == []
    async with database(h) as session:
        after = [(r.key, r.failures) for r in (await session.execute(select(LookupThrottle))).scalars()]
    assert sorted(after) == sorted(before)


async def test_a_slowed_answer_waits_only_after_its_failure_was_committed(
    slowing_api: tuple[Harness, list[float]],
) -> None:
    h, _ = slowing_api
    counted_during_pause: list[int] = []

    async def read_counter(seconds: float) -> None:
        async with database(h) as session:
            rows = (await session.execute(select(LookupThrottle))).scalars().all()
            counted_during_pause.append(max(r.failures for r in rows))

    h.app.state.lookup_pause = read_counter
    for _ in range(3):
        await lookup(h, unknown_reference(), "AAAA-BBBB-CCCC")
    # The third failure paused, and while it waited its count (3) was already visible to anyone else.
    assert counted_during_pause == [3]


async def test_a_success_clears_the_reference_counter(strict_api: Harness, tokens: Tokens) -> None:
    case = await open_case(strict_api, tokens)
    for _ in range(2):
        for _ in range(2):
            await lookup(strict_api, case["reference"], "AAAA-BBBB-CCCC")
        assert (await lookup(strict_api, case["reference"], case["secret"])).status_code == 200


async def test_a_lockout_ends_after_its_time(starter: AppStarter, tokens: Tokens) -> None:
    async for h in start_asylum(starter, lookup_max_failures_per_reference=1, lookup_lockout_seconds=1):
        case = await open_case(h, tokens)
        await lookup(h, case["reference"], "AAAA-BBBB-CCCC")
        assert (await lookup(h, case["reference"], case["secret"])).status_code == 429
        await anyio.sleep(1.2)
        assert (await lookup(h, case["reference"], case["secret"])).status_code == 200


async def test_a_mistyped_reference_is_reported_as_a_typo(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens)
    reference = case["reference"]
    typo = reference[:-1] + ("0" if reference[-1] != "0" else "1")
    answer = await lookup(cases_api, typo, case["secret"])
    assert answer.status_code == 422
    assert "typing mistake" in answer.json()["detail"]


async def test_a_case_opened_without_a_secret_cannot_be_looked_up_until_one_is_issued(
    cases_api: Harness, tokens: Tokens
) -> None:
    case = await open_case(cases_api, tokens)
    issued = await cases_api.client.post(f"/v1/cases/{case['id']}/applicant-secret", headers=officer(tokens))
    assert issued.status_code == 201
    assert (await lookup(cases_api, case["reference"], case["secret"])).status_code == 404
    assert (await lookup(cases_api, case["reference"], issued.json()["secret"])).status_code == 200


async def set_duress(h: Harness, case: dict[str, Any], duress: str = "sunflower 42") -> Any:
    return await h.client.post(
        "/v1/status-lookup/duress-secret",
        json={"reference": case["reference"], "secret": case["secret"], "duress_secret": duress},
    )


async def test_the_duress_secret_shows_an_ordinary_status_and_alerts_protection_officers(
    cases_api: Harness, tokens: Tokens
) -> None:
    case = await open_case(cases_api, tokens)
    assert (await set_duress(cases_api, case)).status_code == 204
    await move(cases_api, tokens, case["id"], *ROAD_TO_GRANT)

    genuine = await lookup(cases_api, case["reference"], case["secret"])
    coerced = await lookup(cases_api, case["reference"], "SUNFLOWER-42")
    assert coerced.status_code == genuine.status_code == 200
    assert coerced.json().keys() == genuine.json().keys()
    assert genuine.json()["state"] == "granted"
    assert coerced.json()["state"] == "lodged"

    alerts = await cases_api.client.get("/v1/protection-alerts", headers=officer(tokens))
    assert [(a["case_id"], a["flag_count"]) for a in alerts.json()["items"]] == [(case["id"], 1)]
    read = await cases_api.client.get(f"/v1/cases/{case['id']}", headers=officer(tokens))
    assert "flag" not in read.text
    assert "duress" not in read.text


async def test_a_case_withdrawn_before_lodging_shows_registered_under_duress(
    cases_api: Harness, tokens: Tokens
) -> None:
    case = await open_case(cases_api, tokens)
    assert (await set_duress(cases_api, case)).status_code == 204
    assert (await move(cases_api, tokens, case["id"], "withdrawn")).status_code == 200
    coerced = await lookup(cases_api, case["reference"], "SUNFLOWER-42")
    assert coerced.status_code == 200
    assert coerced.json()["state"] == "registered"


async def test_protection_alerts_need_their_own_scope_and_stay_with_the_partner(
    cases_api: Harness, tokens: Tokens
) -> None:
    case = await open_case(cases_api, tokens)
    await set_duress(cases_api, case)
    await lookup(cases_api, case["reference"], "sunflower-42")
    plain = officer(tokens, "DE", "cases:read", "cases:write")
    assert (await cases_api.client.get("/v1/protection-alerts", headers=plain)).status_code == 403
    other = await cases_api.client.get("/v1/protection-alerts", headers=officer(tokens, "PL"))
    assert other.json()["items"] == []
    done = await cases_api.client.post(f"/v1/protection-alerts/{case['id']}/acknowledge", headers=officer(tokens))
    assert done.status_code == 204
    assert (await cases_api.client.get("/v1/protection-alerts", headers=officer(tokens))).json()["items"] == []


async def test_a_duress_secret_too_short_is_refused(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens)
    assert (await set_duress(cases_api, case, "12-3")).status_code == 422


async def test_a_duress_secret_equal_to_the_case_secret_is_refused(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens)
    answer = await set_duress(cases_api, case, case["secret"].lower())
    assert answer.status_code == 422
    assert "differ" in answer.json()["detail"]


async def test_setting_a_duress_secret_under_duress_answers_like_the_real_thing(
    cases_api: Harness, tokens: Tokens
) -> None:
    case = await open_case(cases_api, tokens)
    await set_duress(cases_api, case)
    coerced = {**case, "secret": "sunflower 42"}
    assert (await set_duress(cases_api, coerced, "12")).status_code == 422
    assert (await set_duress(cases_api, coerced, "SUNFLOWER-42")).status_code == 422
    assert (await set_duress(cases_api, coerced, "another one")).status_code == 204
    # Nothing was stored: "another one" is no secret, and the duress secret is unchanged.
    assert (await lookup(cases_api, case["reference"], "another one")).status_code == 404
    assert (await lookup(cases_api, case["reference"], "sunflower 42")).json()["state"] == "registered"


async def test_consent_given_under_duress_shares_nothing(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens)
    await set_duress(cases_api, case)
    given = await cases_api.client.post(
        "/v1/status-lookup/access-grants",
        json={"reference": case["reference"], "secret": "sunflower 42", "ngo_org": "NGO-X", "level": "full"},
    )
    assert given.status_code == 201
    assert given.json()["active"] is True
    assert (
        await cases_api.client.get(f"/v1/shared-cases/{case['id']}", headers=ngo(tokens, "NGO-X"))
    ).status_code == 404


async def test_the_applicant_grants_and_revokes_ngo_access_with_reference_and_secret(
    cases_api: Harness, tokens: Tokens
) -> None:
    case = await open_case(cases_api, tokens)
    await set_duress(cases_api, case)
    creds = {"reference": case["reference"], "secret": case["secret"], "ngo_org": "NGO-A"}
    given = await cases_api.client.post("/v1/status-lookup/access-grants", json={**creds, "level": "status"})
    assert given.status_code == 201
    assert given.json()["recorded_by_kind"] == "applicant"
    assert (await cases_api.client.get(f"/v1/shared-cases/{case['id']}", headers=ngo(tokens))).status_code == 200

    coerced = await cases_api.client.post(
        "/v1/status-lookup/access-grants/revoke", json={**creds, "secret": "sunflower 42"}
    )
    assert coerced.status_code == 204
    assert (await cases_api.client.get(f"/v1/shared-cases/{case['id']}", headers=ngo(tokens))).status_code == 200

    revoked = await cases_api.client.post("/v1/status-lookup/access-grants/revoke", json=creds)
    assert revoked.status_code == 204
    assert (await cases_api.client.get(f"/v1/shared-cases/{case['id']}", headers=ngo(tokens))).status_code == 404


async def test_consent_with_a_wrong_secret_is_refused_like_a_lookup(cases_api: Harness, tokens: Tokens) -> None:
    case = await open_case(cases_api, tokens)
    answer = await cases_api.client.post(
        "/v1/status-lookup/access-grants",
        json={"reference": case["reference"], "secret": "AAAA-BBBB-CCCC", "ngo_org": "NGO-A", "level": "full"},
    )
    wrong_lookup = await lookup(cases_api, case["reference"], "AAAA-BBBB-CCCC")
    assert answer.status_code == 404
    assert comparable(answer)[2]["detail"] == comparable(wrong_lookup)[2]["detail"]


@pytest.mark.postgres_only
async def test_concurrent_guesses_are_all_counted(strict_api: Harness, tokens: Tokens) -> None:
    case = await open_case(strict_api, tokens)
    answers = await asyncio.gather(*(lookup(strict_api, case["reference"], f"WRONG-{i}") for i in range(5)))
    assert {a.status_code for a in answers} <= {404, 429}
    assert (await lookup(strict_api, case["reference"], case["secret"])).status_code == 429


async def test_a_lookup_beyond_the_hashing_slots_answers_503_at_once_and_counts_nothing(
    starter: AppStarter, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, release = threading.Event(), threading.Event()
    original = PasswordHasher.verify

    def held(ph: PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        started.set()
        release.wait(timeout=10)
        return original(ph, hash, password)

    async for h in start_asylum(starter, secret_hash_concurrency=1, secret_hash_queue=0):
        monkeypatch.setattr(PasswordHasher, "verify", held)
        reference = unknown_reference()
        async with anyio.create_task_group() as group:
            group.start_soon(lookup, h, reference, "AAAA-BBBB-CCCC")
            await anyio.to_thread.run_sync(started.wait)
            refused = await lookup(h, reference, "AAAA-BBBB-CCCC")
            release.set()
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"].endswith("/secret-checks-busy")
        assert int(refused.headers["Retry-After"]) >= 1
        async with database(h) as session:
            counted = (await session.execute(select(LookupThrottle.failures))).scalars().all()
        # Only the lookup that was checked counts, once for the client and once for the reference.
        assert counted == [1, 1]
