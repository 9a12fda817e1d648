"""Statistics withhold figures over fewer than `stats_min_cell` cases, so no person can be singled out."""

from __future__ import annotations

from typing import Any

import pytest

from services.asylum.config import AsylumSettings
from tests.asylum.api.factories import ROAD_TO_GRANT, move, officer, open_case
from tests.harness import Harness, Tokens

WITHHELD = {"value": None, "suppressed": True}


async def grant_cases(h: Harness, tokens: Tokens, count: int) -> None:
    """Open `count` cases and take each through to a grant."""
    for _ in range(count):
        case = await open_case(h, tokens)
        await move(h, tokens, case["id"], *ROAD_TO_GRANT)


async def read_statistics(h: Harness, tokens: Tokens) -> dict[str, Any]:
    answer = await h.client.get("/v1/case-statistics", headers=officer(tokens))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_statistics_withhold_figures_over_four_cases_and_show_them_over_five(
    cases_api: Harness, tokens: Tokens
) -> None:
    await grant_cases(cases_api, tokens, 4)
    stats = await read_statistics(cases_api, tokens)
    assert stats["min_cell"] == 5
    assert stats["cases_by_state"]["granted"] == WITHHELD
    assert stats["cases_by_state"]["refused"] == {"value": 0, "suppressed": False}
    (month,) = stats["decisions_per_month"]
    assert stats["decisions_per_month"][month] == {"granted": WITHHELD}
    assert stats["median_days_per_state"]["registered"] == WITHHELD

    await grant_cases(cases_api, tokens, 1)
    stats = await read_statistics(cases_api, tokens)
    assert stats["cases_by_state"]["granted"] == {"value": 5, "suppressed": False}
    assert stats["decisions_per_month"][month] == {"granted": {"value": 5, "suppressed": False}}
    median = stats["median_days_per_state"]["registered"]
    assert median["suppressed"] is False
    assert median["value"] is not None
    assert median["value"] >= 0


def test_the_smallest_shown_cell_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASYLUM_STATS_MIN_CELL", "10")
    assert AsylumSettings(environment="development").stats_min_cell == 10
    assert AsylumSettings(environment="development", stats_min_cell=5).stats_min_cell == 5
