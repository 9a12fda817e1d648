"""What the image installs: the project built as a wheel (as the Dockerfile does) carries every file it runs with."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

from tests.deploy.manifests import DEPLOY, ROOT

UV = ROOT / ".venv-tools" / "bin" / "uv"


def test_the_wheel_the_image_installs_holds_every_file_of_the_packages(tmp_path: Path) -> None:
    # The image installs the project non-editable, so migrations, templates, catalogues and the stylesheet
    # must travel in the wheel; a file left out would only show once a container started.
    assert "--no-editable" in (DEPLOY / "Dockerfile").read_text()
    built = subprocess.run(
        [str(UV), "build", "--wheel", "--out-dir", str(tmp_path), "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("carrots-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = set(archive.namelist())
    tracked = subprocess.run(
        ["git", "ls-files", "carrots", "shared", "services"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert tracked
    missing = sorted(path for path in tracked if path not in shipped)
    assert missing == []
    assert any(re.match(r"services/payments/migrations/versions/0001_.*\.py$", p) for p in shipped)
