"""HTTP: requests/s and p50/p99 latency of ``GET /api/v1/framework`` (the demo
framework), one uvicorn worker, a concurrent client; the baseline is a
hello-world route on the same server process behind the same middleware.

The two routes are loaded in turns (framework, hello, framework, hello) so
that a burst of load from other users of the machine falls on both.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import httpx

from bench import load
from bench.fixtures import copy_of, demo_data
from bench.harness import Context, Result, log
from bench.procs import embedded_server
from bench.serve_embedded import HELLO

NAME = "http"
ROUTE = "/api/v1/framework"


def measure(
    data_dir: Path,
    workdir: Path,
    seconds: float,
    connections: int = 32,
    rounds: int = 2,
) -> list[Result]:
    """Load the framework route and the hello route in turns on one server."""
    load.require_wrk()  # fail before starting a server, not after
    runs: dict[str, list[load.LoadStats]] = {ROUTE: [], HELLO: []}
    with embedded_server(data_dir, workdir / "server.log") as (base, _proc):
        body = httpx.get(base + ROUTE, timeout=30).json()
        indicators = len(body["indicators"])
        for path in (ROUTE, HELLO):  # warm up
            load.run(base + path, 1, connections)
        for _ in range(rounds):
            for path in (ROUTE, HELLO):
                runs[path].append(load.run(base + path, seconds / rounds, connections))
    ours, hello = runs[ROUTE], runs[HELLO]

    def mean(stats: list[load.LoadStats], field: str) -> float:
        return statistics.fmean(getattr(s, field) for s in stats)

    errors = sum(s.errors for s in ours + hello)
    notes = (
        f"{indicators} indicators; client wrk, {connections} connections, "
        f"{rounds}x{seconds / rounds:.0f} s per route"
        + (f"; {errors} errors" if errors else "")
    )
    common = {"baseline_name": f"GET {HELLO}, same server", "notes": notes}
    return [
        Result(
            name=f"HTTP GET {ROUTE} throughput",
            figure=mean(ours, "rps"),
            baseline=mean(hello, "rps"),
            units="req/s",
            **common,
        ).against(
            ">= 50% of hello-world", mean(ours, "rps") >= 0.5 * mean(hello, "rps")
        ),
        Result(
            name=f"HTTP GET {ROUTE} p50 latency",
            figure=mean(ours, "p50_ms"),
            baseline=mean(hello, "p50_ms"),
            units="ms",
            higher_is_better=False,
            **common,
        ),
        Result(
            name=f"HTTP GET {ROUTE} p99 latency",
            figure=mean(ours, "p99_ms"),
            baseline=mean(hello, "p99_ms"),
            units="ms",
            higher_is_better=False,
            **common,
        ),
    ]


def run(ctx: Context) -> list[Result]:
    """The HTTP benchmark on a copy of the demo data."""
    seconds = ctx.size("http_seconds", quick=4, full=20)
    log(f"{NAME}: {seconds} s per route")
    workdir = ctx.scratch(NAME)
    data = copy_of(demo_data(ctx), workdir / "data")
    return measure(data, workdir, seconds)
