"""Concurrent HTTP load: wrk when installed (Debian's ``wrk``), else httpx.

wrk is a C client and on a 2-CPU machine leaves the server most of a core;
an async httpx client is the fallback and is itself slower than a hello-world
route, so figures from the two are not comparable across runs: the client
used is recorded in the notes.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time
from dataclasses import dataclass

import httpx

from bench.harness import percentile

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True)
class LoadStats:
    """What one load run measured."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    client: str


def pick_client(wanted: str = "auto") -> str:
    """``wrk`` when wanted or available (auto), else ``httpx``."""
    if wanted == "httpx":
        return "httpx"
    if shutil.which("wrk"):
        return "wrk"
    if wanted == "wrk":
        raise RuntimeError("wrk is not installed (apt-get install -y wrk)")
    return "httpx"


def run(url: str, seconds: float, connections: int, client: str) -> LoadStats:
    """Load ``url`` for ``seconds`` with ``connections`` concurrent connections."""
    if client == "wrk":
        return run_wrk(url, seconds, connections)
    return asyncio.run(run_httpx(url, seconds, connections))


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if match is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output: str) -> tuple[int, float, float, float, int]:
    """Requests, seconds, p50 ms, p99 ms and errors from ``wrk --latency``."""
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    if not (done and p50 and p99):
        raise ValueError(f"unexpected wrk output:\n{output}")
    errors = sum(
        int(n)
        for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output)
        + re.findall(r"(?:connect|read|write|timeout) (\d+)", output)
    )
    seconds = _ms(done.group(2) + done.group(3)) / 1000
    return int(done.group(1)), seconds, _ms(p50.group(1)), _ms(p99.group(1)), errors


def run_wrk(url: str, seconds: float, connections: int) -> LoadStats:
    """One wrk run (one thread: the other CPU is the server's)."""
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "30s",
            "--latency",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    requests, took, p50, p99, errors = parse_wrk(out)
    return LoadStats(requests, took, requests / took, p50, p99, errors, "wrk")


async def run_httpx(url: str, seconds: float, connections: int) -> LoadStats:
    """The same with an async httpx client and ``connections`` workers."""
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        started = time.perf_counter()
        deadline = started + seconds

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                sent = time.perf_counter()
                try:
                    response = await client.get(url)
                    if response.status_code >= 400:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append((time.perf_counter() - sent) * 1000)

        await asyncio.gather(*(worker() for _ in range(connections)))
        took = time.perf_counter() - started
    return LoadStats(
        len(latencies),
        took,
        len(latencies) / took,
        percentile(latencies, 50),
        percentile(latencies, 99),
        errors,
        "httpx",
    )
