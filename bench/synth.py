"""Synthetic frameworks, results and logs for the benchmarks.

Indicator events are made by the product's own pure ``decide_*`` functions, and
the assessment data is a template taken from a real assessment, so the shapes
match what the services write. Large logs are bulk-inserted straight into the
events table with SQLAlchemy ``executemany`` (fast); the read models are then
built by the product's own followers or replay, which is what gets measured.
"""

from __future__ import annotations

import functools
import json
import random
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from services.indicators import domain
from shared.events.envelope import Metadata, NewEvent, iso
from shared.eventstore.schema import events

PLAN_START = datetime(2008, 4, 1, 9, 0, tzinfo=UTC)
PLAN_END = datetime(2011, 3, 31, 17, 0, tzinfo=UTC)
ACTOR = "bench"
QUARTER_ENDS = ((3, 31), (6, 30), (9, 30), (12, 31))
FRAMEWORK_EVENTS = 3  # registered, baseline, target: per indicator


def meta() -> Metadata:
    """Metadata for a command sent by the benchmarks."""
    return Metadata(actor=ACTOR)


def code_of(i: int) -> str:
    """The code of synthetic indicator ``i``."""
    return f"BENCH {i:06d}"


def indicator_count(n_results: int, low: int = 20, high: int = 2000) -> int:
    """How many indicators share ``n_results`` (about 100 results each)."""
    return max(low, min(high, n_results // 100))


def register_command(i: int) -> dict[str, Any]:
    """The HTTP body registering synthetic indicator ``i`` with baseline and target."""
    rng = random.Random(i)
    level = round(rng.uniform(20, 80), 1)
    lower = i % 2 == 0
    return {
        "code": code_of(i),
        "title": f"Synthetic indicator {i}",
        "outcome": "Be healthy",
        "polarity": "lower_is_better" if lower else "higher_is_better",
        "unit": "percent",
        "frequency": "quarterly",
        "laa": True,
        "measurable": True,
        "lead_organisation": "Northshire County Council",
        "named_lead": None,
        "tolerance": None,
        "baseline": {"value": level, "period_end": "2008-03-31"},
        "target": {
            "value": round(level * (0.85 if lower else 1.15), 1),
            "period_end": "2011-03-31",
            "reason": "agreed with the partnership",
        },
    }


def validated_register(i: int) -> dict[str, Any]:
    """The register command for indicator ``i`` as the HTTP layer hands it on."""
    from services.indicators.schemas import IndicatorCreate

    return IndicatorCreate.model_validate(register_command(i)).model_dump(mode="python")


def indicator_events(i: int) -> list[NewEvent]:
    """The events registering indicator ``i``, decided by the product's domain."""
    cmd = register_command(i)
    base = {k: v for k, v in cmd.items() if k not in ("baseline", "target")}
    out = domain.decide_register(None, base)
    state = domain.apply(None, out[0].type, out[0].data, 1)
    b, t = cmd["baseline"], cmd["target"]
    out += domain.decide_baseline(
        state, base["code"], b["value"], date.fromisoformat(b["period_end"])
    )
    assert state is not None
    state = domain.apply(state, out[1].type, out[1].data, 2)
    out += domain.decide_target(
        state,
        base["code"],
        t["value"],
        date.fromisoformat(t["period_end"]),
        t["reason"],
    )
    return out


def quarter_end_before(day: date) -> date:
    """The last quarter end strictly before ``day``."""
    for back in range(0, 370):
        d = day - timedelta(days=back + 1)
        if (d.month, d.day) in QUARTER_ENDS:
            return d
    raise AssertionError("a quarter end is never a year away")


def result_rows(n: int, indicators: int, seed: int = 7) -> list[dict[str, Any]]:
    """``n`` lead returns spread over ``indicators`` and quarters, as HTTP bodies.

    Indicators take turns; each indicator's returns walk forward through the
    quarters of the plan and then start again (later ones are corrections).
    """
    rng = random.Random(seed)
    quarters = _plan_quarters()
    rows = []
    for k in range(n):
        i = k % indicators
        q = quarters[(k // indicators) % len(quarters)]
        rows.append(
            {
                "indicator_code": code_of(i),
                "period_end": q.isoformat(),
                "value": round(50 + rng.gauss(0, 5), 1),
                "prediction": "on_target" if rng.random() < 0.7 else "off_target",
            }
        )
    return rows


def laa_message(k: int, indicators: int, tag: str = "B") -> dict[str, Any]:
    """LAA message ``k`` (valid), the ``k``-th of a stream over ``indicators``."""
    quarters = _plan_quarters()
    i = k % indicators
    q = quarters[(k // indicators) % len(quarters)]
    value = round(50 + ((k * 7919) % 200) / 20, 1)
    return {
        "result_id": f"BENCH-{tag}-{k}",
        "indicator_code": code_of(i),
        "period_end": q.isoformat(),
        "value": value,
        "breakdowns": {
            "male": round(value * 0.97, 1),
            "female": round(value * 1.03, 1),
        },
        "submitted_at": f"{q.isoformat()}T00:00:00Z",
        "source": "LAA",
    }


@functools.cache
def _plan_quarters() -> tuple[date, ...]:
    out = []
    for year in range(2008, 2012):
        for month, day in QUARTER_ENDS:
            d = date(year, month, day)
            if date(2008, 6, 30) <= d <= date(2011, 3, 31):
                out.append(d)
    return tuple(out)


@functools.cache
def assessment_template() -> dict[str, Any]:
    """The data of a real ``AssessmentChanged``, made by the embedded system."""
    from services.embedded import EmbeddedSystem
    from shared.settings import Settings

    with tempfile.TemporaryDirectory(prefix="pmf-bench-template-") as tmp:
        system = EmbeddedSystem(Settings(data_dir=Path(tmp)))
        try:
            system.catch_up()
            system.indicators.register(validated_register(0), meta())
            system.returns.submit(
                {"indicator_code": code_of(0), "period_end": "2008-06-30", "value": 40},
                meta(),
            )
            found = [
                e
                for e in system.store.read_streams_like("assessment:")
                if e.type == "AssessmentChanged" and not e.data.get("round_id")
            ]
            return dict(found[-1].data)
        finally:
            system.engine.dispose()


@dataclass
class LogWriter:
    """Appends synthetic envelopes to an events table in large batches."""

    engine: Engine
    batch: int = 20_000

    def __post_init__(self) -> None:
        self._versions: dict[str, int] = {}
        self._rows: list[dict[str, Any]] = []
        self.written = 0

    def add(
        self,
        stream: str,
        event: NewEvent,
        at: datetime,
        actor: str = ACTOR,
        causation: str | None = None,
    ) -> str:
        """Queue one event on ``stream`` at time ``at``; returns its event id."""
        version = self._versions.get(stream, 0) + 1
        self._versions[stream] = version
        event_id = str(uuid.uuid4())
        stamp = iso(at)
        self._rows.append(
            {
                "event_id": event_id,
                "stream": stream,
                "stream_version": version,
                "type": event.type,
                "schema_version": event.schema_version,
                "occurred_at": stamp,
                "recorded_at": stamp,
                "actor": actor,
                "correlation_id": event_id,
                "causation_id": causation,
                "data": json.dumps(event.data, sort_keys=True, separators=(",", ":")),
            }
        )
        if len(self._rows) >= self.batch:
            self.flush()
        return event_id

    def flush(self) -> None:
        """Write the queued rows in one transaction."""
        if not self._rows:
            return
        with self.engine.begin() as conn:
            conn.execute(events.insert(), self._rows)
        self.written += len(self._rows)
        self._rows = []


def write_framework(writer: LogWriter, indicators: int, at: datetime) -> None:
    """Queue the registration events of ``indicators`` indicators."""
    for i in range(indicators):
        write_indicator(writer, i, at)


def write_indicator(writer: LogWriter, i: int, at: datetime) -> None:
    """Queue the registration events of synthetic indicator ``i``."""
    for e in indicator_events(i):
        writer.add(domain.stream_of(code_of(i)), e, at)


def write_history_log(engine: Engine, n_events: int, indicators: int) -> int:
    """A log of about ``n_events``: a framework, then results and assessments.

    After the registrations, each result (a lead return or an LAA result,
    alternately) is followed by the assessment it caused, as the real system
    records them. Occurred-at times spread evenly over the plan's three years,
    and each result is for the quarter before it, so later history holds many
    corrections and the as-of question has something to skip.
    """
    from services.returns.handlers import returns_stream

    writer = LogWriter(engine)
    write_framework(writer, indicators, PLAN_START - timedelta(days=1))
    pairs = max(0, (n_events - FRAMEWORK_EVENTS * indicators) // 2)
    template = assessment_template()
    span = (PLAN_END - PLAN_START) / max(pairs, 1)
    for k, (code, at, event) in enumerate(result_events(pairs, indicators, span)):
        cause = writer.add(returns_stream(code), event, at)
        data = {**template, "indicator_code": code, "status": _status(k)}
        data["shown_status"] = data["computed_status"] = data["status"]
        data["facts_at"] = f"{iso(at)}/{iso(at)}"  # the moment of its cause
        writer.add(
            f"assessment:{code}",
            NewEvent(type="AssessmentChanged", data=data),
            at + timedelta(microseconds=1),
            actor="service:assessment",
            causation=cause,
        )
    writer.flush()
    return writer.written


def _status(k: int) -> str:
    return ("GREEN", "RED", "AMBER", "GREEN")[k % 4]


def result_events(
    count: int, indicators: int, span: timedelta, start: datetime = PLAN_START
) -> Iterator[tuple[str, datetime, NewEvent]]:
    """``count`` result events (lead returns and LAA results by turns), ``span``
    apart from ``start``: (indicator code, occurred at, event)."""
    rng = random.Random(11)
    for k in range(count):
        code = code_of(k % indicators)
        at = start + span * k
        period = quarter_end_before(at.date()).isoformat()
        value = round(50 + rng.gauss(0, 5), 1)
        if k % 2:
            data: dict[str, Any] = {
                "result_id": f"BENCH-LOG-{k}",
                "indicator_code": code,
                "period_end": period,
                "value": value,
                "breakdowns": {"male": value, "female": value},
                "submitted_at": iso(at),
                "source": "LAA",
            }
            yield code, at, NewEvent(type="LaaResultReceived", data=data)
        else:
            data = {
                "indicator_code": code,
                "period_end": period,
                "value": value,
                "prediction": "on_target",
                "breakdowns": None,
                "commentary": "Synthetic return for the benchmark.",
                "data_quality": None,
                "submitted_by": ACTOR,
                "correction": k >= indicators,
            }
            yield code, at, NewEvent(type="ReturnSubmitted", data=data)
