"""Session-wide real parts: one Kafka broker and one PostgreSQL server.

They start only when a test asks for them, and a failure to start fails
those tests (never a skip).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.kafka import Broker
from tests.support.postgres import (
    free_port,
    private_run_dir,
    start_private_postgres,
    stop_private_postgres,
)
from tests.support.processes import Process, role_tokens

DATABASES = [
    "pmf_indicators",
    "pmf_returns",
    "pmf_assessment",
    "pmf_reporting",
    "pmf_auth",
    "pmf_test",
]


@pytest.fixture(scope="session")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The bootstrap address of a real Kafka broker for this test session."""
    broker = Broker(tmp_path_factory.mktemp("kafka"))
    try:
        yield broker.start()
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a private PostgreSQL server (append ``/<database>``)."""
    run_dir = private_run_dir()
    port = free_port()
    try:
        yield start_private_postgres(run_dir, port, DATABASES)
    finally:
        stop_private_postgres(run_dir, port)
        shutil.rmtree(run_dir.parent, ignore_errors=True)


class Distributed:
    """The four services as separate ``pmf serve`` processes on Kafka and PostgreSQL."""

    def __init__(self, work: Path, kafka: str, postgres: str) -> None:
        self.work = work
        self.kafka = kafka
        self.postgres = postgres
        self.ports = {name: free_port() for name in SERVICES}
        self.procs: dict[str, Process] = {}
        self.auth_env = {
            "PMF_MODE": "distributed",
            "PMF_AUTH_DATABASE_URL": f"{postgres}/pmf_auth",
        }
        self.tokens: dict[str, str] = {}

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def start(self, name: str) -> None:
        env = {
            "PMF_MODE": "distributed",
            "PMF_KAFKA_BOOTSTRAP": self.kafka,
            "PMF_DATABASE_URL": f"{self.postgres}/pmf_{name}",
            "PMF_DATA_DIR": str(self.work / f"data-{name}"),
            "PMF_LAG_SAMPLE_SECONDS": "1",  # readiness follows the lag closely
            # an LAA result for an unknown indicator waits this long (not 10 min)
            "PMF_LAA_UNKNOWN_WAIT_SECONDS": str(LAA_WAIT_SECONDS),
            "PMF_LAA_RECHECK_SECONDS": "1",
            **self.auth_env,
        }
        log = self.work / f"{name}-{len(list(self.work.glob(name + '*')))}.log"
        self.procs[name] = Process(
            ["serve", name, "--port", str(self.ports[name])], env, log
        )

    def wait_ready(self, name: str) -> None:
        self.procs[name].wait_http(f"{self.url(name)}/readyz", timeout=120)

    def stop(self, name: str) -> None:
        self.procs[name].stop()


SERVICES = ("indicators", "returns", "assessment", "reporting")
LAA_WAIT_SECONDS = 30


@pytest.fixture
def fresh_distributed(tmp_path: Path) -> Iterator[Distributed]:
    """Four services on a broker and PostgreSQL of their own, for a test that
    needs an empty system (the session's services hold other tests' data, and
    Kafka topics and consumer groups are shared by everything on one broker)."""
    broker = Broker(tmp_path / "kafka")
    run_dir, port = private_run_dir(), free_port()
    system: Distributed | None = None
    try:
        bootstrap = broker.start()
        postgres = start_private_postgres(run_dir, port, DATABASES)
        system = Distributed(tmp_path / "services", bootstrap, postgres)
        system.work.mkdir(parents=True, exist_ok=True)
        for name in SERVICES:
            system.start(name)
        for name in SERVICES:
            system.wait_ready(name)
        system.tokens = role_tokens(system.auth_env)
        yield system
    finally:
        if system is not None:
            for name in list(system.procs):
                system.stop(name)
        stop_private_postgres(run_dir, port)
        shutil.rmtree(run_dir.parent, ignore_errors=True)
        broker.stop()


@pytest.fixture(scope="session")
def distributed(
    tmp_path_factory: pytest.TempPathFactory, kafka: str, postgres: str
) -> Iterator[Distributed]:
    """All four services running distributed for this test session."""
    system = Distributed(tmp_path_factory.mktemp("distributed"), kafka, postgres)
    try:
        for name in SERVICES:
            system.start(name)
        for name in SERVICES:
            system.wait_ready(name)
        system.tokens = role_tokens(system.auth_env)
        yield system
    finally:
        for name in list(system.procs):
            system.stop(name)
