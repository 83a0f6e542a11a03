"""docker-compose.yml and the files it mounts cannot run here (no Docker engine), so
their structure is checked instead: a broken reference fails here, not on a user's
machine."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.observability.metrics import Metrics
from shared.settings import SERVICE_PORTS, Settings

REPO = Path(__file__).resolve().parents[2]
APP_PORTS = {"indicators": 8001, "returns": 8002, "assessment": 8003, "reporting": 8004}
INFRA = {"kafka", "postgres", "prometheus", "grafana"}


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


def test_compose_has_the_nine_services(services: dict[str, Any]) -> None:
    assert set(services) == INFRA | set(APP_PORTS) | {"web"}


def test_the_web_address_knows_every_service(services: dict[str, Any]) -> None:
    web = services["web"]
    assert web["command"] == ["serve", "web"]
    assert "8000:8000" in published_ports(web)
    for name, port in APP_PORTS.items():
        assert web["environment"][f"PMF_{name.upper()}_URL"] == f"http://{name}:{port}"
    # The staff pages keep their sessions in the token database the services share.
    assert web["environment"]["PMF_AUTH_DATABASE_URL"].endswith("/pmf_auth")


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
    # one token database for all four services, created by the init script
    assert env["PMF_AUTH_DATABASE_URL"] == (
        "postgresql+psycopg://pmf:pmf@postgres:5432/pmf_auth"
    )


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
    for name in [*APP_PORTS, "auth"]:
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


def test_the_app_ports_are_the_ports_the_services_listen_on() -> None:
    assert APP_PORTS == SERVICE_PORTS


def prometheus_config(services: dict[str, Any]) -> dict[str, Any]:
    config_source = next(
        source
        for source, target in bind_mounts(services["prometheus"])
        if target == "/etc/prometheus/prometheus.yml"
    )
    config: dict[str, Any] = load_yaml(config_source)
    return config


def scrape_targets(config: dict[str, Any]) -> dict[str, list[str]]:
    """Job name -> the targets it scrapes."""
    jobs: dict[str, list[str]] = {}
    for job in config["scrape_configs"]:
        assert set(job) <= {"job_name", "metrics_path", "static_configs"}, job
        assert job.get("metrics_path", "/metrics") == "/metrics", job["job_name"]
        assert job["job_name"] not in jobs, job["job_name"]
        jobs[job["job_name"]] = [
            target for static in job["static_configs"] for target in static["targets"]
        ]
    return jobs


def test_prometheus_scrapes_exactly_the_four_services_on_their_ports(
    services: dict[str, Any],
) -> None:
    jobs = scrape_targets(prometheus_config(services))
    app_jobs = {job: targets for job, targets in jobs.items() if job != "prometheus"}

    assert app_jobs == {name: [f"{name}:{port}"] for name, port in APP_PORTS.items()}
    for name, port in APP_PORTS.items():
        assert f"{port}:{port}" in published_ports(services[name])
        assert environment(services[name])["PMF_PORT"] == str(port)
    # Besides the services, Prometheus only scrapes itself.
    assert jobs.get("prometheus", ["localhost:9090"]) == ["localhost:9090"]
    assert "9090:9090" in published_ports(services["prometheus"])


def test_prometheus_labels_each_service_target_with_its_name(
    services: dict[str, Any],
) -> None:
    config = prometheus_config(services)

    for job in config["scrape_configs"]:
        if job["job_name"] in APP_PORTS:
            for static in job["static_configs"]:
                assert static.get("labels") == {"service": job["job_name"]}


@pytest.mark.parametrize("name", APP_PORTS)
def test_app_service_environment_names_are_pmf_settings(
    services: dict[str, Any], name: str
) -> None:
    env = environment(services[name])
    fields = set(Settings.model_fields)

    assert env
    assert [key for key in env if not key.startswith("PMF_")] == []
    assert [key for key in env if key.removeprefix("PMF_").lower() not in fields] == []


@pytest.mark.parametrize("name", APP_PORTS)
def test_app_service_environment_values_are_valid_settings(
    services: dict[str, Any], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in list(os.environ):
        if key.startswith("PMF_"):
            monkeypatch.delenv(key)
    for key, value in environment(services[name]).items():
        monkeypatch.setenv(key, value)

    settings = Settings()

    assert settings.mode == "distributed"
    assert settings.port == APP_PORTS[name]
    assert settings.database_url == environment(services[name])["PMF_DATABASE_URL"]


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


DASHBOARDS = {
    "pmf-pipeline": {
        "pmf_events_appended_total",
        "pmf_events_consumed_total",
        "pmf_kafka_consumer_lag",
        "pmf_consumer_lag",
        "pmf_processing_latency_seconds_bucket",
        "pmf_dead_letters_total",
        "pmf_laa_results_received_total",
    },
    "pmf-framework": {
        "pmf_rag_indicators",
        "pmf_returns_outstanding",
        "pmf_returns_overdue",
    },
    "pmf-http": {
        "pmf_http_request_duration_seconds_count",
        "pmf_http_request_duration_seconds_bucket",
    },
}
"""Each dashboard and the series its panels must chart."""

METRIC_NAME = re.compile(r"\bpmf_[a-z_]+")
# The series a metric family of each type exposes, by suffix (Prometheus text
# format as prometheus_client writes it; "" is the family name itself).
SERIES_SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("", "_count", "_sum", "_created"),
}


def exported_families() -> dict[str, str]:
    """Family name -> type of every metric a pmf process serves at /metrics."""
    return {family.name: family.type for family in Metrics().registry.collect()}


def exported_series() -> set[str]:
    """Every series name a pmf process can serve at /metrics."""
    return {
        name + suffix
        for name, kind in exported_families().items()
        for suffix in SERIES_SUFFIXES[kind]
    }


def family_of(series: str, families: dict[str, str]) -> str | None:
    """The family a series name belongs to, or None when no exported family
    has a series of that name (a counter without ``_total``, a gauge with one)."""
    for name, kind in families.items():
        for suffix in SERIES_SUFFIXES[kind]:
            if series == name + suffix:
                return name
    return None


def dashboard_files() -> list[Path]:
    return sorted((REPO / "deploy/grafana/dashboards").glob("*.json"))


def load_dashboard(path: Path) -> dict[str, Any]:
    dashboard: dict[str, Any] = json.loads(path.read_text())
    return dashboard


def all_panels(panels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Panels, with those nested in collapsed rows."""
    found = []
    for panel in panels:
        found.append(panel)
        found.extend(all_panels(panel.get("panels", [])))
    return found


def expressions(dashboard: dict[str, Any]) -> list[str]:
    """Every PromQL text of a dashboard: panel queries and variable queries."""
    exprs = [
        target.get("expr", "")
        for panel in all_panels(dashboard["panels"])
        for target in panel.get("targets", [])
    ]
    for variable in dashboard.get("templating", {}).get("list", []):
        query = variable.get("query", "")
        exprs.append(query.get("query", "") if isinstance(query, dict) else query)
        exprs.append(variable.get("definition", ""))
    return [expr for expr in exprs if expr]


def referenced_metrics(dashboard: dict[str, Any]) -> set[str]:
    return {
        name for expr in expressions(dashboard) for name in METRIC_NAME.findall(expr)
    }


@pytest.fixture(scope="module")
def datasource_uid() -> str:
    datasources = load_yaml("deploy/grafana/provisioning/datasources/prometheus.yml")
    [prometheus] = datasources["datasources"]
    assert prometheus["type"] == "prometheus"
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,40}", prometheus.get("uid", ""))
    return str(prometheus["uid"])


def test_the_dashboards_are_the_pipeline_framework_and_http_ones() -> None:
    assert [path.stem for path in dashboard_files()] == sorted(DASHBOARDS)


@pytest.mark.parametrize("path", dashboard_files(), ids=lambda path: path.name)
def test_every_dashboard_is_grafana_json_with_a_stable_uid(path: Path) -> None:
    dashboard = load_dashboard(path)

    assert dashboard["uid"] == path.stem  # fixed: links and bookmarks survive
    assert re.fullmatch(r"[a-z0-9-]{1,40}", dashboard["uid"])
    assert dashboard["title"].strip()
    assert isinstance(dashboard["schemaVersion"], int)
    assert dashboard["schemaVersion"] >= 36
    assert "id" not in dashboard or dashboard["id"] is None  # Grafana assigns it


def test_dashboard_titles_are_unique() -> None:
    titles = [load_dashboard(path)["title"] for path in dashboard_files()]

    assert len(set(titles)) == len(titles)


@pytest.mark.parametrize("path", dashboard_files(), ids=lambda path: path.name)
def test_every_panel_has_a_place_and_queries(path: Path) -> None:
    panels = all_panels(load_dashboard(path)["panels"])
    ids = [panel["id"] for panel in panels]

    assert panels
    assert len(set(ids)) == len(ids)
    for panel in panels:
        grid = panel["gridPos"]
        assert {key: type(grid[key]) for key in "hwxy"} == dict.fromkeys("hwxy", int)
        assert grid["w"] > 0 and grid["h"] > 0, panel["title"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24, panel["title"]
        assert panel["title"].strip() and panel["type"]
        if panel["type"] == "row":
            continue
        assert panel["targets"], panel["title"]
        assert all(target["expr"] for target in panel["targets"]), panel["title"]
        refs = [target["refId"] for target in panel["targets"]]
        assert len(set(refs)) == len(refs), panel["title"]


@pytest.mark.parametrize("path", dashboard_files(), ids=lambda path: path.name)
def test_every_query_uses_the_provisioned_prometheus_by_uid(
    path: Path, datasource_uid: str
) -> None:
    dashboard = load_dashboard(path)
    wanted = {"type": "prometheus", "uid": datasource_uid}
    used = [
        panel["datasource"]
        for panel in all_panels(dashboard["panels"])
        if panel["type"] != "row"
    ]
    used += [
        target["datasource"]
        for panel in all_panels(dashboard["panels"])
        for target in panel.get("targets", [])
    ]
    used += [
        variable["datasource"]
        for variable in dashboard.get("templating", {}).get("list", [])
        if variable.get("type") == "query"
    ]

    assert used
    assert [ds for ds in used if ds != wanted] == []


@pytest.mark.parametrize("path", dashboard_files(), ids=lambda path: path.name)
def test_every_metric_a_dashboard_queries_is_exported(path: Path) -> None:
    families = exported_families()
    referenced = referenced_metrics(load_dashboard(path))

    assert referenced
    assert sorted(m for m in referenced if family_of(m, families) is None) == []
    assert referenced <= exported_series()


@pytest.mark.parametrize(
    ("uid", "wanted"), sorted(DASHBOARDS.items()), ids=sorted(DASHBOARDS)
)
def test_each_dashboard_charts_its_metrics(uid: str, wanted: set[str]) -> None:
    dashboard = load_dashboard(REPO / f"deploy/grafana/dashboards/{uid}.json")

    assert sorted(wanted - referenced_metrics(dashboard)) == []


def test_series_names_map_to_their_family_by_type() -> None:
    families = exported_families()

    assert family_of("pmf_events_appended_total", families) == "pmf_events_appended"
    assert family_of("pmf_events_appended_created", families) == "pmf_events_appended"
    assert family_of("pmf_events_appended", families) is None  # counters end _total
    assert family_of("pmf_rag_indicators", families) == "pmf_rag_indicators"
    assert family_of("pmf_rag_indicators_total", families) is None
    assert family_of("pmf_rag_indicators_bucket", families) is None
    assert (
        family_of("pmf_processing_latency_seconds_bucket", families)
        == "pmf_processing_latency_seconds"
    )
    assert (
        family_of("pmf_http_request_duration_seconds_sum", families)
        == "pmf_http_request_duration_seconds"
    )
    assert family_of("pmf_http_request_duration_seconds_total", families) is None
    assert family_of("pmf_returns_overdue", families) == "pmf_returns_overdue"


def test_grafana_opens_on_a_provisioned_dashboard(services: dict[str, Any]) -> None:
    mounts = dict(bind_mounts(services["grafana"]))
    home = environment(services["grafana"]).get(
        "GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"
    )
    if home is None:
        return  # Grafana's own home page
    folder, name = home.rsplit("/", 1)
    host_folder = next(source for source, target in mounts.items() if target == folder)

    assert (REPO / host_folder / name).is_file(), home


def test_the_image_installs_the_package_with_the_constraints_and_runs_pmf() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()

    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, re.MULTILINE)
    assert "pip install -c constraints.txt ." in dockerfile
    assert 'ENTRYPOINT ["pmf"]' in dockerfile


def test_prometheus_may_read_the_metrics_from_inside_the_compose_network(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    """/metrics is closed to other addresses, so the services must trust the
    compose network Prometheus scrapes from (and nothing wider)."""
    import ipaddress

    from shared.settings import Settings

    [subnet] = [c["subnet"] for c in compose["networks"]["default"]["ipam"]["config"]]
    network = ipaddress.ip_network(subnet)
    assert network.is_private and network.num_addresses <= 256
    for name in APP_PORTS:
        allowed = environment(services[name])["PMF_METRICS_NETWORKS"]
        parsed = Settings(metrics_networks=allowed).metrics_networks
        assert "*" not in parsed and subnet in parsed, name
        others = [n for n in parsed if n != subnet]
        assert all(ipaddress.ip_network(n).is_loopback for n in others), name
