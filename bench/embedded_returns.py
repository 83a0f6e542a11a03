"""Embedded mode: returns submitted in bulk through validation, assessment and
projection, against a raw SQLite ``executemany`` of the same rows.

Ours: each row is validated by the API's ``ReturnIn`` schema and submitted with
``ReturnsService.submit``; the embedded followers (assessment, reporting)
catch up synchronously after every append, so when the loop ends the read
model holds every return. The baseline writes the same rows to a table in a
SQLite file with the same durability pragmas (WAL, synchronous=FULL).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench import synth
from bench.harness import Context, Result, Stopwatch, log
from services.embedded import EmbeddedSystem
from services.reporting.tables import timeline
from services.returns.schemas import ReturnIn
from shared.settings import Settings

NAME = "embedded_returns"


def raw_sqlite_insert(path: Path, rows: list[dict[str, Any]]) -> float:
    """Seconds to insert ``rows`` with one ``executemany`` in one transaction."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute(
            "CREATE TABLE returns (indicator_code TEXT, period_end TEXT, "
            "value REAL, prediction TEXT)"
        )
        values = [
            (r["indicator_code"], r["period_end"], r["value"], r["prediction"])
            for r in rows
        ]
        with Stopwatch() as sw:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT INTO returns VALUES (?, ?, ?, ?)", values)
            conn.execute("COMMIT")
        return sw.seconds
    finally:
        conn.close()


def measure(n: int, workdir: Path, indicators: int | None = None) -> Result:
    """Submit ``n`` returns to a fresh embedded system; returns/s against raw."""
    indicators = indicators or synth.indicator_count(n)
    system = EmbeddedSystem(Settings(data_dir=workdir / "data"))
    try:
        writer = synth.LogWriter(system.engine)
        synth.write_framework(writer, indicators, synth.PLAN_START)
        writer.flush()
        system.catch_up()
        rows = synth.result_rows(n, indicators)
        meta = synth.meta()
        tenth = max(1, n // 10)
        laps: list[float] = []
        with Stopwatch() as sw:
            lap = time.perf_counter()
            for k, row in enumerate(rows, start=1):
                body = ReturnIn.model_validate(row)
                system.returns.submit(body.model_dump(mode="python"), meta)
                if k % tenth == 0:
                    now = time.perf_counter()
                    laps.append(tenth / (now - lap))
                    lap = now
            system.catch_up()
        with system.engine.connect() as conn:
            held = conn.execute(
                sa.select(sa.func.count())
                .select_from(timeline)
                .where(timeline.c.kind == "result")
            ).scalar()
        if held != n:
            raise AssertionError(f"read model holds {held} results, not {n}")
        head = system.store.head()
    finally:
        system.engine.dispose()
    baseline = raw_sqlite_insert(workdir / "raw.sqlite3", rows)
    trend = (
        f"; first tenth {laps[0]:,.0f}/s, last tenth {laps[-1]:,.0f}/s"
        if len(laps) >= 2
        else ""
    )
    return Result(
        name=f"embedded returns (N={n:,})",
        figure=n / sw.seconds,
        baseline=n / baseline,
        units="returns/s",
        baseline_name="raw SQLite executemany",
        notes=f"{indicators:,} indicators; log grew to {head:,} events "
        f"({head / n:.1f} per return){trend}",
    )


def run(ctx: Context) -> list[Result]:
    """The embedded returns benchmark at the run's size."""
    n = ctx.size(NAME, quick=300, full=20_000)
    indicators = ctx.size("indicators", quick=200, full=2_000)
    log(f"{NAME}: {n:,} returns over {indicators:,} indicators")
    return [measure(n, ctx.scratch(NAME), indicators)]
