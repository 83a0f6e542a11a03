"""docker-compose.yml and the files it mounts cannot run here (no Docker engine), so
their structure is checked instead: a broken reference fails here, not on a user's
machine."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
APP_PORTS = {"indicators": 8001, "returns": 8002, "assessment": 8003, "reporting": 8004}
INFRA = {"kafka", "postgres", "prometheus", "grafana"}
DASHBOARD_METRICS = [
    "pmf_events_appended_total",
    "pmf_events_consumed_total",
    "pmf_consumer_lag",
    "pmf_dead_letters_total",
    "pmf_rag_indicators",
    "pmf_http_request_duration_seconds_bucket",
]


def load_yaml(relative: str) -> Any:
    return yaml.safe_load((REPO / relative).read_text())


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_yaml("docker-compose.yml")


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]


def bind_mounts(service: dict[str, Any]) -> list[tuple[str, str]]:
    """(host path, container path) of every bind mount in short syntax."""
    mounts = []
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith((".", "/")):
            mounts.append((source, target))
    return mounts


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def published_ports(service: dict[str, Any]) -> set[str]:
    return {str(port) for port in service.get("ports", [])}


def test_compose_has_the_eight_services(services: dict[str, Any]) -> None:
    assert set(services) == INFRA | set(APP_PORTS)


@pytest.mark.parametrize(("name", "port"), APP_PORTS.items())
def test_each_app_service_serves_itself_on_its_port(
    services: dict[str, Any], name: str, port: int
) -> None:
    service = services[name]

    assert service["command"] == ["serve", name]
    assert f"{port}:{port}" in published_ports(service)
    assert service["build"]["context"] == "."
    assert (REPO / service["build"].get("dockerfile", "Dockerfile")).is_file()


@pytest.mark.parametrize(("name", "port"), APP_PORTS.items())
def test_each_app_service_runs_distributed_on_its_own_database(
    services: dict[str, Any], name: str, port: int
) -> None:
    env = environment(services[name])

    assert env["PMF_MODE"] == "distributed"
    assert env["PMF_KAFKA_BOOTSTRAP"] == "kafka:9092"
    assert env["PMF_DATABASE_URL"] == (
        f"postgresql+psycopg://pmf:pmf@postgres:5432/pmf_{name}"
    )
    assert env["PMF_PORT"] == str(port)
    assert env["PMF_HOST"] == "0.0.0.0"


@pytest.mark.parametrize(("name", "port"), APP_PORTS.items())
def test_each_app_service_waits_for_healthy_kafka_and_postgres_and_checks_readyz(
    services: dict[str, Any], name: str, port: int
) -> None:
    service = services[name]

    assert service["depends_on"] == {
        "kafka": {"condition": "service_healthy"},
        "postgres": {"condition": "service_healthy"},
    }
    assert f"127.0.0.1:{port}/readyz" in " ".join(service["healthcheck"]["test"])


def test_kafka_is_a_single_kraft_node_with_a_healthcheck(
    services: dict[str, Any],
) -> None:
    kafka = services["kafka"]
    env = environment(kafka)

    assert kafka["image"].startswith("apache/kafka:")
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{env['KAFKA_NODE_ID']}@kafka:9093"
    assert "PLAINTEXT://kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"]
    assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "1"
    assert len(env["CLUSTER_ID"]) == 22
    assert kafka["healthcheck"]["test"]


def test_kafka_image_matches_the_broker_the_tests_run(services: dict[str, Any]) -> None:
    pom = (REPO / "deploy/kafka/pom.xml").read_text()
    version = re.search(r"<kafka.version>([^<]+)</kafka.version>", pom)

    assert version is not None
    assert services["kafka"]["image"] == f"apache/kafka:{version.group(1)}"


def test_postgres_creates_one_database_per_service(services: dict[str, Any]) -> None:
    postgres = services["postgres"]
    init_scripts = [
        REPO / source
        for source, target in bind_mounts(postgres)
        if target.startswith("/docker-entrypoint-initdb.d")
    ]
    sql = " ".join(path.read_text() for path in init_scripts)

    assert postgres["image"] == "postgres:15"
    assert postgres["healthcheck"]["test"]
    for name in APP_PORTS:
        assert f"CREATE DATABASE pmf_{name} OWNER pmf;" in sql


def test_every_bind_mounted_file_exists(services: dict[str, Any]) -> None:
    missing = [
        f"{name}: {source}"
        for name, service in services.items()
        for source, _ in bind_mounts(service)
        if not (REPO / source).exists()
    ]

    assert missing == []


def test_named_volumes_are_declared(compose: dict[str, Any]) -> None:
    declared = set(compose.get("volumes") or {})
    used = {
        volume.split(":")[0]
        for service in compose["services"].values()
        for volume in service.get("volumes", [])
        if not volume.startswith((".", "/"))
    }

    assert used <= declared


def test_prometheus_scrapes_the_four_services(services: dict[str, Any]) -> None:
    config_source = next(
        source
        for source, target in bind_mounts(services["prometheus"])
        if target == "/etc/prometheus/prometheus.yml"
    )
    config = load_yaml(config_source)
    scraped = {
        target
        for job in config["scrape_configs"]
        if job.get("metrics_path", "/metrics") == "/metrics"
        for static in job["static_configs"]
        for target in static["targets"]
    }

    assert {f"{name}:{port}" for name, port in APP_PORTS.items()} <= scraped


def test_grafana_provisions_prometheus_and_the_dashboards_folder(
    services: dict[str, Any],
) -> None:
    mounts = dict(bind_mounts(services["grafana"]))
    provisioning = REPO / next(
        source
        for source, target in mounts.items()
        if target == "/etc/grafana/provisioning"
    )
    datasources = yaml.safe_load(
        (provisioning / "datasources/prometheus.yml").read_text()
    )
    providers = yaml.safe_load((provisioning / "dashboards/pmf.yml").read_text())
    dashboards_target = mounts["./deploy/grafana/dashboards"]

    assert [ds["url"] for ds in datasources["datasources"]] == [
        "http://prometheus:9090"
    ]
    assert [p["options"]["path"] for p in providers["providers"]] == [dashboards_target]


def dashboard_files() -> list[Path]:
    return sorted((REPO / "deploy/grafana/dashboards").glob("*.json"))


def test_there_is_at_least_one_dashboard() -> None:
    assert [path.name for path in dashboard_files()].count("pmf-overview.json") == 1


@pytest.mark.parametrize("path", dashboard_files(), ids=lambda path: path.name)
def test_every_dashboard_parses_and_has_panels_with_queries(path: Path) -> None:
    dashboard = json.loads(path.read_text())

    assert dashboard["uid"] and dashboard["title"]
    assert dashboard["panels"]
    for panel in dashboard["panels"]:
        assert panel["targets"], panel["title"]
        assert all(target["expr"] for target in panel["targets"]), panel["title"]


def test_the_overview_dashboard_charts_the_operations_metrics() -> None:
    dashboard = json.loads(
        (REPO / "deploy/grafana/dashboards/pmf-overview.json").read_text()
    )
    queries = " ".join(
        target["expr"] for panel in dashboard["panels"] for target in panel["targets"]
    )

    assert [metric for metric in DASHBOARD_METRICS if metric not in queries] == []


def test_the_image_installs_the_package_with_the_constraints_and_runs_pmf() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()

    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, re.MULTILINE)
    assert "pip install -c constraints.txt ." in dockerfile
    assert 'ENTRYPOINT ["pmf"]' in dockerfile
