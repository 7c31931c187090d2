"""Static checks of the deployment files: Dockerfile, docker-compose.yml and deploy/k8s/.

No container engine is needed. When the ``docker compose`` plugin is available the compose file is
also validated with ``docker compose config -q``; otherwise only the YAML checks run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
K8S_DIR = REPO / "deploy" / "k8s"

# service directory -> (python module, env prefix, HTTP port)
SERVICES: dict[str, tuple[str, str, int]] = {
    "intake": ("pm_intake", "INTAKE", 8001),
    "triage": ("pm_triage", "TRIAGE", 8002),
    "dispatch": ("pm_dispatch", "DISPATCH", 8003),
    "sla-monitor": ("pm_sla_monitor", "SLA", 8004),
    "notifier": ("pm_notifier", "NOTIFIER", 8005),
    "insights": ("pm_insights", "INSIGHTS", 8007),
}
SECRET_REF = re.compile(r"^\$\{PM_AUTH_SECRET:\?[^}]+\}$")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and isinstance(data.get("services"), dict)
    return data


@pytest.fixture(scope="module")
def k8s_docs() -> dict[str, list[dict[str, Any]]]:
    docs: dict[str, list[dict[str, Any]]] = {}
    for path in sorted([*K8S_DIR.glob("*.yaml"), *K8S_DIR.glob("*.yml")]):
        loaded = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
        assert loaded, f"{path.name} holds no YAML document"
        for doc in loaded:
            assert isinstance(doc, dict) and "kind" in doc, f"{path.name}: document without kind"
        docs[path.name] = loaded
    return docs


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # "KEY=value" list form
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def _published_ports(service: dict[str, Any]) -> list[int]:
    ports = []
    for entry in service.get("ports") or []:
        if isinstance(entry, dict):
            ports.append(int(entry["published"]))
        else:  # "[ip:]host:container[/proto]"
            ports.append(int(str(entry).split("/")[0].split(":")[-2]))
    return ports


def _docker_compose_available() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        result = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


# ------------------------------------------------------------------------------ docker compose


def test_compose_config_validates_when_docker_compose_is_available() -> None:
    if not _docker_compose_available():
        return  # no compose plugin on this machine: the YAML checks below still run
    env = {**os.environ, "PM_AUTH_SECRET": "x" * 48}
    result = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE_FILE), "config", "-q"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_engines(compose: dict[str, Any]) -> None:
    services = compose["services"]
    mongo, kafka = services["mongo"], services["kafka"]

    assert str(mongo["image"]).startswith("mongo:7")
    assert mongo["command"] == ["--replSet", "rs0", "--bind_ip_all"]
    mongo_check = " ".join(map(str, mongo["healthcheck"]["test"]))
    assert "mongosh" in mongo_check and "rs.initiate" in mongo_check and "rs0" in mongo_check
    assert mongo.get("volumes")

    assert kafka["image"] == "apache/kafka:3.9.1"
    kenv = _env(kafka)
    for key in (
        "KAFKA_NODE_ID",
        "KAFKA_PROCESS_ROLES",
        "KAFKA_LISTENERS",
        "KAFKA_ADVERTISED_LISTENERS",
        "KAFKA_CONTROLLER_LISTENER_NAMES",
        "KAFKA_CONTROLLER_QUORUM_VOTERS",
        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",
    ):
        assert kenv.get(key), key
    assert set(kenv["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert kenv["KAFKA_AUTO_CREATE_TOPICS_ENABLE"].lower() == "false"
    assert kenv["KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS"] == "0"
    assert kenv["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "1"
    assert kenv["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"] == "1"
    kafka_check = " ".join(map(str, kafka["healthcheck"]["test"]))
    assert "/opt/kafka/bin/kafka-broker-api-versions.sh" in kafka_check
    assert "--bootstrap-server localhost:9092" in kafka_check
    assert kafka.get("volumes")


@pytest.mark.parametrize("name", list(SERVICES))
def test_compose_service(compose: dict[str, Any], name: str) -> None:
    module, prefix, port = SERVICES[name]
    service = compose["services"][name]

    args = service["build"]["args"]
    assert args["SERVICE"] == name and args["MODULE"] == module
    assert (REPO / "services" / args["SERVICE"] / "src" / args["MODULE"]).is_dir()
    assert service["build"].get("context", ".") in (".", "./")

    env = _env(service)
    assert env["PM_ENV"] == "prod"
    assert env["MONGO_URL"].startswith("mongodb://mongo:27017/") and "replicaSet=rs0" in env["MONGO_URL"]
    assert env["KAFKA_BOOTSTRAP"] == "kafka:9092"
    assert SECRET_REF.match(env["PM_AUTH_SECRET"]), env["PM_AUTH_SECRET"]
    assert "PM_LOG_LEVEL" in env
    assert env[f"{prefix}_HOST"] == "0.0.0.0"
    assert int(env[f"{prefix}_PORT"]) == port

    for engine in ("mongo", "kafka"):
        assert service["depends_on"][engine]["condition"] == "service_healthy"
    # the broker authenticates: the topics and ACLs exist first, each service has its own principal
    assert service["depends_on"]["kafka-setup"]["condition"] == "service_completed_successfully"
    assert env["KAFKA_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT"
    assert env[f"{prefix}_KAFKA_PASSWORD"] == "${" + prefix + "_KAFKA_PASSWORD}"
    check = service["healthcheck"]
    assert check.get("disable") is not True
    # start-up gate: ready to do its job (intake: the DB; consumers: DB and broker), not /healthz
    assert f"{port}/readyz" in " ".join(map(str, check["test"]))
    assert service["restart"] == "unless-stopped"
    assert _published_ports(service) == [port]


def test_published_ports_are_unique(compose: dict[str, Any]) -> None:
    published = [p for svc in compose["services"].values() for p in _published_ports(svc)]
    assert len(published) == len(set(published))
    assert sorted(p for name in SERVICES for p in _published_ports(compose["services"][name])) == [
        *range(8001, 8006),
        8007,  # insights (8006 is the console's)
    ]


def test_env_example_names_the_secret() -> None:
    text = (REPO / ".env.example").read_text(encoding="utf-8")
    assert re.search(r"^PM_AUTH_SECRET=\s*$", text, re.MULTILINE), "placeholder must stay empty"


# ------------------------------------------------------------------------------ Dockerfile


def test_dockerfile() -> None:
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^ARG SERVICE\b", text, re.MULTILINE)
    assert re.search(r"^ARG MODULE\b", text, re.MULTILINE)
    assert "python:3.11-slim" in text
    assert len(re.findall(r"^FROM\s", text, re.MULTILINE)) >= 2, "multi-stage build expected"
    assert "constraints.txt" in text and "libs/common" in text and "services/${SERVICE}" in text
    user = re.findall(r"^USER\s+(\S+)", text, re.MULTILINE)
    assert user and user[-1].split(":")[0] not in ("root", "0")
    healthcheck = re.search(r"^HEALTHCHECK\b.*?(?<!\\)$", text, re.MULTILINE | re.DOTALL)
    assert healthcheck and "urllib" in healthcheck.group(0) and "/livez" in healthcheck.group(0)
    cmd = re.findall(r"^CMD\s+(.+)$", text, re.MULTILINE)
    assert cmd and "python -m" in cmd[-1] and "MODULE" in cmd[-1]


def test_dockerignore() -> None:
    lines = {ln.strip() for ln in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()}
    for entry in (".venv", ".local", ".git", ".env"):
        assert entry in lines, entry
    assert any("__pycache__" in ln for ln in lines)


# ------------------------------------------------------------------------------ Kubernetes


def test_kustomization_lists_every_manifest(k8s_docs: dict[str, list[dict[str, Any]]]) -> None:
    (kustomization,) = k8s_docs["kustomization.yaml"]
    assert kustomization["kind"] == "Kustomization"
    listed = kustomization["resources"]
    assert len(listed) == len(set(listed))
    assert set(listed) == set(k8s_docs) - {"kustomization.yaml"}
    assert {"namespace.yaml", "config.yaml", *(f"{name}.yaml" for name in SERVICES)} <= set(listed)


def test_config_and_secret_template(k8s_docs: dict[str, list[dict[str, Any]]]) -> None:
    kinds = {doc["kind"]: doc for doc in k8s_docs["config.yaml"]}
    assert {"PM_ENV", "MONGO_URL", "KAFKA_BOOTSTRAP"} <= set(kinds["ConfigMap"]["data"])
    assert kinds["ConfigMap"]["data"]["PM_ENV"] == "prod"
    (secret,) = [d for d in k8s_docs["config.yaml"] if d["kind"] == "Secret" and d["metadata"]["name"] == "pm-auth"]
    placeholder = {**secret.get("stringData", {}), **secret.get("data", {})}["PM_AUTH_SECRET"]
    # Shorter than the 32 characters the services require in prod: the template cannot run as is.
    assert "REPLACE" in placeholder and len(placeholder) < 32
    assert any(doc["kind"] == "Namespace" for doc in k8s_docs["namespace.yaml"])


# Liveness must not depend on an engine (a Kafka outage would restart every pod and defeat the
# outbox); readiness is what the service needs to do its job. /healthz is for people only.
PROBE_PATHS = {"startupProbe": "/livez", "livenessProbe": "/livez", "readinessProbe": "/readyz"}


def test_every_deployment_probes_livez_and_readyz(k8s_docs: dict[str, list[dict[str, Any]]]) -> None:
    deployments = [doc for docs in k8s_docs.values() for doc in docs if doc["kind"] == "Deployment"]
    assert deployments
    for deployment in deployments:
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            port_refs = {p.get("name") for p in container["ports"]} | {p["containerPort"] for p in container["ports"]}
            for probe, path in PROBE_PATHS.items():
                http_get = container[probe]["httpGet"]
                assert http_get["path"] == path, (deployment["metadata"]["name"], probe)
                assert http_get["port"] in port_refs, (deployment["metadata"]["name"], probe)


CONSOLE = ("pm_console", "CONSOLE", 8006)  # the staff console / owner H5 pages: no topic, no broker principal


@pytest.mark.parametrize("name", [*SERVICES, "console"])
def test_k8s_service_manifest(k8s_docs: dict[str, list[dict[str, Any]]], name: str) -> None:
    _, prefix, port = SERVICES.get(name, CONSOLE)
    kinds = {doc["kind"]: doc for doc in k8s_docs[f"{name}.yaml"]}
    deployment, service = kinds["Deployment"], kinds["Service"]

    pod = deployment["spec"]["template"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
    assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
    (container,) = pod["spec"]["containers"]
    assert container["image"] == f"pm-platform/{name}:latest"
    assert {p["containerPort"] for p in container["ports"]} == {port}
    assert {"requests", "limits"} <= set(container["resources"])

    env = {e["name"]: e for e in container.get("env", [])}
    assert env[f"{prefix}_HOST"]["value"] == "0.0.0.0"
    assert int(env[f"{prefix}_PORT"]["value"]) == port
    assert env["PM_AUTH_SECRET"]["valueFrom"]["secretKeyRef"]["name"] == "pm-auth"
    assert {"configMapRef": {"name": "pm-config"}} in container["envFrom"]


def test_k8s_console_reaches_every_service_and_keeps_photos_in_s3(k8s_docs: dict[str, list[dict[str, Any]]]) -> None:
    kinds = {doc["kind"]: doc for doc in k8s_docs["console.yaml"]}
    (container,) = kinds["Deployment"]["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e for e in container["env"]}
    urls = {
        name: env[f"CONSOLE_{key}_URL"]["value"]
        for name, key in (
            ("intake", "INTAKE"),
            ("triage", "TRIAGE"),
            ("dispatch", "DISPATCH"),
            ("sla-monitor", "SLA"),
            ("notifier", "NOTIFIER"),
            ("insights", "INSIGHTS"),
        )
    }
    assert urls == {name: f"http://{name}:{SERVICES[name][2]}" for name in SERVICES}
    assert env["CONSOLE_COOKIE_SECURE"]["value"] == "true"
    assert env["CONSOLE_UPLOAD_STORE"]["value"] == "s3"
    for key in ("ENDPOINT_URL", "BUCKET", "ACCESS_KEY", "SECRET_KEY"):
        assert env[f"CONSOLE_S3_{key}"]["valueFrom"]["secretKeyRef"]["name"] == "pm-s3"
    secrets = [doc for doc in k8s_docs["config.yaml"] if doc["kind"] == "Secret"]
    (s3,) = [doc for doc in secrets if doc["metadata"]["name"] == "pm-s3"]
    assert {"endpoint_url", "bucket", "access_key", "secret_key"} <= set(s3["stringData"])
