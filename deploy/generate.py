"""Write deploy/compose.yaml and the Kubernetes bases from one list of services, so every service is wired alike.

Run `.venv/bin/python deploy/generate.py` after adding a service or changing what is below; a test fails when
the committed files differ from what this writes.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from carrots.deployment import OWN, PUBLIC  # noqa: E402
from carrots.registry import EVENT_ROUTES, SERVICES  # noqa: E402

DEPLOY = ROOT / "deploy"
IMAGE = "carrots"
UID = 10001
PORT, INTERNAL_PORT = 8000, 8001
SECRETS_MOUNT = "/run/secrets/carrots"
VAULT_MOUNT = "/var/lib/carrots/vault"
HEADER = "# Written by deploy/generate.py from carrots.registry.SERVICES: edit the generator, not this file.\n"


@dataclass(frozen=True)
class Sizing:
    """Requests and limits of a service's API container, from the figures measured in README (Production)."""

    cpu: str
    memory: str
    memory_limit: str
    tmp: str  # scratch space for request bodies spooled to disk


# From bench/deploy_memory.py (README, Production): RSS 118-148 MiB idle and under load, asylum peaking at 185 MiB
# (Argon2), testimony at 732 MiB while it takes a 200 MiB original (held about 3.5 times over); plus headroom.
SIZING: dict[str, Sizing] = {
    "eligibility": Sizing(cpu="250m", memory="256Mi", memory_limit="512Mi", tmp="64Mi"),
    "payments": Sizing(cpu="250m", memory="192Mi", memory_limit="384Mi", tmp="64Mi"),
    "asylum": Sizing(cpu="250m", memory="256Mi", memory_limit="512Mi", tmp="64Mi"),
    "testimony": Sizing(cpu="250m", memory="384Mi", memory_limit="1536Mi", tmp="512Mi"),
}

# A service not measured yet starts from this, until its figures are taken (bench/deploy_memory.py).
DEFAULT_SIZING = Sizing(cpu="250m", memory="256Mi", memory_limit="512Mi", tmp="64Mi")


def sizing_of(name: str) -> Sizing:
    """The measured sizing of a service, or the default."""
    return SIZING.get(name, DEFAULT_SIZING)


# Pages for people live on their own host at the root: their links and cookies assume the root path.
PAGE_HOSTS = {"asylum": "status.carrots.example", "testimony": "testimonies.carrots.example"}
API_HOST = "api.carrots.example"


# Services whose API the other services call (not only the ingress): the registry of organisations, once there.
CALLED_BY_PEERS = {"registry"}


def peer_api_urls(name: str, host_of: dict[str, str]) -> dict[str, str]:
    """`<P>_<PEER>_URL` settings: where this service calls the APIs of the peers that other services call."""
    prefix = SERVICES[name].env_prefix
    called = sorted(CALLED_BY_PEERS & set(SERVICES) - {name})
    return {f"{prefix}{peer.upper()}_URL": f"http://{host_of[peer]}" for peer in called}


def producers_of(consumer: str) -> list[str]:
    """The services whose events this one receives at `POST /v1/events`."""
    return sorted({p for p, routes in EVENT_ROUTES.items() for target, _ in routes if target == consumer})


def subscribers(producer: str, host_of: dict[str, str]) -> str:
    """The `<P>_SUBSCRIBERS` setting of a producer: each consumer's event route on its internal port."""
    return json.dumps(
        [
            {"name": target, "url": f"http://{host_of[target]}:{INTERNAL_PORT}/v1/events", "event_types": types}
            for target, types in EVENT_ROUTES[producer]
        ]
    )


def serve_argv(name: str) -> list[str]:
    """The command that runs a service's API (the same in compose, Kubernetes and the end-to-end test)."""
    return ["carrots", "serve", name, "--host", "0.0.0.0", "--port", str(PORT), "--internal-port", str(INTERNAL_PORT)]  # noqa: S104


def migrate_argv(name: str) -> list[str]:
    """The one-off command that migrates a service's database before its API starts."""
    return ["carrots", "migrate", name]


def worker_argv(name: str) -> list[str]:
    """The command that runs a service's background work: event delivery, queued jobs, schedules."""
    return ["carrots", "worker", name]


def _labels(name: str, component: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": "carrots",
    }


def _selector(name: str, component: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/component": component}


def _env(name: str) -> list[dict[str, Any]]:
    prefix = SERVICES[name].env_prefix
    env: list[dict[str, Any]] = [
        {"name": prefix + "ROOT_PATH", "value": f"/{name}"},
        {"name": prefix + "KEY_VAULT_DIR", "value": VAULT_MOUNT},
        {"name": prefix + "SUBSCRIBERS", "value": subscribers(name, {s: s for s in SERVICES})},
        *({"name": key, "value": value} for key, value in peer_api_urls(name, {s: s for s in SERVICES}).items()),
        {
            "name": prefix + "JWKS_URL",
            "valueFrom": {"configMapKeyRef": {"name": "carrots-identity", "key": "jwks-url"}},
        },
        {
            "name": prefix + "JWT_ISSUER",
            "valueFrom": {"configMapKeyRef": {"name": "carrots-identity", "key": "issuer"}},
        },
        {
            "name": prefix + "JWT_AUDIENCE",
            "valueFrom": {"configMapKeyRef": {"name": "carrots-identity", "key": "audience"}},
        },
        # Only the ingress controller's addresses may say who the client is (X-Forwarded-For).
        {
            "name": "FORWARDED_ALLOW_IPS",
            "valueFrom": {"configMapKeyRef": {"name": "carrots-network", "key": "ingress-addresses"}},
        },
    ]
    if name == "testimony":
        for key in ("STORAGE_BACKEND", "S3_BUCKET", "S3_ENDPOINT_URL", "S3_REGION", "PUBLIC_URL"):
            ref = {"name": "carrots-testimony", "key": key.lower().replace("_", "-")}
            env.append({"name": prefix + key, "valueFrom": {"configMapKeyRef": ref}})
    return env


def _env_from(name: str) -> list[dict[str, Any]]:
    sources: list[dict[str, Any]] = [{"secretRef": {"name": f"carrots-{name}-env"}}]
    if name == "testimony":
        # Object store credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), unless the pod has a role.
        sources.append({"secretRef": {"name": "carrots-testimony-s3", "optional": True}})
    return sources


def _container(name: str, command: list[str], sizing: Sizing, *, probes: bool) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": name,
        "image": IMAGE,
        "command": command,
        "env": _env(name),
        "envFrom": _env_from(name),
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "resources": {
            "requests": {"cpu": sizing.cpu, "memory": sizing.memory},
            "limits": {"memory": sizing.memory_limit},
        },
        "volumeMounts": [
            {"name": "own-keys", "mountPath": f"{SECRETS_MOUNT}/{OWN}", "readOnly": True},
            {"name": "public-keys", "mountPath": f"{SECRETS_MOUNT}/{PUBLIC}", "readOnly": True},
            {"name": "key-vault", "mountPath": VAULT_MOUNT},
            {"name": "tmp", "mountPath": "/tmp"},  # noqa: S108
        ],
    }
    if probes:
        container["ports"] = [
            {"name": "http", "containerPort": PORT},
            {"name": "internal", "containerPort": INTERNAL_PORT},
        ]
        container["startupProbe"] = {
            "httpGet": {"path": "/healthz", "port": "http"},
            "periodSeconds": 2,
            "failureThreshold": 60,
        }
        container["readinessProbe"] = {
            "httpGet": {"path": "/readyz", "port": "http"},
            "periodSeconds": 5,
            "failureThreshold": 3,
        }
        container["livenessProbe"] = {
            "httpGet": {"path": "/healthz", "port": "http"},
            "periodSeconds": 10,
            "failureThreshold": 3,
        }
    return container


def _pod_spec(name: str, container: dict[str, Any], sizing: Sizing) -> dict[str, Any]:
    return {
        "automountServiceAccountToken": False,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": UID,
            "runAsGroup": UID,
            "fsGroup": UID,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [container],
        "volumes": [
            {"name": "own-keys", "secret": {"secretName": f"carrots-{name}-keys", "defaultMode": 0o440}},
            {"name": "public-keys", "configMap": {"name": "carrots-public-keys"}},
            {"name": "key-vault", "persistentVolumeClaim": {"claimName": "carrots-key-vault"}},
            {"name": "tmp", "emptyDir": {"sizeLimit": sizing.tmp}},
        ],
    }


def k8s_service_resources(name: str) -> dict[str, dict[str, Any]]:
    """The manifests of one service, by file name."""
    sizing = sizing_of(name)
    api_labels = _labels(name, "api")
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": api_labels},
        "spec": {
            # Stateless: scale by replicas, one uvicorn process each (see NOTES on --workers).
            "replicas": 2,
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": _selector(name, "api")},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": {
                "metadata": {
                    "labels": api_labels,
                    "annotations": {
                        "prometheus.io/scrape": "true",
                        "prometheus.io/port": str(INTERNAL_PORT),
                        "prometheus.io/path": "/metrics",
                    },
                },
                "spec": {
                    "terminationGracePeriodSeconds": 30,
                    **_pod_spec(name, _container(name, serve_argv(name), sizing, probes=True), sizing),
                },
            },
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "labels": api_labels},
        "spec": {
            "selector": _selector(name, "api"),
            "ports": [
                {"name": "http", "port": 80, "targetPort": "http"},
                {"name": "internal", "port": INTERNAL_PORT, "targetPort": "internal"},
            ],
        },
    }
    pdb = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": name, "labels": api_labels},
        "spec": {"minAvailable": 1, "selector": {"matchLabels": _selector(name, "api")}},
    }
    migrate_labels = _labels(name, "migrate")
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": f"{name}-migrate", "labels": migrate_labels},
        "spec": {
            "backoffLimit": 3,
            "template": {
                "metadata": {"labels": migrate_labels},
                "spec": {
                    "restartPolicy": "OnFailure",
                    **_pod_spec(name, _container(name, migrate_argv(name), sizing, probes=False), sizing),
                },
            },
        },
    }
    public_from: list[dict[str, Any]] = [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}
    ]
    if name in CALLED_BY_PEERS:
        public_from.append({"podSelector": {"matchLabels": {"app.kubernetes.io/part-of": "carrots"}}})
    internal_from: list[dict[str, Any]] = [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}},
    ]
    for producer in producers_of(name):
        internal_from.append(
            {
                "podSelector": {
                    "matchLabels": {"app.kubernetes.io/name": producer, "app.kubernetes.io/part-of": "carrots"}
                }
            }
        )
    policy = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "labels": api_labels},
        "spec": {
            "podSelector": {"matchLabels": _selector(name, "api")},
            "policyTypes": ["Ingress"],
            "ingress": [
                # The API and the pages: from the ingress controller (and the other services, for one they call).
                {"from": public_from, "ports": [{"protocol": "TCP", "port": PORT}]},
                # Event deliveries and metrics: from the services that send this one events, and from monitoring.
                {"from": internal_from, "ports": [{"protocol": "TCP", "port": INTERNAL_PORT}]},
            ],
        },
    }
    worker_labels = _labels(name, "worker")
    worker = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"{name}-worker", "labels": worker_labels},
        "spec": {
            # Replicas share the work through leases in the database; none serves HTTP.
            "replicas": 1,
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": _selector(name, "worker")},
            "template": {
                "metadata": {"labels": worker_labels},
                "spec": {
                    # A stopped worker hands its job back at once; give it time to finish a delivery.
                    "terminationGracePeriodSeconds": 60,
                    **_pod_spec(name, _container(name, worker_argv(name), sizing, probes=False), sizing),
                },
            },
        },
    }
    resources = {
        "deployment.yaml": deployment,
        "worker.yaml": worker,
        "service.yaml": service,
        "pdb.yaml": pdb,
        "migrate-job.yaml": job,
        "networkpolicy.yaml": policy,
    }
    resources["kustomization.yaml"] = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": sorted(resources),
    }
    return resources


def k8s_common() -> dict[str, dict[str, Any]]:
    """What the services share: the ingresses, the vault volume, and a default deny of incoming traffic."""
    api_paths = [
        {
            "path": f"/{name}",
            "pathType": "Prefix",
            "backend": {"service": {"name": name, "port": {"name": "http"}}},
        }
        for name in SERVICES
    ]
    api = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": "carrots-api",
            "annotations": {
                # URLs can carry references; every service logs its requests itself, by route template.
                "nginx.ingress.kubernetes.io/enable-access-log": "false",
                # A testimony's media original may hold up to 200 MiB.
                "nginx.ingress.kubernetes.io/proxy-body-size": "210m",
            },
        },
        "spec": {
            "ingressClassName": "nginx",
            "tls": [{"hosts": [API_HOST], "secretName": "carrots-api-tls"}],
            "rules": [{"host": API_HOST, "http": {"paths": api_paths}}],
        },
    }
    pages = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": "carrots-pages",
            "annotations": {"nginx.ingress.kubernetes.io/enable-access-log": "false"},
        },
        "spec": {
            "ingressClassName": "nginx",
            "tls": [{"hosts": list(PAGE_HOSTS.values()), "secretName": "carrots-pages-tls"}],
            "rules": [
                {
                    "host": host,
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": name, "port": {"name": "http"}}},
                            }
                        ]
                    },
                }
                for name, host in PAGE_HOSTS.items()
            ],
        },
    }
    vault = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "carrots-key-vault", "labels": {"app.kubernetes.io/part-of": "carrots"}},
        # One volume for every service, outside every database and its backups; keep its snapshots short-lived.
        "spec": {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "64Mi"}}},
    }
    deny = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "carrots-default-deny", "labels": {"app.kubernetes.io/part-of": "carrots"}},
        "spec": {"podSelector": {"matchLabels": {"app.kubernetes.io/part-of": "carrots"}}, "policyTypes": ["Ingress"]},
    }
    files: dict[str, dict[str, Any]] = {
        "ingress-api.yaml": api,
        "ingress-pages.yaml": pages,
        "key-vault.yaml": vault,
        "networkpolicy.yaml": deny,
    }
    files["kustomization.yaml"] = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": sorted(files),
    }
    return files


def k8s_base() -> dict[str, Any]:
    """The base kustomization: the common part, every service, the image and placeholder configuration."""
    return {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": ["common", *SERVICES],
        "images": [{"name": IMAGE, "newName": "registry.example/carrots", "newTag": "latest"}],
        # Placeholders an overlay replaces: the identity provider, the ingress controller's addresses, storage.
        "configMapGenerator": [
            {
                "name": "carrots-identity",
                "literals": [
                    "jwks-url=https://idp.partner.example/.well-known/jwks.json",
                    "issuer=https://idp.partner.example/",
                    "audience=carrots",
                ],
            },
            # Nobody's X-Forwarded-For is believed until an overlay names the ingress controller's pod network.
            {"name": "carrots-network", "literals": ["ingress-addresses=127.0.0.1"]},
            {
                "name": "carrots-testimony",
                "literals": [
                    "storage-backend=s3",
                    "s3-bucket=carrots-testimony-media",
                    "s3-endpoint-url=https://s3.eu-central-1.amazonaws.com",
                    "s3-region=eu-central-1",
                    "public-url=https://testimonies.carrots.example",
                ],
            },
        ],
    }


def compose() -> dict[str, Any]:
    """The compose file: PostgreSQL with a database per service, MinIO for media, migrations, services, workers."""
    services: dict[str, Any] = {
        "postgres": {
            "image": "postgres:16",
            "environment": {"POSTGRES_PASSWORD": "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in deploy/.env}"},
            "volumes": ["postgres-data:/var/lib/postgresql/data"],
            "healthcheck": {"test": ["CMD", "pg_isready", "-U", "postgres"], "interval": "2s", "retries": 30},
        },
        # One-off: a role and a database per service, with the passwords `carrots keys generate` made.
        "databases": {
            "image": "postgres:16",
            "command": ["sh", "/init/create-databases.sh"],
            "environment": {"PGHOST": "postgres", "PGUSER": "postgres", "PGPASSWORD": "${POSTGRES_PASSWORD}"},
            "volumes": ["./compose/create-databases.sh:/init/create-databases.sh:ro", "./secrets:/secrets:ro"],
            "depends_on": {"postgres": {"condition": "service_healthy"}},
            "restart": "no",
        },
        "minio": {
            "image": "minio/minio",
            "command": ["server", "/data"],
            "environment": {
                "MINIO_ROOT_USER": "${MINIO_ROOT_USER:?set MINIO_ROOT_USER in deploy/.env}",
                "MINIO_ROOT_PASSWORD": "${MINIO_ROOT_PASSWORD:?set MINIO_ROOT_PASSWORD in deploy/.env}",
            },
            "volumes": ["minio-data:/data"],
            "healthcheck": {"test": ["CMD", "mc", "ready", "local"], "interval": "2s", "retries": 30},
        },
        # One-off: the testimony media bucket.
        "bucket": {
            "image": "minio/mc",
            "entrypoint": ["sh", "-c"],
            "command": [
                'mc alias set local http://minio:9000 "$$MINIO_ROOT_USER" "$$MINIO_ROOT_PASSWORD" '
                "&& mc mb --ignore-existing local/carrots-testimony-media"
            ],
            "environment": {"MINIO_ROOT_USER": "${MINIO_ROOT_USER}", "MINIO_ROOT_PASSWORD": "${MINIO_ROOT_PASSWORD}"},
            "depends_on": {"minio": {"condition": "service_healthy"}},
            "restart": "no",
        },
    }
    for index, name in enumerate(SERVICES):
        prefix = SERVICES[name].env_prefix
        environment: dict[str, str] = {
            prefix + "KEY_VAULT_DIR": VAULT_MOUNT,
            prefix + "JWKS_URL": "${CARROTS_JWKS_URL:?set CARROTS_JWKS_URL in deploy/.env}",
            prefix + "JWT_ISSUER": "${CARROTS_JWT_ISSUER:?set CARROTS_JWT_ISSUER in deploy/.env}",
            prefix + "JWT_AUDIENCE": "${CARROTS_JWT_AUDIENCE:-carrots}",
            prefix + "SUBSCRIBERS": subscribers(name, {s: s for s in SERVICES}),
            **peer_api_urls(name, {s: f"{s}:{PORT}" for s in SERVICES}),
        }
        if name == "testimony":
            environment |= {
                prefix + "STORAGE_BACKEND": "s3",
                prefix + "S3_BUCKET": "carrots-testimony-media",
                prefix + "S3_ENDPOINT_URL": "http://minio:9000",
                prefix + "S3_REGION": "us-east-1",
                prefix + "PUBLIC_URL": "${TESTIMONY_PUBLIC_URL:-http://localhost:8004}",
                "AWS_ACCESS_KEY_ID": "${MINIO_ROOT_USER}",
                "AWS_SECRET_ACCESS_KEY": "${MINIO_ROOT_PASSWORD}",
            }
        common = {
            "image": "${CARROTS_IMAGE:-carrots}",
            "user": f"{UID}:{UID}",
            "read_only": True,
            "cap_drop": ["ALL"],
            "security_opt": ["no-new-privileges:true"],
            "env_file": [f"./secrets/{name}.env"],
            "environment": environment,
            "volumes": [
                f"./secrets/{name}:{SECRETS_MOUNT}/{OWN}:ro",
                f"./secrets/{PUBLIC}:{SECRETS_MOUNT}/{PUBLIC}:ro",
                f"key-vault:{VAULT_MOUNT}",
            ],
            "tmpfs": [f"/tmp:size={sizing_of(name).tmp.removesuffix('Mi')}m"],  # noqa: S108
        }
        services[f"{name}-migrate"] = {
            **common,
            "command": migrate_argv(name),
            "depends_on": {"databases": {"condition": "service_completed_successfully"}},
            "restart": "no",
        }
        depends = {f"{name}-migrate": {"condition": "service_completed_successfully"}}
        if name == "testimony":
            depends["bucket"] = {"condition": "service_completed_successfully"}
        services[f"{name}-worker"] = {
            **common,
            "command": worker_argv(name),
            "depends_on": depends,
            "restart": "unless-stopped",
            "mem_limit": sizing_of(name).memory_limit.replace("Mi", "m"),
        }
        services[name] = {
            **common,
            "command": serve_argv(name),
            "environment": environment | {"FORWARDED_ALLOW_IPS": "127.0.0.1"},
            "ports": [f"127.0.0.1:{8001 + index}:{PORT}"],
            "depends_on": depends,
            "restart": "unless-stopped",
            "healthcheck": {
                "test": [
                    "CMD",
                    "python",
                    "-c",
                    f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{PORT}/readyz', timeout=2)",
                ],
                "interval": "5s",
                "retries": 12,
            },
            "mem_limit": sizing_of(name).memory_limit.replace("Mi", "m"),
        }
    return {
        "name": "carrots",
        "services": services,
        "volumes": {"postgres-data": {}, "minio-data": {}, "key-vault": {}},
    }


def _dump(data: Any) -> str:
    documents = data if isinstance(data, list) else [data]
    return HEADER + "---\n".join(yaml.safe_dump(d, sort_keys=False, width=120) for d in documents)


def render() -> dict[Path, str]:
    """Every generated file and its text."""
    files: dict[Path, str] = {DEPLOY / "compose.yaml": _dump(compose())}
    for name in SERVICES:
        for filename, data in k8s_service_resources(name).items():
            files[DEPLOY / "k8s" / "base" / name / filename] = _dump(data)
    for filename, common in k8s_common().items():
        files[DEPLOY / "k8s" / "base" / "common" / filename] = _dump(common)
    files[DEPLOY / "k8s" / "base" / "kustomization.yaml"] = _dump(k8s_base())
    return files


def main() -> None:
    for path, text in render().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
