"""Where a running `carrots up` keeps its development files, so that other commands find the same keys.

`carrots up` writes a small state file (its process id and folder) and removes it when it stops. The file
lives in `$CARROTS_STATE_DIR`, else `$XDG_STATE_HOME/carrots`, else `~/.local/state/carrots`: outside the
folder it names, so that `carrots token issue` finds it from any working directory.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path


def state_file() -> Path:
    """The file naming the running system."""
    explicit = os.environ.get("CARROTS_STATE_DIR")
    if explicit:
        return Path(explicit) / "running.json"
    base = os.environ.get("XDG_STATE_HOME")
    folder = Path(base) if base else Path.home() / ".local" / "state"
    return folder / "carrots" / "running.json"


def remember_running_system(var_dir: Path, urls: dict[str, str]) -> None:
    """Record that this process runs the system from `var_dir`."""
    path = state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"pid": os.getpid(), "var_dir": str(var_dir.resolve()), "services": urls}))


def forget_running_system() -> None:
    """Remove the record, if it is this process's."""
    path = state_file()
    with contextlib.suppress(OSError, ValueError):
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def find_running_var_dir() -> Path | None:
    """The folder of the running `carrots up`, or None when none runs."""
    try:
        state = json.loads(state_file().read_text())
        pid, var_dir = int(state["pid"]), Path(state["var_dir"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return var_dir if _alive(pid) else None
