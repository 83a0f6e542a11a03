"""A real Prometheus scrapes the four distributed services.

The Debian ``prometheus`` package (``deploy/system-packages.sh --with-test-tools``)
runs with deploy/prometheus/prometheus.yml, its targets pointed at the session's
``pmf serve`` processes and a 1 s scrape interval; the dashboards' queries are then
run against it, so a query Prometheus cannot parse fails here, not in Grafana.

Prometheus scrapes with a ``metrics`` bearer token, as it must from any address
outside ``PMF_METRICS_NETWORKS`` (docs/operations.md).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.conftest import SERVICES, Distributed
from tests.support.postgres import free_port
from tests.support.processes import create_token, eventually

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]
DEPLOY_CONFIG = REPO / "deploy/prometheus/prometheus.yml"
DASHBOARDS = REPO / "deploy/grafana/dashboards"
PROMETHEUS = Path("/usr/bin/prometheus")
PROMTOOL = Path("/usr/bin/promtool")
# Grafana fills these in before a query reaches Prometheus.
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$service": ".*"}


def local_config(
    service_ports: dict[str, int], own_port: int, token_file: Path
) -> dict[str, Any]:
    """The deployed config, scraping this machine's processes every second with
    a metrics token."""
    config: dict[str, Any] = yaml.safe_load(DEPLOY_CONFIG.read_text())
    config["global"] = {"scrape_interval": "1s", "evaluation_interval": "1s"}
    for job in config["scrape_configs"]:
        name = job["job_name"]
        port = service_ports.get(name, own_port)
        for static in job["static_configs"]:
            static["targets"] = [f"127.0.0.1:{port}"]
        if name in service_ports:
            job["authorization"] = {
                "type": "Bearer",
                "credentials_file": str(token_file),
            }
    return config


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


@pytest.fixture(scope="module")
def prometheus(
    distributed: Distributed, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The base URL of a real Prometheus scraping the four services."""
    assert PROMETHEUS.is_file(), (
        f"{PROMETHEUS} is missing: run deploy/system-packages.sh --with-test-tools"
    )
    work = tmp_path_factory.mktemp("prometheus")
    port = free_port()
    token_file = work / "metrics-token"
    token_file.write_text(
        create_token("metrics", distributed.auth_env, "--name", "prometheus")
    )
    config = work / "prometheus.yml"
    config.write_text(yaml.safe_dump(local_config(distributed.ports, port, token_file)))
    log_path = work / "prometheus.log"
    url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                str(PROMETHEUS),
                f"--config.file={config}",
                f"--storage.tsdb.path={work / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            cwd=work,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:

        def ready() -> None:
            assert proc.poll() is None, (
                f"prometheus exited {proc.returncode}:\n{log_path.read_text()}"
            )
            try:
                assert httpx.get(f"{url}/-/ready", timeout=2).status_code == 200
            except httpx.HTTPError as exc:
                raise AssertionError(str(exc)) from exc

        eventually(ready, timeout=60)
        yield url
    finally:
        _stop(proc)


def api(url: str, path: str, **params: str) -> Any:
    response = httpx.get(f"{url}/api/v1/{path}", params=params, timeout=10)
    body = response.json()
    assert response.status_code == 200 and body["status"] == "success", (
        f"{path} {params}: {response.status_code} {body}"
    )
    return body["data"]


def dashboard_queries() -> list[tuple[str, str, str]]:
    """(dashboard, panel title, PromQL) of every panel query, variables filled in."""
    queries = []
    for path in sorted(DASHBOARDS.glob("*.json")):
        dashboard = json.loads(path.read_text())
        for panel in dashboard["panels"]:
            for target in panel.get("targets", []):
                expr = target["expr"]
                for variable, value in GRAFANA_VARIABLES.items():
                    expr = expr.replace(variable, value)
                queries.append((path.stem, panel["title"], expr))
    return queries


def test_promtool_accepts_the_deployed_config() -> None:
    done = subprocess.run(
        [str(PROMTOOL), "check", "config", str(DEPLOY_CONFIG)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr


def test_every_service_target_is_up(prometheus: str, distributed: Distributed) -> None:
    def all_up() -> dict[str, Any]:
        targets = api(prometheus, "targets", state="active")["activeTargets"]
        by_job = {t["labels"]["job"]: t for t in targets}
        assert set(SERVICES) <= set(by_job), by_job.keys()
        down = {
            job: by_job[job]["lastError"]
            for job in SERVICES
            if by_job[job]["health"] != "up"
        }
        assert down == {}
        return by_job

    by_job = eventually(all_up, timeout=60)

    for name in SERVICES:
        assert by_job[name]["scrapeUrl"] == f"{distributed.url(name)}/metrics"
        assert by_job[name]["labels"]["service"] == name


def test_request_durations_are_scraped_from_every_service(
    prometheus: str, distributed: Distributed
) -> None:
    for name in SERVICES:  # a request of our own, besides the scrapes
        assert httpx.get(f"{distributed.url(name)}/healthz").status_code == 200

    def scraped() -> None:
        data = api(prometheus, "query", query="pmf_http_request_duration_seconds_count")
        assert data["resultType"] == "vector"
        series = [s["metric"] for s in data["result"]]
        assert {s["job"] for s in series} == set(SERVICES)
        healthz = {s["job"] for s in series if s.get("route") == "/healthz"}
        assert healthz == set(SERVICES)

    eventually(scraped, timeout=60)


@pytest.mark.parametrize(
    ("dashboard", "title", "expr"),
    dashboard_queries(),
    ids=[f"{d}:{t}" for d, t, _ in dashboard_queries()],
)
def test_every_dashboard_query_runs_in_prometheus(
    prometheus: str, dashboard: str, title: str, expr: str
) -> None:
    data = api(prometheus, "query", query=expr)

    assert data["resultType"] in {"vector", "scalar", "matrix"}
