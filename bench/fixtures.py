"""Data several benchmarks start from, made once per run."""

from __future__ import annotations

import shutil
from pathlib import Path

from bench.harness import Context, Stopwatch, log


def demo_data(ctx: Context) -> Path:
    """A data folder holding the demo, loaded once per run (``pmf demo``)."""
    found = ctx.shared.get("demo_data")
    if isinstance(found, Path):
        return found
    from services.demo_local import load_demo_into
    from services.embedded import EmbeddedSystem
    from shared.settings import Settings

    path = ctx.workdir / "demo-data"
    if path.exists():
        shutil.rmtree(path)
    system = EmbeddedSystem(Settings(data_dir=path))
    try:
        with Stopwatch() as sw:
            load_demo_into(system)
        log(f"loaded the demo in {sw.seconds:.0f} s ({system.store.head()} events)")
    finally:
        system.engine.dispose()
    ctx.shared["demo_data"] = path
    return path


def copy_of(source: Path, target: Path) -> Path:
    """A copy of a data folder (SQLite file, WAL and all) at ``target``."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target)
    return target
