"""The distributed system for the Kafka benchmarks: broker, PostgreSQL, services.

The broker and the database server are started by the project's own scripts
(``deploy/kafka/kafka.sh``, ``deploy/postgres/pg.sh``), as the tests do; the
four services run as ``pmf serve <service>`` processes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bench import synth
from bench.harness import Context, log
from bench.procs import REPO_ROOT, Proc, create_token, free_port, pmf

SERVICES = ("indicators", "returns", "assessment", "reporting")
DATABASES = [*(f"pmf_{s}" for s in SERVICES), "pmf_auth"]


def _script(script: str, command: str, env: dict[str, str], timeout: float) -> None:
    done = subprocess.run(
        ["bash", str(REPO_ROOT / script), command],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{script} {command} failed ({done.returncode}):\n"
            f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )


class DistributedStack:
    """Kafka, PostgreSQL and the four services, on free ports under ``run_dir``."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.kafka_port = free_port()
        self.bootstrap = f"127.0.0.1:{self.kafka_port}"
        self.kafka_env = {
            "KAFKA_DIR": str(run_dir / "kafka"),
            "KAFKA_PORT": str(self.kafka_port),
            "KAFKA_CONTROLLER_PORT": str(free_port()),
            "KAFKA_LOG_LEVEL": "WARN",
            # kafka.sh asks the broker for metadata with this Python (it has
            # kafka-python); at WARN the broker logs no "started" line to wait on.
            "PYTHON": sys.executable,
        }
        self.pg_port = free_port()
        self.pg_env = {
            "PG_DIR": str(run_dir / "postgres"),
            "PG_PORT": str(self.pg_port),
            "PG_DATABASES": " ".join(DATABASES),
            "PG_FAST": "1",
        }
        self.pg_url = f"postgresql+psycopg://pmf:pmf@127.0.0.1:{self.pg_port}"
        self.ports = {name: free_port() for name in SERVICES}
        self.procs: dict[str, Proc] = {}
        self.tokens: dict[str, str] = {}
        self._engines: dict[str, Engine] = {}
        self._kafka_started = False
        self._pg_started = False

    @property
    def auth_env(self) -> dict[str, str]:
        """What ``pmf token create`` needs to reach the shared token database."""
        return {
            "PMF_MODE": "distributed",
            "PMF_AUTH_DATABASE_URL": f"{self.pg_url}/pmf_auth",
        }

    def url(self, service: str) -> str:
        """The base URL of one service."""
        return f"http://127.0.0.1:{self.ports[service]}"

    def engine(self, service: str) -> Engine:
        """An engine on one service's database (for counting, not for writing)."""
        if service not in self._engines:
            self._engines[service] = sa.create_engine(
                f"{self.pg_url}/pmf_{service}", pool_size=2
            )
        return self._engines[service]

    def __enter__(self) -> DistributedStack:
        self.start()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start everything and wait until every service is ready."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        with_errors: list[BaseException] = []

        def start_kafka() -> None:
            try:
                _script("deploy/kafka/kafka.sh", "start", self.kafka_env, 600)
                self._kafka_started = True
            except BaseException as exc:
                with_errors.append(exc)

        log("starting Kafka and PostgreSQL")
        thread = threading.Thread(target=start_kafka)
        thread.start()
        try:
            _script("deploy/postgres/pg.sh", "start", self.pg_env, 300)
            self._pg_started = True
        finally:
            thread.join()
        if with_errors:
            raise with_errors[0]
        log("starting the four services")
        for name in SERVICES:
            env = {
                "PMF_MODE": "distributed",
                "PMF_KAFKA_BOOTSTRAP": self.bootstrap,
                "PMF_DATABASE_URL": f"{self.pg_url}/pmf_{name}",
                "PMF_DATA_DIR": str(self.run_dir / f"data-{name}"),
                "PMF_LOG_LEVEL": "WARNING",
                **self.auth_env,
            }
            log_file = self.run_dir / f"{name}.log"
            self.procs[name] = pmf(
                ["serve", name, "--port", str(self.ports[name])], log_file, env
            )
        for name in SERVICES:
            self.procs[name].wait_http(f"{self.url(name)}/readyz", timeout=180)
        self.tokens = {
            role: create_token(role, self.auth_env) for role in ("admin", "system")
        }

    def stop(self) -> None:
        """Stop the services, PostgreSQL and Kafka (whatever was started)."""
        for engine in self._engines.values():
            engine.dispose()
        for proc in self.procs.values():
            proc.stop()
        if self._pg_started:
            _script("deploy/postgres/pg.sh", "stop", self.pg_env, 60)
            self._pg_started = False
        if self._kafka_started:
            _script("deploy/kafka/kafka.sh", "stop", self.kafka_env, 60)
            self._kafka_started = False

    def register_indicator(self, i: int, timeout: float = 300.0) -> None:
        """Register synthetic indicator ``i`` alone and wait until returns and
        reporting know it (for a probe that no other benchmark writes to)."""
        admin = {"Authorization": f"Bearer {self.tokens['admin']}"}
        with httpx.Client(base_url=self.url("indicators"), timeout=60) as client:
            response = client.post(
                "/api/v1/indicators", json=synth.register_command(i), headers=admin
            )
            if response.status_code not in (201, 409):
                raise RuntimeError(f"register {i}: {response.text}")
        code = synth.code_of(i).replace("'", "''")
        self.wait_count(
            "returns",
            f"select count(*) from ret_indicators where code = '{code}'",
            1,
            timeout,
        )
        self.wait_count(
            "reporting",
            "select count(*) from rm_indicators"
            f" where code = '{code}' and registered_at is not null",
            1,
            timeout,
        )

    def register_indicators(self, count: int, timeout: float | None = None) -> None:
        """Register synthetic indicators 0..count-1 and wait until every service
        that must know them does (returns checks LAA results against them)."""
        admin = {"Authorization": f"Bearer {self.tokens['admin']}"}
        timeout = timeout or max(300.0, count * 0.5)
        with httpx.Client(base_url=self.url("indicators"), timeout=60) as client:
            for i in range(count):
                response = client.post(
                    "/api/v1/indicators", json=synth.register_command(i), headers=admin
                )
                if response.status_code not in (201, 409):
                    raise RuntimeError(f"register {i}: {response.text}")
        self.wait_count(
            "returns", "select count(*) from ret_indicators", count, timeout
        )
        self.wait_count(
            "reporting",
            "select count(*) from rm_indicators where registered_at is not null",
            count,
            timeout,
        )

    def count(self, service: str, sql: str) -> int:
        """One number from a service's database."""
        with self.engine(service).connect() as conn:
            return int(conn.execute(sa.text(sql)).scalar() or 0)

    def wait_count(
        self, service: str, sql: str, wanted: int, timeout: float, poll: float = 0.2
    ) -> float:
        """Wait until ``sql`` counts at least ``wanted``; returns when it did."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.count(service, sql) >= wanted:
                    return time.perf_counter()
            except sa.exc.ProgrammingError:
                pass  # the service has not created its tables yet
            if time.monotonic() > deadline:
                raise TimeoutError(f"{service}: {sql} did not reach {wanted}")
            time.sleep(poll)

    def timeline_mark(self) -> int:
        """The newest row of reporting's timeline now (0 when empty)."""
        return self.count("reporting", "select coalesce(max(seq), 0) from rm_timeline")

    def wait_new_results(
        self, mark: int, wanted: int, timeout: float, poll: float = 0.1
    ) -> float:
        """Wait until ``wanted`` result rows follow ``mark`` in reporting's
        timeline; returns when they did.

        Counted incrementally (only rows past the last one seen), so the probe
        costs the database the same at the end of a long stream as at its
        start: counting the whole timeline on every poll took a growing share
        of PostgreSQL's CPU from the system being measured. Reporting is the
        timeline's one writer and commits its batches in order.
        """
        deadline = time.monotonic() + timeout
        seen, last = 0, mark
        query = sa.text(
            "select count(*) filter (where kind = 'result'), max(seq) "
            "from rm_timeline where seq > :last"
        )
        while True:
            with self.engine("reporting").connect() as conn:
                found, newest = conn.execute(query, {"last": last}).one()
            seen += int(found or 0)
            last = int(newest or last)
            if seen >= wanted:
                return time.perf_counter()
            if time.monotonic() > deadline:
                raise TimeoutError(f"reporting: {seen} of {wanted} results arrived")
            time.sleep(poll)


def shared_stack(ctx: Context) -> DistributedStack:
    """The run's one distributed stack, started on first use, stopped at the end."""
    stack = ctx.shared.get("stack")
    if isinstance(stack, DistributedStack):
        return stack
    stack = DistributedStack(ctx.workdir / "stack")
    ctx.resources.callback(stack.stop)
    stack.start()
    ctx.shared["stack"] = stack
    return stack
