"""Processes the benchmarks start: servers, pmf services, helpers.

Every process runs in its own session so that stopping it stops its children
too, and is registered with the run's ``ExitStack`` by whoever starts it.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


_LISTEN_PORTS = (20000, 32000)


def _ephemeral_range() -> tuple[int, int]:
    """The range the kernel hands out for outgoing connections."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now.

    Chosen at random outside the kernel's ephemeral range: a port the kernel
    hands out (``bind(0)``) can be taken again, between choosing it and the
    server binding it, by any outgoing connection (a Kafka client, psycopg),
    and the server then fails with "Address already in use". Ports below the
    ephemeral range are only ever taken by someone listening on purpose.
    """
    low, high = _LISTEN_PORTS
    eph_low, eph_high = _ephemeral_range()
    candidates = [p for p in range(low, high) if not eph_low <= p <= eph_high]
    rng = random.SystemRandom()
    for _ in range(200):
        port = rng.choice(candidates)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Proc:
    """A child process with its output in a log file."""

    def __init__(
        self, args: list[str], log: Path, env: dict[str, str] | None = None
    ) -> None:
        self.args = args
        self.log = log
        self._out = log.open("wb")
        self.proc = subprocess.Popen(
            args,
            cwd=REPO_ROOT,
            env={**os.environ, **(env or {})},
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        """The process id."""
        return self.proc.pid

    def tail(self, lines: int = 30) -> str:
        """The last lines of the process's output."""
        text = self.log.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def alive(self) -> bool:
        """Whether the process is still running."""
        return self.proc.poll() is None

    def wait_http(self, url: str, timeout: float = 60.0) -> None:
        """Wait until ``url`` answers 200, or raise with the process's log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(
                    f"{self.args[2:4]} exited {self.proc.returncode}:\n{self.tail()}"
                )
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{url} did not answer in {timeout}s:\n{self.tail()}")

    def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM the process group, then SIGKILL if it lingers."""
        if self.alive():
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
            except ProcessLookupError:
                pass
        if not self._out.closed:
            self._out.close()
        return self.proc.returncode


def pmf(args: list[str], log: Path, env: dict[str, str] | None = None) -> Proc:
    """Start ``python -m services <args>`` (the ``pmf`` command)."""
    return Proc([PYTHON, "-m", "services", *args], log, env)


def bench_child(module: str, args: list[str], log: Path) -> Proc:
    """Start ``python -m bench.<module> <args>``."""
    return Proc([PYTHON, "-m", f"bench.{module}", *args], log)


def create_token(role: str, env: dict[str, str], *extra: str) -> str:
    """A bearer token made with ``pmf token create`` (printed on the last line)."""
    done = subprocess.run(
        [PYTHON, "-m", "services", "token", "create", "--role", role, *extra],
        cwd=REPO_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"pmf token create failed: {done.stderr}")
    return done.stdout.strip().splitlines()[-1]


@contextmanager
def embedded_server(
    data_dir: Path | None, log: Path, timeout: float = 180
) -> Iterator[tuple[str, Proc]]:
    """``bench.serve_embedded`` on a free port: (base URL, process), then stopped.

    ``data_dir`` None serves the hello-world route alone.
    """
    port = free_port()
    args = ["--port", str(port)]
    args += ["--data-dir", str(data_dir)] if data_dir else ["--hello-only"]
    proc = bench_child("serve_embedded", args, log)
    try:
        base = f"http://127.0.0.1:{port}"
        proc.wait_http(f"{base}/bench/hello", timeout=timeout)
        yield base, proc
    finally:
        proc.stop()
