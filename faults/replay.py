"""The embedded replay the distributed read models are compared with.

The facts are what the write services recorded: the events in the indicators
and returns stores. They are merged in recorded order (``recorded_at``, the
one clock both share; each store's own order within it) into a fresh embedded
SQLite store, and the embedded followers (returns' view, assessment,
reporting) run over them exactly as ``pmf run`` would. Assessment decisions
are then made again, not copied, so a distributed assessment that saw its
inputs in another order shows up as a difference.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from services.embedded import EmbeddedSystem
from shared.eventstore.schema import events
from shared.settings import Settings

WRITE_SERVICES = ("indicators", "returns")
Get = Callable[[str], Any]


def recorded_facts(engines: Mapping[str, Engine]) -> list[dict[str, Any]]:
    """Every event the write services recorded, merged in recorded order."""
    rows: list[tuple[datetime, int, int, dict[str, Any]]] = []
    for rank, service in enumerate(WRITE_SERVICES):
        with engines[service].connect() as conn:
            for r in conn.execute(sa.select(events).order_by(events.c.position)):
                row = dict(r._mapping)
                at = datetime.fromisoformat(row["recorded_at"])
                rows.append((at, rank, row.pop("position"), row))
    rows.sort(key=lambda t: t[:3])
    return [row for *_, row in rows]


def embedded_replay(facts: Iterable[dict[str, Any]], data_dir: Path) -> EmbeddedSystem:
    """A fresh embedded system that has applied ``facts`` in the order given."""
    data_dir.mkdir(parents=True, exist_ok=True)
    system = EmbeddedSystem(Settings(data_dir=data_dir))
    batch = list(facts)
    if batch:
        with system.engine.begin() as conn:
            conn.execute(events.insert(), batch)
    system.catch_up()
    return system


def embedded_reader(system: EmbeddedSystem) -> tuple[Get, Callable[[], None]]:
    """GET against the embedded app in-process, and how to close it."""
    client = TestClient(system.app())

    def get(path: str) -> Any:
        response = client.get(path)
        response.raise_for_status()
        return response.json()

    def close() -> None:
        client.close()
        system.engine.dispose()

    return get, close


def views(
    get: Get, codes: Iterable[str], as_of: Iterable[str], versions: Iterable[int]
) -> dict[str, Any]:
    """The documents compared: framework, as_of each time, each version, histories."""
    out: dict[str, Any] = {"framework": get("/api/v1/framework")}
    out["versions"] = get("/api/v1/framework/versions")
    for at in as_of:
        out[f"framework?as_of={at}"] = get(f"/api/v1/framework?as_of={quote(at)}")
    for n in versions:
        out[f"framework?version={n}"] = get(f"/api/v1/framework?version={n}")
    for code in codes:
        out[f"history {code}"] = get(f"/api/v1/indicators/{quote(code)}/history")
    return out
