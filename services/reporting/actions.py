"""Corrective actions the Board directs: assigned with an owner and a due date,
tracked to completion."""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shared.errors import Conflict, Invalid, NotFound
from shared.events.catalogue import current_version
from shared.events.envelope import Metadata, NewEvent
from shared.eventstore.store import EventStore

from .tables import actions, framework_rows, rounds

ActionStatus = Literal["open", "overdue", "completed"]


def action_status(action: dict[str, Any], today: date) -> ActionStatus:
    """Completed, overdue (past its due date) or open."""
    if action.get("completed"):
        return "completed"
    return "overdue" if action["due"] < today.isoformat() else "open"


class ActionService:
    """Assigns and completes actions; lists them with their status."""

    def __init__(self, store: EventStore, engine: Engine) -> None:
        self.store = store
        self.engine = engine

    def assign(self, cmd: dict[str, Any], meta: Metadata) -> dict[str, Any]:
        """Record an action the Board directed."""
        code, round_id = cmd["indicator_code"], cmd.get("round_id")
        with self.engine.connect() as conn:
            known = conn.execute(
                sa.select(framework_rows.c.definition).where(
                    framework_rows.c.code == code
                )
            ).scalar()
            if known is None or json.loads(known) is None:
                raise NotFound(f"No indicator with code {code!r}")
            if round_id is not None:
                found = conn.execute(
                    sa.select(rounds.c.id).where(rounds.c.id == round_id)
                ).first()
                if found is None:
                    raise Invalid(f"No round {round_id!r}", "round_id")
        for _attempt in range(5):
            number = (
                len({e.stream for e in self.store.read_streams_like("action:")}) + 1
            )
            action_id = f"A{number}"
            data = {
                "id": action_id,
                "indicator_code": code,
                "round_id": round_id,
                "description": cmd["description"],
                "owner": cmd["owner"],
                "due": cmd["due"].isoformat(),
            }
            event = NewEvent(
                type="ActionAssigned",
                data=data,
                schema_version=current_version("ActionAssigned"),
            )
            try:
                self.store.append(f"action:{action_id}", 0, [event], meta)
            except Conflict:
                continue
            return self.get(action_id)
        raise Conflict("Actions are being assigned too quickly; try again")

    def complete(
        self, action_id: str, note: str | None, meta: Metadata
    ) -> dict[str, Any]:
        """Mark an action done (completing it again changes nothing)."""
        stream = f"action:{action_id}"
        history = self.store.read_stream(stream)
        if not history:
            raise NotFound(f"No action {action_id!r}")
        if any(e.type == "ActionCompleted" for e in history):
            return self.get(action_id)
        event = NewEvent(
            type="ActionCompleted",
            data={"id": action_id, "note": note},
            schema_version=current_version("ActionCompleted"),
        )
        self.store.append(stream, len(history), [event], meta)
        return self.get(action_id)

    def get(self, action_id: str) -> dict[str, Any]:
        """One action with its status (from the read model)."""
        with self.engine.connect() as conn:
            raw = conn.execute(
                sa.select(actions.c.data).where(actions.c.id == action_id)
            ).scalar()
        if raw is None:
            # distributed mode: the read model catches up through Kafka
            history = self.store.read_stream(f"action:{action_id}")
            if not history:
                raise NotFound(f"No action {action_id!r}")
            found = dict(history[0].data)
            found["completed"] = any(e.type == "ActionCompleted" for e in history)
        else:
            found = json.loads(raw)
        return {**found, "status": action_status(found, date.today())}

    def list(
        self,
        status: str | None = None,
        round_id: str | None = None,
        indicator_code: str | None = None,
        today: date | None = None,
    ) -> list[dict[str, Any]]:
        """Actions, filtered by status, round or indicator; due date order."""
        query = sa.select(actions.c.data).order_by(actions.c.id)
        if round_id:
            query = query.where(actions.c.round_id == round_id)
        if indicator_code:
            query = query.where(actions.c.code == indicator_code)
        with self.engine.connect() as conn:
            found = [json.loads(r) for r in conn.execute(query).scalars()]
        day = today or date.today()
        listed = [{**a, "status": action_status(a, day)} for a in found]
        if status == "due":
            listed = [a for a in listed if a["status"] != "completed"]
        elif status:
            listed = [a for a in listed if a["status"] == status]
        return sorted(listed, key=lambda a: (a["due"], a["id"]))
