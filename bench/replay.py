"""Replay: rebuild every read model from a log of N events (``pmf replay``),
against a raw read and JSON decode of the same log.

The log (a 50-indicator framework, then results each followed by the
assessment it caused) is bulk-inserted into the events table; only
``replay_read_models`` is timed. The baseline reads the same rows in order
with the ``sqlite3`` module and decodes each event's JSON data.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import sqlalchemy as sa

from bench import synth
from bench.harness import Context, Result, Stopwatch, log
from bench.profiling import profiled
from services.embedded import EmbeddedSystem
from services.replay import replay_read_models
from services.reporting.tables import timeline
from shared import collector
from shared.settings import Settings

NAME = "replay"
INDICATORS = 2000  # a large council's framework with its LAA and local measures
TARGET = ">= 20,000 events/s and >= 15% of raw read + decode"


def raw_read_decode(path: Path) -> tuple[int, float]:
    """Events read and seconds to read and decode the whole log in order."""
    conn = sqlite3.connect(path)
    try:
        count = 0
        with Stopwatch() as sw:
            cursor = conn.execute("SELECT * FROM events ORDER BY position")
            while batch := cursor.fetchmany(2000):
                for row in batch:
                    json.loads(row[-1])
                    count += 1
        return count, sw.seconds
    finally:
        conn.close()


def product_read(system: EmbeddedSystem) -> float:
    """Seconds for the store's own ``read_all`` (envelopes, upcasting) alone."""
    after = 0
    with Stopwatch() as sw:
        while batch := system.store.read_all(after, 2000):
            after = batch[-1].position or after
    return sw.seconds


def build_log(n: int, data_dir: Path, indicators: int = INDICATORS) -> EmbeddedSystem:
    """An embedded system whose log holds about ``n`` synthetic events."""
    system = EmbeddedSystem(Settings(data_dir=data_dir))
    synth.write_history_log(system.engine, n, indicators)
    return system


def measure(n: int, workdir: Path, indicators: int = INDICATORS) -> Result:
    """Replay a log of about ``n`` events; events/s against raw read and decode."""
    system = build_log(n, workdir / "data", indicators)
    try:
        head = system.store.head()
        collector.tune()  # as `pmf replay` does before it starts
        with Stopwatch() as sw:
            replayed = replay_read_models(system.store, system.engine)
        with system.engine.connect() as conn:
            rows = conn.execute(
                sa.select(sa.func.count()).select_from(timeline)
            ).scalar()
        if replayed != head or not rows:
            raise AssertionError(f"replayed {replayed} of {head}, {rows} rows")
        read_only = product_read(system)
    finally:
        system.engine.dispose()
    count, raw = raw_read_decode(workdir / "data" / "pmf.sqlite3")
    result = Result(
        name=f"replay (N={head:,} events)",
        figure=head / sw.seconds,
        baseline=count / raw,
        units="events/s",
        baseline_name="raw sqlite3 read + json.loads",
        notes=f"{indicators:,} indicators; took {sw.seconds:,.1f} s; the store's "
        f"read_all alone: {head / read_only:,.0f} events/s (replay reads the "
        "log once for every read model)",
    )
    return result.against(TARGET, result.figure >= 20_000 and result.ratio >= 0.15)


def profile(n: int, workdir: Path, indicators: int) -> str:
    """The top entries of a profiled replay of a log of about ``n`` events."""
    system = build_log(n, workdir / "data", indicators)
    try:
        head, text = profiled(lambda: replay_read_models(system.store, system.engine))
    finally:
        system.engine.dispose()
    return f"replay of {head:,} events, {indicators:,} indicators\n{text}"


def run(ctx: Context) -> list[Result]:
    """The replay benchmark at the run's size."""
    n = ctx.size(NAME, quick=20_000, full=1_000_000)
    indicators = ctx.size("indicators", quick=200, full=INDICATORS)
    log(f"{NAME}: log of {n:,} events over {indicators:,} indicators")
    result = measure(n, ctx.scratch(NAME), indicators)
    size = ctx.size("profile_events", quick=5_000, full=20_000)
    log(f"{NAME}: profiling a replay of {size:,} events")
    ctx.profiles[NAME] = profile(size, ctx.scratch(NAME + "-profile"), indicators)
    return [result]
