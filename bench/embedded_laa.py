"""Embedded mode: LAA results posted in batches to ``POST /api/v1/laa-results``
on a ``pmf run``-style server, timed until the framework shows them all,
against a raw SQLite ``executemany`` of the same rows.

This is the path the LAA system's results take when pmf runs in one process:
HTTP, validation, the returns service's batch, the log, assessment and the
reporting read model. The clock starts at the first POST and stops when
``GET /api/v1/framework`` answers after the read model holds every result
(the followers catch up before a POST answers, so that is soon after the
last POST). The profile is of the same path in this process, without HTTP.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx

from bench import synth
from bench.harness import Context, Result, Stopwatch, log
from bench.procs import embedded_server
from bench.profiling import profiled

NAME = "embedded_laa"
BATCH = 500
TARGET = ">= 5,000 results/s"
RESULTS_SQL = "select count(*) from rm_timeline where kind = 'result'"


def prepare(data_dir: Path, indicators: int) -> str:
    """A data folder holding ``indicators`` indicators; returns a system token."""
    from services.embedded import EmbeddedSystem
    from shared.settings import Settings

    system = EmbeddedSystem(Settings(data_dir=data_dir))
    try:
        writer = synth.LogWriter(system.engine)
        synth.write_framework(writer, indicators, synth.PLAN_START)
        writer.flush()
        system.catch_up()
        return system.tokens.create("system", "bench embedded LAA")
    finally:
        system.engine.dispose()


def raw_sqlite_insert(path: Path, messages: list[dict[str, Any]]) -> float:
    """Seconds to insert the messages' fields with one ``executemany``, durably."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute(
            "CREATE TABLE results (result_id TEXT, indicator_code TEXT, "
            "period_end TEXT, value REAL)"
        )
        rows = [
            (m["result_id"], m["indicator_code"], m["period_end"], m["value"])
            for m in messages
        ]
        with Stopwatch() as sw:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT INTO results VALUES (?, ?, ?, ?)", rows)
            conn.execute("COMMIT")
        return sw.seconds
    finally:
        conn.close()


def held(data_dir: Path) -> int:
    """Results in the reporting read model, read beside the server (WAL)."""
    conn = sqlite3.connect(data_dir / "pmf.sqlite3")
    try:
        return int(conn.execute(RESULTS_SQL).fetchone()[0])
    finally:
        conn.close()


def measure(n: int, indicators: int, workdir: Path) -> Result:
    """Post ``n`` results over ``indicators`` indicators; results/s against raw."""
    data = workdir / "data"
    token = prepare(data, indicators)
    messages = [synth.laa_message(k, indicators, "E") for k in range(n)]
    headers = {"Authorization": f"Bearer {token}"}
    with (
        embedded_server(data, workdir / "server.log") as (base, _proc),
        httpx.Client(base_url=base, headers=headers, timeout=600) as client,
    ):
        before = held(data)
        with Stopwatch() as sw:
            for start in range(0, n, BATCH):
                answer = client.post(
                    "/api/v1/laa-results", json=messages[start : start + BATCH]
                )
                answer.raise_for_status()
                if answer.json()["accepted"] != len(messages[start : start + BATCH]):
                    raise AssertionError(f"not all accepted: {answer.text[:500]}")
            while held(data) < before + n:  # the answers came after the catch-up
                pass
            shown = client.get("/api/v1/framework").json()["indicators"]
        with_result = sum(1 for i in shown if i["latest_result"] is not None)
        if with_result != min(n, indicators):
            raise AssertionError(f"{with_result} indicators show a result")
    baseline = raw_sqlite_insert(workdir / "raw.sqlite3", messages)
    result = Result(
        name=f"embedded LAA via HTTP batches (N={n:,})",
        figure=n / sw.seconds,
        baseline=n / baseline,
        units="results/s",
        baseline_name="raw SQLite executemany of the same rows",
        notes=f"{indicators:,} indicators; batches of {BATCH} by POST "
        f"/api/v1/laa-results, one client; all visible in GET /api/v1/framework "
        f"after {sw.seconds:,.1f} s",
    )
    return result.against(TARGET, result.figure >= 5_000)


def profile(n: int, indicators: int, workdir: Path) -> str:
    """The top entries of the same pipeline in this process (no HTTP)."""
    from services.embedded import EmbeddedSystem
    from shared.settings import Settings

    data = workdir / "data"
    prepare(data, indicators)
    system = EmbeddedSystem(Settings(data_dir=data))
    from shared import collector

    collector.tune()  # as `pmf run` does once the system is built
    messages = [synth.laa_message(k, indicators, "F") for k in range(n)]

    def post_all() -> None:
        for start in range(0, n, BATCH):
            system.returns.receive_laa_many(
                messages[start : start + BATCH], synth.meta()
            )

    try:
        _, text = profiled(post_all)
    finally:
        system.engine.dispose()
    return (
        f"ReturnsService.receive_laa_many of {n:,} results in batches of {BATCH}, "
        f"{indicators:,} indicators, followers catching up as in pmf run\n{text}"
    )


def run(ctx: Context) -> list[Result]:
    """The embedded LAA benchmark at the run's size, then its profile."""
    n = ctx.size(NAME, quick=5_000, full=100_000)
    indicators = ctx.size("indicators", quick=200, full=2_000)
    log(f"{NAME}: {n:,} LAA results over {indicators:,} indicators")
    result = measure(n, indicators, ctx.scratch(NAME))
    size = ctx.size("profile_events", quick=2_000, full=20_000)
    log(f"{NAME}: profiling {size:,} results")
    ctx.profiles["embedded pipeline"] = profile(
        size, indicators, ctx.scratch(NAME + "-profile")
    )
    return [result]
