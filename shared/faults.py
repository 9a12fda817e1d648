"""Fault injection for the fault suite (`tests/faults/`): a process ends on the spot at a named point.

A process that reaches an armed point calls `os._exit`: no `finally` block, no shutdown hook, no flush of an
open connection runs, exactly as when the process is killed with SIGKILL at that moment. The suite uses it to
kill a real uvicorn or worker process at the worst moments (the transaction committed, the answer not sent;
an event leased or sent, the outcome not recorded), restarts it and checks that retries lose and double nothing.

Nothing is armed unless the environment variable `CARROTS_FAULT` names a point, as `<point>` or
`<point>:<label>` (the label narrows it, for example to one route: `after-commit:POST /v1/payouts`). A service
refuses to start in production while the variable is set (`ServiceSettings`), so a stray variable can never
arm it there. The points:

- `after-commit`, labelled `<METHOD> <route template>`: the request's transaction has committed and its answer
  has not been sent (`shared.deps.unit_of_work`);
- `outbox-leased`, labelled with the service's name: deliveries are leased, none was sent yet;
- `outbox-sent`, labelled with the service's name: deliveries were sent, their outcome is not yet recorded.
"""

from __future__ import annotations

import os
from typing import Final

FAULT_ENV: Final = "CARROTS_FAULT"
# The exit status of a process ended at a fault point, so a test can tell it from any other exit.
FAULT_EXIT_STATUS: Final = 86


def armed() -> str | None:
    """The fault this process is armed with (the raw value of `CARROTS_FAULT`), or None."""
    return os.environ.get(FAULT_ENV) or None


def crash_point(point: str, label: str = "") -> None:
    """End the process at once if `CARROTS_FAULT` arms this point (and this label, when it names one)."""
    spec = os.environ.get(FAULT_ENV)
    if not spec:
        return
    name, _, wanted = spec.partition(":")
    if name != point or (wanted and wanted != label):
        return
    os.write(2, f"fault injected: {point} {label}\n".encode())
    os._exit(FAULT_EXIT_STATUS)
