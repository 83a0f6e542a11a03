"""``run_with_faust``: FastAPI and a Faust worker in one process, on a real broker.

A subprocess runs a tiny FastAPI + Faust app through
:func:`shared.messaging.faust_host.run_with_faust` against the session's ``kafka``
fixture. Messages from kafka-python and from an HTTP handler (through Faust's own
producer, on the shared loop) must reach the agent and show up over HTTP; a signal
must stop HTTP and Faust cleanly, run the app's own lifespan shutdown, and return
to the caller within seconds.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from kafka import KafkaAdminClient, KafkaProducer

from bench.procs import free_port

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]

HOST_APP = textwrap.dedent(
    """
    import json
    import os
    import sys
    from contextlib import asynccontextmanager
    from pathlib import Path

    import faust
    from fastapi import FastAPI

    sys.path.insert(0, os.environ["REPO"])
    from shared.messaging.faust_host import FaustStatus, run_with_faust  # noqa: E402

    MARKS = Path(os.environ["MARKS"])
    faust_app = faust.App(
        os.environ["APP_ID"],
        broker="kafka://" + os.environ["BOOTSTRAP"],
        store="memory://",
        web_enabled=False,
        topic_partitions=2,
        topic_replication_factor=1,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=float(os.environ.get("SESSION_TIMEOUT", "60")),
    )
    status = FaustStatus()
    topic = faust_app.topic(
        os.environ["TOPIC"], key_serializer="raw", value_serializer="raw"
    )
    received = []
    bad = []


    @faust_app.agent(topic)
    async def consume(stream):
        async for value in stream:
            try:
                received.append(json.loads(value)["id"])
            except (ValueError, KeyError, TypeError):
                bad.append(value.decode("utf-8", "replace"))


    @asynccontextmanager
    async def lifespan(api):
        (MARKS / "lifespan-started").touch()
        yield
        (MARKS / "lifespan-stopped").touch()


    api = FastAPI(lifespan=lifespan)


    @api.get("/ready")
    async def ready():
        return {"running": status.running, "state": status.state}


    @api.get("/received")
    async def get_received():
        return {"received": received, "bad": bad}


    @api.post("/send/{event_id}")
    async def send(event_id: str):
        # Faust's producer from an HTTP handler: works because both share one loop
        doc = json.dumps({"id": event_id}).encode()
        await topic.send(key=event_id.encode(), value=doc)
        return {"sent": event_id}


    @api.post("/crash")
    async def crash():
        await faust_app.crash(RuntimeError("boom"))
        return {"crashed": True}


    if __name__ == "__main__":
        run_with_faust(
            api, faust_app, "127.0.0.1", int(os.environ["PORT"]), status=status
        )
        (MARKS / "returned").touch()
    """
)


class _Host:
    def __init__(
        self,
        tmp_path: Path,
        kafka: str,
        port: int,
        *,
        suffix: str | None = None,
        extra_env: dict[str, str] | None = None,
        create_topic: bool = True,
    ) -> None:
        suffix = suffix or uuid.uuid4().hex[:8]
        self.topic = f"host-in-{suffix}"
        # Faust creates only its internal topics. A source topic missing when the
        # agent subscribes gets no partitions until the consumer's metadata refresh
        # (consumer_metadata_max_age_ms, 5 min by default): create it first.
        if create_topic:
            admin = KafkaAdminClient(bootstrap_servers=kafka, client_id="host-test")
            try:
                admin.create_topics(
                    {self.topic: {"num_partitions": 2, "replication_factor": 1}},
                    wait_for_metadata=True,
                )
            finally:
                admin.close()
        self.url = f"http://127.0.0.1:{port}"
        self.marks = tmp_path / "marks"
        self.marks.mkdir(exist_ok=True)
        for mark in self.marks.iterdir():
            mark.unlink()
        self.log = tmp_path / f"host-{time.monotonic_ns()}.log"
        app_file = tmp_path / "host_app.py"
        app_file.write_text(HOST_APP)
        env = {
            **os.environ,
            "REPO": str(REPO),
            "MARKS": str(self.marks),
            "APP_ID": f"host-{suffix}",
            "BOOTSTRAP": kafka,
            "TOPIC": self.topic,
            "PORT": str(port),
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        self.started = time.monotonic()
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, str(app_file)],
                cwd=tmp_path,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-5000:]

    def get(self) -> dict[str, Any]:
        response = httpx.get(f"{self.url}/received", timeout=2)
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def ready(self) -> dict[str, Any]:
        response = httpx.get(f"{self.url}/ready", timeout=2)
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def wait_running(self, timeout: float) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"host exited {self.proc.returncode}:\n{self.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if self.ready()["running"]:
                    return time.monotonic() - self.started
            time.sleep(0.1)
        pytest.fail(f"consumers not running within {timeout}s:\n{self.tail()}")

    def wait_http(self, timeout: float) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"host exited {self.proc.returncode}:\n{self.tail()}")
            try:
                self.get()
                return time.monotonic() - self.started
            except httpx.HTTPError:
                time.sleep(0.1)
        pytest.fail(f"HTTP did not answer within {timeout}s:\n{self.tail()}")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_http_and_agents_share_one_process(
    kafka: str, tmp_path: Path, signum: signal.Signals
) -> None:
    host = _Host(tmp_path, kafka, free_port())
    producer = KafkaProducer(
        bootstrap_servers=kafka, enable_idempotence=True, acks="all"
    )
    try:
        http_ready = host.wait_http(timeout=40)
        assert (host.marks / "lifespan-started").exists()
        running = host.wait_running(timeout=40)

        # one event from outside (kafka-python), a bad one, and one from an HTTP handler
        producer.send(host.topic, key=b"k1", value=json.dumps({"id": "k1"}).encode())
        producer.send(host.topic, key=b"k2", value=b"{oops")
        producer.flush(timeout=10)
        sent = httpx.post(f"{host.url}/send/h1", timeout=10)
        assert sent.status_code == 200, sent.text

        deadline = time.monotonic() + 20
        state = host.get()
        while time.monotonic() < deadline and not (
            {"k1", "h1"} <= set(state["received"]) and state["bad"]
        ):
            time.sleep(0.1)
            state = host.get()
        assert sorted(state["received"]) == ["h1", "k1"], (state, host.tail())
        assert state["bad"] == ["{oops"]
        consumed = time.monotonic() - host.started

        t_stop = time.monotonic()
        host.proc.send_signal(signum)
        try:
            rc = host.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pytest.fail(
                f"host did not exit within 20 s of {signum.name}:\n{host.tail()}"
            )
        stopped = time.monotonic() - t_stop
        log = host.tail()
        assert rc == 0, log
        assert (host.marks / "lifespan-stopped").exists(), log
        assert (host.marks / "returned").exists(), log
        assert "Traceback" not in log, log
        with pytest.raises(httpx.ConnectError):
            host.get()
        print(
            f"{signum.name}: http ready {http_ready:.1f}s, consumers running "
            f"{running:.1f}s, consumed {consumed:.1f}s, "
            f"stopped in {stopped:.1f}s"
        )
    finally:
        producer.close()
        host.kill()


def test_busy_port_fails_fast(kafka: str, tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        host = _Host(tmp_path, kafka, busy.getsockname()[1])
        try:
            rc = host.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            host.kill()
            pytest.fail(f"host did not fail on a busy port:\n{host.tail()}")
    assert rc != 0
    assert "Address already in use" in host.tail()
    assert not (host.marks / "lifespan-started").exists()


def test_faust_crash_stops_the_process(kafka: str, tmp_path: Path) -> None:
    host = _Host(tmp_path, kafka, free_port())
    try:
        host.wait_running(timeout=40)
        with contextlib.suppress(httpx.HTTPError):
            httpx.post(f"{host.url}/crash", timeout=5)
        try:
            rc = host.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pytest.fail(f"host kept running after Faust crashed:\n{host.tail()}")
        log = host.tail()
        assert rc != 0, log
        assert "FaustHostError" in log and "boom" in log, log
        assert (host.marks / "lifespan-stopped").exists(), log
        assert not (host.marks / "returned").exists(), log
    finally:
        host.kill()


def test_after_kill_9_http_answers_at_once_and_the_group_is_joined_later(
    kafka: str, tmp_path: Path
) -> None:
    """The broker keeps a killed member in the group until its session times out;
    the restarted process serves HTTP meanwhile and says what it waits for."""
    suffix = uuid.uuid4().hex[:8]
    env = {"SESSION_TIMEOUT": "20"}  # long enough to see the wait on a slow machine
    port = free_port()
    first = _Host(tmp_path, kafka, port, suffix=suffix, extra_env=env)
    try:
        first.wait_running(timeout=60)
    finally:
        first.kill()  # SIGKILL: the member does not leave the group

    again = _Host(
        tmp_path, kafka, port, suffix=suffix, extra_env=env, create_topic=False
    )
    try:
        http_after = again.wait_http(timeout=20)
        state = again.ready()
        running_after = again.wait_running(timeout=60)
        log = again.tail()
        # HTTP answered while the group was still being joined
        assert state == {"running": False, "state": "joining group"}, (state, log)
        assert running_after > http_after
        assert log.count("joining consumer group") == 1, log
        assert "consumers running" in log, log
        print(f"after kill -9: http {http_after:.1f}s, running {running_after:.1f}s")
        again.proc.send_signal(signal.SIGTERM)
        assert again.proc.wait(timeout=20) == 0, again.tail()
    finally:
        again.kill()


def test_without_a_broker_http_answers_and_the_wait_is_logged_once(
    tmp_path: Path,
) -> None:
    nowhere = f"127.0.0.1:{free_port()}"  # nothing listens there
    host = _Host(tmp_path, nowhere, free_port(), create_topic=False)
    try:
        host.wait_http(timeout=30)
        time.sleep(5)  # several looks at the broker
        assert host.ready() == {"running": False, "state": "waiting for broker"}
        log = host.tail()
        assert log.count(f"waiting for broker {nowhere}") == 1, log
        host.proc.send_signal(signal.SIGTERM)
        rc = host.proc.wait(timeout=30)
        log = host.tail()
        assert rc == 0, log
        assert "stopped while waiting for the broker" in log, log
        assert (host.marks / "lifespan-stopped").exists(), log
        assert (host.marks / "returned").exists(), log
    finally:
        host.kill()
