"""The Kubernetes manifests and the compose file: valid, generated from one list, every service wired alike."""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from carrots.registry import EVENT_ROUTES, SERVICES
from tests.conftest import AppStarter
from tests.deploy.manifests import DEPLOY, KUSTOMIZATIONS, container, env_value, find, generator, kustomize
from tests.harness import serve

KUBERNETES_VERSION = "1.32.0"
GEN = generator()


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[dict[str, Any]]]:
    return {name: kustomize(path) for name, path in KUSTOMIZATIONS.items()}


def test_the_committed_files_are_what_the_generator_writes() -> None:
    for path, text in GEN.render().items():
        assert path.exists(), f"{path} is missing: run .venv/bin/python deploy/generate.py"
        assert path.read_text() == text, f"{path} differs from the generator: run .venv/bin/python deploy/generate.py"


@pytest.mark.parametrize("kustomization", list(KUSTOMIZATIONS))
def test_every_rendered_manifest_is_valid_kubernetes_in_strict_mode(
    rendered: dict[str, list[dict[str, Any]]], kustomization: str
) -> None:
    documents = rendered[kustomization]
    kinds = {d["kind"] for d in documents}
    assert {"Deployment", "Service", "PodDisruptionBudget", "Job", "NetworkPolicy", "Ingress"} <= kinds
    for document in documents:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_strict_validation_refuses_a_pod_level_read_only_root_filesystem() -> None:
    # The mistake the first manifest made: the validator must catch it, or the test above proves nothing.
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "wrong"},
        "spec": {"securityContext": {"readOnlyRootFilesystem": True}, "containers": [{"name": "a", "image": "b"}]},
    }
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(pod, KUBERNETES_VERSION, strict=True)


def _normalised(name: str, documents: list[dict[str, Any]]) -> str:
    """A service's manifests with its name, prefix and known per-service values replaced by placeholders."""
    prefix = SERVICES[name].env_prefix
    mine = json.loads(
        json.dumps([d for d in documents if d["metadata"].get("labels", {}).get("app.kubernetes.io/name") == name])
    )
    # What may differ: who receives its events, its size, the producers allowed to deliver to it, testimony's storage.
    for document in mine:
        spec = document["spec"].get("template", {}).get("spec", {})
        for item in spec.get("containers", []):
            peers = {f"{prefix}{peer.upper()}_URL" for peer in GEN.CALLED_BY_PEERS}
            item["env"] = [
                e
                for e in item["env"]
                if e["name"] != prefix + "SUBSCRIBERS"
                and e["name"] not in peers
                and "carrots-testimony" not in json.dumps(e)
            ]
            item["envFrom"] = [e for e in item["envFrom"] if e["secretRef"]["name"] != "carrots-testimony-s3"]
            item["resources"] = "sized"
            item["image"] = "IMAGE"
        for volume in spec.get("volumes", []):
            volume.get("emptyDir", {}).pop("sizeLimit", None)
        if document["kind"] == "NetworkPolicy":
            document["spec"]["ingress"][0]["from"] = "callers"
            document["spec"]["ingress"][1]["from"] = "producers"
    text = json.dumps(mine, sort_keys=True, indent=1)
    return text.replace(prefix, "PREFIX_").replace(name, "SERVICE")


def test_every_service_is_wired_the_same_way(rendered: dict[str, list[dict[str, Any]]]) -> None:
    documents = rendered["production"]
    shapes = {name: _normalised(name, documents) for name in SERVICES}
    first = next(iter(shapes))
    for name, shape in shapes.items():
        assert shape == shapes[first], f"{name} is wired differently from {first}"
    for name in SERVICES:
        kinds = sorted(
            d["kind"] for d in documents if d["metadata"].get("labels", {}).get("app.kubernetes.io/name") == name
        )
        assert kinds == ["Deployment", "Deployment", "Job", "NetworkPolicy", "PodDisruptionBudget", "Service"], name
        deployment = find(documents, "Deployment", name)
        assert container(deployment)["command"] == GEN.serve_argv(name)
        worker = find(documents, "Deployment", f"{name}-worker")
        assert container(worker)["command"] == GEN.worker_argv(name)
        assert worker["spec"]["replicas"] == 2
        # The worker runs with the API's very settings, keys and volumes: it builds the same app.
        for key in ("env", "envFrom", "volumeMounts"):
            assert container(worker)[key] == container(deployment)[key], (name, key)
        assert container(find(documents, "Job", f"{name}-migrate"))["command"] == GEN.migrate_argv(name)
        assert deployment["spec"]["replicas"] == 3


def test_pods_run_as_a_numeric_non_root_user_on_a_read_only_root(rendered: dict[str, list[dict[str, Any]]]) -> None:
    for document in rendered["production"]:
        if document["kind"] not in ("Deployment", "Job"):
            continue
        pod = document["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] == GEN.UID
        item = container(document)
        assert item["securityContext"]["readOnlyRootFilesystem"] is True
        assert item["securityContext"]["allowPrivilegeEscalation"] is False
        requests, limits = item["resources"]["requests"], item["resources"]["limits"]
        assert {"cpu", "memory"} <= set(requests)
        assert "memory" in limits
        # Every file the service names must be mounted: its own keys, its peers' public keys, the vault.
        mounts = {m["mountPath"] for m in item["volumeMounts"]}
        assert {f"{GEN.SECRETS_MOUNT}/own", f"{GEN.SECRETS_MOUNT}/public", GEN.VAULT_MOUNT, "/tmp"} <= mounts


def _image_dockerfile_user() -> str:
    text = (DEPLOY / "Dockerfile").read_text()
    users = re.findall(r"^USER (\S+)$", text, flags=re.MULTILINE)
    assert users, "the image names no user"
    return str(users[-1])


def test_the_image_runs_as_the_numeric_user_the_manifests_require() -> None:
    assert _image_dockerfile_user() == f"{GEN.UID}:{GEN.UID}"


def test_only_the_producers_of_its_events_and_monitoring_reach_a_service_internal_port(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    documents = rendered["production"]
    for name in SERVICES:
        policy = find(documents, "NetworkPolicy", name)["spec"]
        public, internal = policy["ingress"]
        assert public["ports"] == [{"port": GEN.PORT, "protocol": "TCP"}]
        callers = [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}]
        if name in GEN.CALLED_BY_PEERS:
            callers.append({"podSelector": {"matchLabels": {"app.kubernetes.io/part-of": "carrots"}}})
        assert public["from"] == callers
        assert internal["ports"] == [{"port": GEN.INTERNAL_PORT, "protocol": "TCP"}]
        senders = sorted(
            f["podSelector"]["matchLabels"]["app.kubernetes.io/name"] for f in internal["from"] if "podSelector" in f
        )
        expected = sorted({p for p, routes in EVENT_ROUTES.items() for target, _ in routes if target == name})
        assert senders == expected, name
    default = find(documents, "NetworkPolicy", "carrots-default-deny")["spec"]
    assert default["policyTypes"] == ["Ingress"]
    assert "ingress" not in default


def test_producers_deliver_events_to_the_internal_port_of_each_subscriber(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    documents = rendered["production"]
    for name, routes in EVENT_ROUTES.items():
        # The worker delivers the events; the API process only writes them to its outbox.
        value = env_value(
            container(find(documents, "Deployment", f"{name}-worker")), SERVICES[name].env_prefix + "SUBSCRIBERS"
        )
        assert value is not None
        assert json.loads(value) == [
            {"name": target, "url": f"http://{target}:{GEN.INTERNAL_PORT}/v1/events", "event_types": types}
            for target, types in routes
        ]
        urls = {s["name"]: s["url"] for s in json.loads(value)}
        for target in urls:
            ports = {p["name"]: p["port"] for p in find(documents, "Service", target)["spec"]["ports"]}
            assert ports["internal"] == GEN.INTERNAL_PORT


async def test_every_api_ingress_path_reaches_the_routes_of_its_service(
    rendered: dict[str, list[dict[str, Any]]], starter: AppStarter
) -> None:
    documents = rendered["production"]
    paths = find(documents, "Ingress", "carrots-api")["spec"]["rules"][0]["http"]["paths"]
    assert sorted(p["backend"]["service"]["name"] for p in paths) == sorted(SERVICES)
    for entry in paths:
        name, prefix = entry["backend"]["service"]["name"], entry["path"]
        assert entry["backend"]["service"]["port"] == {"name": "http"}
        deployment = container(find(documents, "Deployment", name))
        root_path = env_value(deployment, SERVICES[name].env_prefix + "ROOT_PATH")
        assert root_path == prefix
        app, _ = starter.create(name, root_path=root_path, internal_port=GEN.INTERNAL_PORT)
        async with serve(app, base_url=f"http://{name}:{GEN.PORT}") as client:
            assert (await client.get(f"{prefix}/readyz")).json()["service"] == name
            assert f"{prefix}/openapi.json" in (await client.get(f"{prefix}/docs")).text
            operations = app.openapi()["paths"]
            protected = [p for p, ops in operations.items() if "{" not in p and ops.get("get", {}).get("security")]
            assert protected, name
            for path in protected:
                assert (await client.get(f"{prefix}{path}")).status_code == 401, path
            # Through the ingress (the public port) the internal routes are not served.
            assert (await client.get(f"{prefix}/metrics")).status_code == 404


PAGES = {"asylum": ["/status", "/assets/pages.css"], "testimony": ["/my-testimony", "/public/testimonies"]}


async def test_the_pages_hosts_reach_the_pages_at_the_root(
    rendered: dict[str, list[dict[str, Any]]], starter: AppStarter
) -> None:
    documents = rendered["production"]
    rules = find(documents, "Ingress", "carrots-pages")["spec"]["rules"]
    by_service = {r["http"]["paths"][0]["backend"]["service"]["name"]: r for r in rules}
    assert sorted(by_service) == sorted(PAGES)
    for name, pages in PAGES.items():
        assert by_service[name]["http"]["paths"][0]["path"] == "/"
        root_path = env_value(container(find(documents, "Deployment", name)), SERVICES[name].env_prefix + "ROOT_PATH")
        app, _ = starter.create(name, root_path=root_path, internal_port=GEN.INTERNAL_PORT)
        async with serve(app, base_url=f"http://{name}:{GEN.PORT}") as client:
            for page in pages:
                answer = await client.get(page)
                assert answer.status_code == 200, page


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


def test_the_compose_file_is_valid_against_the_compose_specification() -> None:
    schema_text = resources.files("check_jsonschema").joinpath("builtin_schemas/vendor/compose-spec.json").read_text()
    schema = json.loads(schema_text)
    jsonschema.validate(_compose(), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"services": {"x": {"image": "a", "command_line": "b"}}}, schema)


def test_compose_migrates_each_database_once_before_its_service_starts() -> None:
    services = _compose()["services"]
    for name in SERVICES:
        migrate, api = services[f"{name}-migrate"], services[name]
        assert migrate["command"] == GEN.migrate_argv(name)
        assert migrate["restart"] == "no"
        assert migrate["depends_on"]["databases"]["condition"] == "service_completed_successfully"
        assert api["command"] == GEN.serve_argv(name)
        assert api["depends_on"][f"{name}-migrate"]["condition"] == "service_completed_successfully"
        worker = services[f"{name}-worker"]
        assert worker["command"] == GEN.worker_argv(name)
        assert worker["depends_on"][f"{name}-migrate"]["condition"] == "service_completed_successfully"
        assert worker["environment"] == migrate["environment"]
        for process in (migrate, api, worker):
            assert process["user"] == f"{GEN.UID}:{GEN.UID}"
            assert process["read_only"] is True
            assert process["env_file"] == [f"./secrets/{name}.env"]
            assert f"./secrets/{name}:{GEN.SECRETS_MOUNT}/own:ro" in process["volumes"]
    assert services["testimony"]["environment"]["TESTIMONY_S3_ENDPOINT_URL"] == "http://minio:9000"
    assert services["testimony"]["depends_on"]["bucket"]["condition"] == "service_completed_successfully"
