"""Concurrent HTTP load with wrk (Debian's ``wrk``, installed by
``deploy/system-packages.sh --with-test-tools``).

wrk is a C client and on a 2-CPU machine leaves the server most of a core. A
Python client is slower than a hello-world route itself, so it would measure
the client, not the server: there is no fallback. Without wrk the HTTP
benchmark fails with a message that says how to install it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
INSTALL = "bash deploy/system-packages.sh --with-test-tools (or apt-get install -y wrk)"


class WrkMissing(RuntimeError):
    """wrk is not on PATH: the HTTP figures cannot be measured."""


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


def require_wrk() -> str:
    """The path of wrk, or :class:`WrkMissing` saying how to install it."""
    found = shutil.which("wrk")
    if found is None:
        raise WrkMissing(
            f"the HTTP benchmark needs wrk, which is not installed: {INSTALL}"
        )
    return found


def run(url: str, seconds: float, connections: int) -> LoadStats:
    """Load ``url`` for ``seconds`` with ``connections`` concurrent connections."""
    return run_wrk(url, seconds, connections)


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
            require_wrk(),
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
