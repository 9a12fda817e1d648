"""The payments worker releases what fell due and signs chain heads on its schedule; the API process does neither."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from shared.worker import Worker
from tests.harness import Harness, Tokens
from tests.payments.service.helpers import approve_applicant, obligations_of, officer


async def test_stipend_months_due_by_today_are_released_by_the_worker_without_a_call(
    payments: Harness, tokens: Tokens
) -> None:
    headers = officer(tokens)
    started = datetime.now(UTC).date() - timedelta(days=40)
    await approve_applicant(payments, applicant_id="app-w1", tranches=[], stipend=(1_000, 4), approved_on=started)
    assert {o["status"] for o in await obligations_of(payments, headers, "app-w1")} == {"waiting"}
    assert await Worker(payments.app, worker_id="w1").run_due_schedules() >= 1
    statuses = sorted((o["due_on"], o["status"]) for o in await obligations_of(payments, headers, "app-w1"))
    due = [s for d, s in statuses if date.fromisoformat(d) <= datetime.now(UTC).date()]
    assert due == ["due", "due"]
    assert [s for d, s in statuses if date.fromisoformat(d) > datetime.now(UTC).date()] == ["waiting", "waiting"]


async def test_a_tick_taken_by_one_worker_is_not_run_by_another(payments: Harness, tokens: Tokens) -> None:
    first = await Worker(payments.app, worker_id="w1").run_due_schedules()
    assert first == 4  # release-due, checkpoints, job pruning, key purge: all due on a fresh database
    assert await Worker(payments.app, worker_id="w2").run_due_schedules() == 0
