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


def recorded_facts(
    engines: Mapping[str, Engine], after: Mapping[str, int] | None = None
) -> list[tuple[str, int, dict[str, Any]]]:
    """The events the write services recorded (after a position each), merged in
    recorded order, as (service, position, row without position)."""
    rows: list[tuple[datetime, int, int, str, dict[str, Any]]] = []
    for rank, service in enumerate(WRITE_SERVICES):
        since = (after or {}).get(service, 0)
        query = sa.select(events).where(events.c.position > since)
        with engines[service].connect() as conn:
            for r in conn.execute(query.order_by(events.c.position)):
                row = dict(r._mapping)
                at = datetime.fromisoformat(row["recorded_at"])
                rows.append((at, rank, row.pop("position"), service, row))
    rows.sort(key=lambda t: t[:3])
    return [(service, position, row) for _, _, position, service, row in rows]


class EmbeddedReplay:
    """An embedded system fed the recorded facts, checkpoint after checkpoint.

    Facts are appended as they are recorded and the followers carry on, so each
    checkpoint costs only what was recorded since the last one. At a checkpoint
    every service has caught up, so later facts are recorded later; a fact
    recorded earlier than one already loaded would break the order and is
    counted in ``late`` (the final check replays from scratch in any case).
    """

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.system = EmbeddedSystem(Settings(data_dir=data_dir))
        self.loaded = dict.fromkeys(WRITE_SERVICES, 0)
        self.last_at = ""
        self.late = 0

    def update(self, engines: Mapping[str, Engine]) -> int:
        """Load what was recorded since the last update and apply it."""
        new = recorded_facts(engines, self.loaded)
        if new:
            self.late += sum(1 for *_, row in new if row["recorded_at"] < self.last_at)
            with self.system.engine.begin() as conn:
                conn.execute(events.insert(), [row for *_, row in new])
            for service, position, row in new:
                self.loaded[service] = max(self.loaded[service], position)
                self.last_at = max(self.last_at, row["recorded_at"])
        # Written past the store's own appends: let its followers see the new head.
        self.system.store.head()
        self.system.catch_up()
        return len(new)


def embedded_reader(system: EmbeddedSystem) -> tuple[Get, Callable[[], None]]:
    """GET against the embedded app in-process, and how to close it (and the
    system's engine)."""
    client = TestClient(system.app())

    def get(path: str) -> Any:
        return answer(client.get(path))

    def close() -> None:
        client.close()
        system.engine.dispose()

    return get, close


def answer(response: Any) -> Any:
    """A response's JSON; an error answer is kept as a document to compare."""
    if response.status_code >= 400:
        return {"error_status": response.status_code, "error": response.text[:500]}
    return response.json()


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
