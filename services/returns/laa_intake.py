"""LAA results taken a batch at a time, set-based.

A national release brings hundreds of thousands of results in bursts; taking
them one by one cost six statements each (seen ids, the indicator, the id, the
stream version, the event, the results index). Here a batch costs a handful:
the batch's ids and indicators are read once, every event is appended in one
multi-row insert (``EventStore.append_many``) and the ids and the index are
written with one statement each. Each item is still judged on its own, in
order, with the same outcomes as the one-by-one path: accepted, duplicate
(seen before or earlier in the batch), rejected with its reason, or waiting
for its indicator's registration (stream only).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from shared.events.catalogue import current_version
from shared.events.envelope import EventEnvelope, Metadata, NewEvent, iso
from shared.eventstore import bulk
from shared.eventstore.members import in_json, members, row_in_json
from shared.eventstore.store import StreamAppend

from . import laa
from .tables import known_indicators, laa_ids, laa_waiting, results_index

_SEEN_IDS = sa.select(laa_ids.c.result_id).where(in_json(laa_ids.c.result_id, "ids"))
_RETIRED = sa.select(known_indicators.c.code, known_indicators.c.retired).where(
    in_json(known_indicators.c.code, "codes")
)
_DELETE_WAITING = laa_waiting.delete().where(in_json(laa_waiting.c.result_id, "ids"))
# The (indicator, period) pairs a batch names, not every period of its
# indicators: a batch's cost must not grow with the history behind it.
_INDEXED_PERIODS = sa.select(results_index.c.code, results_index.c.period_end).where(
    row_in_json([results_index.c.code, results_index.c.period_end], "keys")
)

_INSERT_ID = laa_ids.insert()
_INSERT_PERIOD = results_index.insert()
_COUNT_AGAIN = (
    results_index.update()
    .where(
        results_index.c.code == sa.bindparam("k_code"),
        results_index.c.period_end == sa.bindparam("k_period"),
    )
    .values(
        returns=results_index.c.returns + sa.bindparam("v_more"),
        last_source="laa",
        last_recorded_at=sa.bindparam("v_at"),
    )
)

if TYPE_CHECKING:
    from .handlers import LaaOutcome, Raw, ReturnsService

CHUNK = 400  # keys per IN (...) list: under SQLite's bound-parameter limit
T = TypeVar("T")


def _chunks(items: Sequence[T]) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


@dataclass
class _Accepted:
    result: laa.LaaResult
    index: int  # place of its event in the batch's appends


def receive_batch(
    service: ReturnsService,
    conn: Connection,
    raws: Sequence[Raw],
    meta: Metadata,
    recorded: list[EventEnvelope],
    wait: bool,
) -> list[LaaOutcome]:
    """Judge and record a batch of LAA messages inside ``conn``'s transaction."""
    from .handlers import LaaOutcome, returns_stream

    parsed = [laa.parse(raw) for raw in raws]
    results = [p for p in parsed if isinstance(p, laa.LaaResult)]
    ids = sorted({r.result_id for r in results})
    seen: set[str] = set()
    for chunk in _chunks(ids):
        bound = {"ids": members(chunk)}
        seen.update(str(row[0]) for row in conn.execute(_SEEN_IDS, bound))
    codes = sorted({r.indicator_code for r in results})
    retired: dict[str, bool] = {}
    for chunk in _chunks(codes):
        bound = {"codes": members(chunk)}
        retired.update(
            (str(row[0]), bool(row[1])) for row in conn.execute(_RETIRED, bound)
        )

    outcomes: list[LaaOutcome | None] = []
    appends: list[StreamAppend] = []
    accepted: list[_Accepted] = []
    for raw, item in zip(raws, parsed, strict=True):
        if not isinstance(item, laa.LaaResult):
            outcome = LaaOutcome(item.result_id, "rejected", item.reason)
            appends.append(_rejection(outcome, item.payload, meta))
            outcomes.append(outcome)
            continue
        rid, code = item.result_id, item.indicator_code
        if rid in seen:
            outcomes.append(LaaOutcome(rid, "duplicate"))
            continue
        if code not in retired:
            if wait:
                outcomes.append(service._wait(conn, item, raw, meta))
                continue
            outcome = LaaOutcome(rid, "rejected", f"unknown indicator {code}")
            appends.append(_rejection(outcome, None, meta))
            outcomes.append(outcome)
            continue
        if retired[code]:
            outcome = LaaOutcome(rid, "rejected", f"indicator {code} is retired")
            appends.append(_rejection(outcome, None, meta))
            outcomes.append(outcome)
            continue
        seen.add(rid)
        accepted.append(_Accepted(item, len(appends)))
        appends.append(
            StreamAppend(
                returns_stream(code),
                None,
                [_event("LaaResultReceived", item.to_data())],
                meta,
            )
        )
        outcomes.append(LaaOutcome(rid, "accepted"))

    if accepted:
        taken = [a.result.result_id for a in accepted]
        bulk.executemany(conn, _INSERT_ID, [{"result_id": rid} for rid in taken])
        for chunk in _chunks(taken):  # accepted while it waited on the stream
            conn.execute(_DELETE_WAITING, {"ids": members(chunk)})
    written = service.store.append_many(appends, conn=conn) if appends else []
    recorded.extend(written)
    if accepted:
        _index(conn, [(a.result, written[a.index]) for a in accepted])
    return [o for o in outcomes if o is not None]


def _event(event_type: str, data: dict[str, Any]) -> NewEvent:
    return NewEvent(
        type=event_type, data=data, schema_version=current_version(event_type)
    )


def _rejection(
    outcome: LaaOutcome, payload: str | None, meta: Metadata
) -> StreamAppend:
    data = {
        "source": "laa",
        "result_id": outcome.result_id,
        "reason": outcome.reason,
        "payload": payload,
    }
    return StreamAppend("rejections:laa", None, [_event("ReturnRejected", data)], meta)


def _index(
    conn: Connection, taken: Sequence[tuple[laa.LaaResult, EventEnvelope]]
) -> None:
    """Count each (indicator, period) once more, set-based."""
    counts: dict[tuple[str, str], int] = {}
    last: dict[tuple[str, str], str] = {}
    for result, event in taken:
        key = (result.indicator_code, result.period_end.isoformat())
        counts[key] = counts.get(key, 0) + 1
        last[key] = iso(event.recorded_at)
    existing: set[tuple[str, str]] = set()
    for chunk in _chunks(sorted(counts)):
        bound = {"keys": members(chunk)}
        existing.update(
            (str(r[0]), str(r[1])) for r in conn.execute(_INDEXED_PERIODS, bound)
        )
    fresh = [key for key in counts if key not in existing]
    known = [key for key in counts if key in existing]
    if fresh:
        bulk.executemany(
            conn,
            _INSERT_PERIOD,
            [
                {
                    "code": code,
                    "period_end": period,
                    "returns": counts[(code, period)],
                    "last_source": "laa",
                    "last_recorded_at": last[(code, period)],
                }
                for code, period in fresh
            ],
        )
    if known:
        bulk.executemany(
            conn,
            _COUNT_AGAIN,
            [
                {
                    "k_code": code,
                    "k_period": period,
                    "v_more": counts[(code, period)],
                    "v_at": last[(code, period)],
                }
                for code, period in known
            ],
        )
