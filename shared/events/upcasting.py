"""Upcasters: old event schema versions read as the current one.

A published event type is never changed incompatibly. A new shape gets a new
``schema_version`` and a function that turns the previous version's data into
it. Reading any stored or received event goes through :func:`upcast`, so the
rest of the code only ever sees the current version.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.events.envelope import EventEnvelope

Data = dict[str, Any]
Upcaster = Callable[[Data], Data]

_UPCASTERS: dict[tuple[str, int], Upcaster] = {}


def upcaster(event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Register a function that lifts ``event_type`` data from ``from_version``."""

    def register(fn: Upcaster) -> Upcaster:
        _UPCASTERS[(event_type, from_version)] = fn
        return fn

    return register


def upcast(event: EventEnvelope) -> EventEnvelope:
    """The event with its data lifted, step by step, to the newest version."""
    data, version = event.data, event.schema_version
    while (step := _UPCASTERS.get((event.type, version))) is not None:
        data, version = step(dict(data)), version + 1
    if version == event.schema_version:
        return event
    return event.model_copy(update={"data": data, "schema_version": version})


@upcaster("IndicatorRegistered", 1)
def _named_lead_as_object(data: Data) -> Data:
    """v1 held ``named_lead`` as a bare name; v2 holds ``{"name", "email"}``."""
    lead = data.get("named_lead")
    if isinstance(lead, str):
        data["named_lead"] = {"name": lead, "email": None}
    return data
