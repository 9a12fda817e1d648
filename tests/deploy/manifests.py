"""The deployment as written: the generator's files, and Kubernetes manifests rendered by kustomize."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
KUSTOMIZATIONS = {"base": DEPLOY / "k8s" / "base", "production": DEPLOY / "k8s" / "overlays" / "production"}


def generator() -> ModuleType:
    """deploy/generate.py, imported from its path (deploy/ is not a package)."""
    spec = importlib.util.spec_from_file_location("deploy_generate", DEPLOY / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def kustomize(path: Path) -> list[dict[str, Any]]:
    """Render a kustomization offline with `kubectl kustomize` (the Debian/Kubernetes `kubectl` package)."""
    kubectl = shutil.which("kubectl")
    assert kubectl is not None, "kubectl is needed to render the kustomizations (apt-get install kubectl)"
    done = subprocess.run([kubectl, "kustomize", str(path)], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def find(documents: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    """The one document of a kind and name."""
    matches = [d for d in documents if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]


def container(document: dict[str, Any]) -> dict[str, Any]:
    """The only container of a Deployment or Job."""
    containers = document["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    found: dict[str, Any] = containers[0]
    return found


def env_value(item: dict[str, Any], name: str) -> str | None:
    """A plain `value` of a container's environment variable, or None."""
    for entry in item.get("env", []):
        if entry["name"] == name:
            value: str | None = entry.get("value")
            return value
    return None
