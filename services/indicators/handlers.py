"""Commands of the indicators service: load the stream, decide, append.

Each command reads one indicator's stream, folds it, asks the pure domain
what happens, and appends with the version it read (or the version the
caller sent in ``If-Match``), so concurrent edits surface as 409s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.errors import ConcurrencyConflict, Invalid, NotFound
from shared.events.catalogue import current_version
from shared.events.envelope import EventEnvelope, Metadata, NewEvent, iso
from shared.eventstore.store import EventStore

from . import domain
from .domain import Indicator

SETTINGS_STREAM = "framework:settings"
VERSIONS_STREAM = "framework:versions"
DEFAULT_SETTINGS: dict[str, Any] = {
    "rag_mode": "red_green",
    "amber_fraction": 0.05,
    "significance": 0.10,
}

Decision = Callable[[Indicator | None], list[NewEvent]]


class IndicatorService:
    """The framework definition's write side."""

    def __init__(self, store: EventStore) -> None:
        self.store = store

    def get(self, code: str) -> Indicator:
        """The indicator's current definition (404 when unknown)."""
        state = domain.fold(self.store.read_stream(domain.stream_of(code)))
        if state is None:
            raise NotFound(f"No indicator with code {code!r}")
        return state

    def execute(
        self,
        code: str,
        decide: Decision,
        meta: Metadata,
        expected: int | None = None,
    ) -> Indicator:
        """Run one command against indicator ``code`` and return its new state."""
        stream = domain.stream_of(code)
        history = self.store.read_stream(stream)
        state = domain.fold(history)
        version = state.version if state else 0
        if expected is not None and expected != version:
            raise ConcurrencyConflict(
                f"Indicator {code!r} is at version {version}, not {expected}: "
                "it changed since you read it; reload and try again"
            )
        recorded = self.store.append(stream, version, decide(state), meta)
        for event in recorded:
            state = domain.evolve(state, event)
        if state is None:
            raise NotFound(f"No indicator with code {code!r}")
        return state

    def register(self, cmd: dict[str, Any], meta: Metadata) -> Indicator:
        """Register an indicator, with its baseline, target and milestones if given."""
        code = cmd["code"]
        base = {
            k: v
            for k, v in cmd.items()
            if k not in ("baseline", "target", "milestones")
        }

        def decide(state: Indicator | None) -> list[NewEvent]:
            events = domain.decide_register(state, base)
            created = _apply_all(None, events)
            if cmd.get("baseline"):
                b = cmd["baseline"]
                events += domain.decide_baseline(
                    created, code, b["value"], b["period_end"]
                )
                created = _apply_all(created, events[-1:])
            if cmd.get("target"):
                t = cmd["target"]
                events += domain.decide_target(
                    created, code, t["value"], t.get("period_end"), t.get("reason")
                )
            if cmd.get("milestones"):
                events += domain.decide_milestones(
                    created,
                    code,
                    [(m["value"], m["period_end"]) for m in cmd["milestones"]],
                )
            return events

        return self.execute(code, decide, meta, expected=0)

    def settings(self) -> dict[str, Any]:
        """The framework settings now in force."""
        current = dict(DEFAULT_SETTINGS)
        for event in self.store.read_stream(SETTINGS_STREAM):
            current.update(event.data)
        return current

    def change_settings(
        self, changes: dict[str, Any], meta: Metadata
    ) -> dict[str, Any]:
        """Change framework settings; every indicator is then reassessed."""
        current = self.settings()
        merged = {**current, **{k: v for k, v in changes.items() if v is not None}}
        start, end = merged.get("plan_start_year"), merged.get("plan_end_year")
        if start is not None and end is not None and start > end:
            raise Invalid(
                f"The plan cannot start ({start}) after it ends ({end})",
                field="plan_start_year",
            )
        if merged != current:
            event = NewEvent(
                type="FrameworkSettingsChanged",
                data=merged,
                schema_version=current_version("FrameworkSettingsChanged"),
            )
            self.store.append(SETTINGS_STREAM, None, [event], meta)
        return merged

    def all_indicators(self) -> list[Indicator]:
        """Every indicator's current definition, by code."""
        by_stream: dict[str, list[Any]] = {}
        for event in self.store.read_streams_like("indicator:"):
            by_stream.setdefault(event.stream, []).append(event)
        found = [s for evs in by_stream.values() if (s := domain.fold(evs)) is not None]
        return sorted(found, key=lambda i: i.code)

    def publish_version(
        self, label: str, note: str | None, meta: Metadata
    ) -> dict[str, Any]:
        """Publish an immutable, numbered snapshot of the framework definition."""
        number = self.store.stream_version(VERSIONS_STREAM) + 1
        data = {
            "number": number,
            "label": label,
            "note": note,
            "settings": self.settings(),
            "indicators": [i.to_dict() for i in self.all_indicators()],
        }
        event = NewEvent(
            type="FrameworkVersionPublished",
            data=data,
            schema_version=current_version("FrameworkVersionPublished"),
        )
        recorded = self.store.append(VERSIONS_STREAM, number - 1, [event], meta)
        return _version_summary(recorded[0])

    def versions(self) -> list[dict[str, Any]]:
        """Every published version, oldest first."""
        return [_version_summary(e) for e in self.store.read_stream(VERSIONS_STREAM)]


def _version_summary(e: EventEnvelope) -> dict[str, Any]:
    """A published version without its snapshot, for lists."""
    d = e.data
    return {
        "number": d["number"],
        "label": d["label"],
        "note": d["note"],
        "settings": d["settings"],
        "indicator_count": len(d["indicators"]),
        "published_at": iso(e.occurred_at),
        "published_by": e.actor,
    }


def _apply_all(state: Indicator | None, events: list[NewEvent]) -> Indicator | None:
    """Fold events not yet recorded, to check later commands in one request."""
    for e in events:
        state = domain.apply(state, e.type, e.data, (state.version if state else 0) + 1)
    return state
