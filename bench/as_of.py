"""As-of query cost with a short and a long history in the log.

The framework (50 indicators) is the same in both logs; only the history
behind it differs (about 10k against 1M events). ``FrameworkQueries.as_of``
should cost the same on both, since the read model is meant to answer with a
few index lookups per indicator rather than a scan of history: the ratio
long / short should stay near 1.

The long log's read model is written by :mod:`bench.direct_read_model`, a fast
stand-in for the projection; on the short log both are built and must agree
row for row and answer for answer, or the benchmark fails.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bench import direct_read_model, synth
from bench.harness import Context, Result, Stopwatch, log, median_time
from services.embedded import EmbeddedSystem
from services.replay import replay_read_models
from services.reporting.queries import FrameworkQueries
from services.reporting.tables import framework_rows, timeline
from shared.events.envelope import iso
from shared.settings import Settings

NAME = "as_of"
INDICATORS = 50
MOMENTS = {
    "mid-history": synth.PLAN_START + (synth.PLAN_END - synth.PLAN_START) / 2,
    "latest": synth.PLAN_END + timedelta(days=1),
}


def build(n: int, data_dir: Path, direct: bool) -> EmbeddedSystem:
    """A system whose log holds ~``n`` events and whose read model is built."""
    system = EmbeddedSystem(Settings(data_dir=data_dir))
    synth.write_history_log(system.engine, n, INDICATORS)
    if direct:
        direct_read_model.build(system.engine)
    else:
        replay_read_models(system.store, system.engine)
    return system


def _rows(engine: Engine) -> tuple[list[Any], list[Any]]:
    cols = [c for c in timeline.c if c.name != "seq"]
    with engine.connect() as conn:
        lines = conn.execute(sa.select(*cols).order_by(timeline.c.seq)).all()
        fw = conn.execute(sa.select(framework_rows).order_by("code")).all()
    return [tuple(r) for r in lines], [tuple(r) for r in fw]


def check_stand_in(n: int, workdir: Path) -> None:
    """Fail unless the stand-in builds what the projection builds, on ``n`` events."""
    real = build(n, workdir / "real", direct=False)
    fast = build(n, workdir / "fast", direct=True)
    try:
        # The two logs differ only in event ids, which neither read model keeps.
        if _rows(real.engine) != _rows(fast.engine):
            raise AssertionError("bench.direct_read_model differs from the projection")
        for moment in MOMENTS.values():
            at = iso(moment)
            if real.framework.as_of(at) != fast.framework.as_of(at):
                raise AssertionError(f"as_of({at}) differs between the read models")
    finally:
        real.engine.dispose()
        fast.engine.dispose()


def query_seconds(engine: Engine, repeat: int) -> dict[str, float]:
    """Median seconds of ``as_of`` at each moment (after one warm-up call)."""
    queries = FrameworkQueries(engine)
    found = {}
    for label, moment in MOMENTS.items():
        at = iso(moment)
        answer = queries.as_of(at)
        if len(answer["indicators"]) != INDICATORS:
            raise AssertionError(f"as_of({at}) has {len(answer['indicators'])}")
        found[label] = median_time(lambda at=at: queries.as_of(at), repeat)
    return found


def measure(small: int, large: int, workdir: Path, repeat: int = 7) -> list[Result]:
    """as_of on a ``small`` and a ``large`` log: ms each and the ratio."""
    check_stand_in(min(small, 20_000), workdir / "check")
    timings: dict[int, dict[str, float]] = {}
    heads = {}
    for n in (small, large):
        with Stopwatch() as sw:
            system = build(n, workdir / f"log-{n}", direct=True)
        heads[n] = system.store.head()
        log(f"{NAME}: built a log of {heads[n]:,} events in {sw.seconds:.0f} s")
        try:
            timings[n] = query_seconds(system.engine, repeat)
        finally:
            system.engine.dispose()
    return [
        Result(
            name=f"as-of query, {label} ({heads[large]:,} vs {heads[small]:,} events)",
            figure=timings[large][label] * 1000,
            baseline=timings[small][label] * 1000,
            units="ms",
            baseline_name=f"same query, {heads[small]:,}-event log",
            higher_is_better=False,
            notes=f"{INDICATORS} indicators in both; FrameworkQueries.as_of at "
            f"{iso(MOMENTS[label])[:10]}; median of {repeat}; ratio should be ~1",
        )
        for label in MOMENTS
    ]


def run(ctx: Context) -> list[Result]:
    """The as-of benchmark at the run's sizes."""
    small = ctx.size("as_of_small", quick=2_000, full=10_000)
    large = ctx.size("as_of_large", quick=50_000, full=1_000_000)
    log(f"{NAME}: logs of {small:,} and {large:,} events")
    return measure(small, large, ctx.scratch(NAME), repeat=5 if ctx.quick else 7)
