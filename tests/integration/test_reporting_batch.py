"""The reporting read model is the same whether applied one event at a time or
set-based in batches of any size (the demo's whole log)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from services.demo_local import load_demo_into
from services.embedded import EmbeddedSystem
from services.reporting.projections import framework_projection
from services.reporting.tables import metadata as reporting_tables
from shared.eventstore.engine import make_engine
from shared.messaging.consumers import ApplyContext
from shared.settings import Settings


@pytest.fixture(scope="module")
def demo_log(tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    system = EmbeddedSystem(Settings(data_dir=tmp_path_factory.mktemp("demo")))
    load_demo_into(system)
    return system.store.read_all(0, limit=10**7)


def _tables(engine: sa.Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            t.name: [tuple(r) for r in conn.execute(sa.select(t).order_by(*t.c))]
            for t in reporting_tables.sorted_tables
        }


def _fold(path: Path, events: list[Any], batch: int | None) -> sa.Engine:
    engine = make_engine(f"sqlite:///{path}")
    projection = framework_projection()
    projection.create_schema(engine)
    with engine.begin() as conn:
        ctx = ApplyContext(conn=conn, store=None)
        if batch is None:
            for event in events:
                projection.apply(ctx, event)
        else:
            for start in range(0, len(events), batch):
                projection.apply_all(ctx, events[start : start + batch])
    return engine


@pytest.mark.parametrize("batch", [1, 7, 500, 100_000])
def test_batches_fold_to_the_same_tables(
    demo_log: list[Any], tmp_path: Path, batch: int
) -> None:
    one_by_one = _tables(_fold(tmp_path / "one.db", demo_log, None))
    batched = _tables(_fold(tmp_path / "batched.db", demo_log, batch))
    assert one_by_one.keys() == batched.keys()
    for name in one_by_one:
        assert batched[name] == one_by_one[name], name
    assert len(one_by_one["rm_timeline"]) > 100
