"""Commands of the returns service: returns, LAA results and rounds."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from shared.breakdowns import BreakdownError, normalise
from shared.errors import ConcurrencyConflict, Conflict, Invalid, NotFound
from shared.events.catalogue import current_version
from shared.events.envelope import EventEnvelope, Metadata, NewEvent, iso, utc_now
from shared.eventstore.store import EventStore

from . import laa, mail_log, rounds
from .laa_intake import receive_batch
from .tables import known_indicators, laa_ids, laa_waiting, results_index

Raw = bytes | str | dict[str, Any]
# Called with (reason, payload) for each LAA result given up on after waiting.
DeadLetter = Callable[[str, str], None]


def returns_stream(code: str) -> str:
    """The stream of every result for one indicator (lead returns and LAA)."""
    return f"returns:{code}"


@dataclass(frozen=True)
class LaaOutcome:
    """What became of one LAA message."""

    result_id: str | None
    outcome: Literal["accepted", "duplicate", "rejected", "waiting"]
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready outcome."""
        out: dict[str, Any] = {"result_id": self.result_id, "outcome": self.outcome}
        if self.reason:
            out["reason"] = self.reason
        return out


def _event(event_type: str, data: dict[str, Any]) -> NewEvent:
    return NewEvent(
        type=event_type, data=data, schema_version=current_version(event_type)
    )


class ReturnsService:
    """Accepts results and manages collection rounds."""

    def __init__(
        self,
        store: EventStore,
        today: Callable[[], date] = date.today,
        unknown_wait_seconds: float = 0.0,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.store = store
        self.today = today
        # How long a streamed LAA result for an unknown indicator waits for its
        # registration (distributed mode); 0 rejects it at once.
        self.unknown_wait = timedelta(seconds=unknown_wait_seconds)
        self.now = now

    def indicator(self, conn: Connection, code: str) -> sa.RowMapping | None:
        """What returns knows of indicator ``code``."""
        query = sa.select(known_indicators).where(known_indicators.c.code == code)
        return conn.execute(query).mappings().first()

    def submit(
        self,
        cmd: dict[str, Any],
        meta: Metadata,
        lead_email: str | None = None,
        round_id: str | None = None,
    ) -> dict[str, Any]:
        """Accept a lead's return (a later one for the same period is a correction).

        ``lead_email`` limits the caller to indicators they lead; ``round_id``
        (a personal link's scope) limits them to that round's period.
        """
        code = cmd["indicator_code"]
        if round_id is not None:
            self._check_round_scope(round_id, cmd["period_end"])
        with self.store.transaction() as conn:
            ind = self.indicator(conn, code)
            if ind is None:
                raise NotFound(f"No indicator with code {code!r}")
            if ind["retired"]:
                raise Invalid(
                    f"Indicator {code!r} is retired: it no longer takes returns",
                    field="indicator_code",
                )
            if lead_email is not None and (ind["lead_email"] or "") != lead_email:
                raise PermissionError(
                    f"You are not the named lead for {code!r}, "
                    "so you cannot submit its return"
                )
            period = cmd["period_end"]
            period_iso = period.isoformat() if isinstance(period, date) else str(period)
            earlier = self._count(conn, code, period_iso)
            data = {
                "indicator_code": code,
                "period_end": period_iso,
                "value": float(cmd["value"]),
                "prediction": cmd.get("prediction"),
                **_breakdown_data(cmd.get("breakdowns")),
                "commentary": cmd.get("commentary"),
                "data_quality": cmd.get("data_quality"),
                "submitted_by": meta.actor,
                "correction": earlier > 0,
            }
            recorded = self.store.append(
                returns_stream(code),
                None,
                [_event("ReturnSubmitted", data)],
                meta,
                conn,
            )
            self._index(conn, code, period_iso, "lead", recorded[0])
        self.store.notify_committed(recorded)
        return _public_return(recorded[0])

    def _check_round_scope(self, round_id: str, period: date | str) -> None:
        state = rounds.fold(self.store.read_stream(rounds.stream_of(round_id)))
        period_iso = period.isoformat() if isinstance(period, date) else str(period)
        if state is None or state.period_end != period_iso:
            raise PermissionError(
                f"Your link is for round {round_id}"
                + (f" (period ending {state.period_end})" if state else "")
                + ": it cannot submit returns for other periods"
            )

    def _count(self, conn: Connection, code: str, period_iso: str) -> int:
        query = sa.select(results_index.c.returns).where(
            results_index.c.code == code, results_index.c.period_end == period_iso
        )
        return int(conn.execute(query).scalar() or 0)

    def _index(
        self,
        conn: Connection,
        code: str,
        period_iso: str,
        source: str,
        e: EventEnvelope,
    ) -> None:
        t = results_index
        values = {"last_source": source, "last_recorded_at": iso(e.recorded_at)}
        done = conn.execute(
            t.update()
            .where(t.c.code == code, t.c.period_end == period_iso)
            .values(returns=t.c.returns + 1, **values)
        )
        if done.rowcount == 0:
            conn.execute(
                t.insert().values(code=code, period_end=period_iso, returns=1, **values)
            )

    def receive_laa(self, raw: Raw, meta: Metadata) -> LaaOutcome:
        """Accept one LAA message once; a bad one is recorded as rejected."""
        return self.receive_laa_many([raw], meta)[0]

    def receive_laa_many(
        self, raws: Sequence[Raw], meta: Metadata, wait_unknown: bool = False
    ) -> list[LaaOutcome]:
        """Accept a batch of LAA messages in one transaction, each once.

        With ``wait_unknown`` (the stream in distributed mode) a result for an
        indicator not seen yet is kept to wait for its registration instead of
        being rejected; its outcome is then "waiting".
        """
        recorded: list[EventEnvelope] = []
        wait = wait_unknown and self.unknown_wait > timedelta(0)
        with self.store.transaction() as conn:
            outcomes = receive_batch(self, conn, raws, meta, recorded, wait)
        self.store.notify_committed(recorded)
        return outcomes

    def _receive(
        self,
        conn: Connection,
        raw: Raw,
        meta: Metadata,
        recorded: list[EventEnvelope],
        wait: bool = False,
    ) -> LaaOutcome:
        parsed = laa.parse(raw)
        if isinstance(parsed, laa.LaaResult):
            outcome = self._accept_laa(conn, parsed, meta, recorded)
            unknown = (outcome.reason or "").startswith("unknown indicator")
            if wait and outcome.outcome == "rejected" and unknown:
                return self._wait(conn, parsed, raw, meta)
        else:
            outcome = LaaOutcome(parsed.result_id, "rejected", parsed.reason)
        if outcome.outcome == "rejected":
            payload = parsed.payload if isinstance(parsed, laa.Rejection) else None
            self._reject(conn, outcome, payload, meta, recorded)
        return outcome

    def _reject(
        self,
        conn: Connection,
        outcome: LaaOutcome,
        payload: str | None,
        meta: Metadata,
        recorded: list[EventEnvelope],
    ) -> None:
        data = {
            "source": "laa",
            "result_id": outcome.result_id,
            "reason": outcome.reason,
            "payload": payload,
        }
        recorded += self.store.append(
            "rejections:laa", None, [_event("ReturnRejected", data)], meta, conn
        )

    def _wait(
        self, conn: Connection, result: laa.LaaResult, raw: Raw, meta: Metadata
    ) -> LaaOutcome:
        """Keep a result for an unknown indicator until it is registered."""
        rid = result.result_id
        reason = f"indicator {result.indicator_code} not known yet"
        held = sa.select(laa_waiting.c.result_id).where(laa_waiting.c.result_id == rid)
        if conn.execute(held).first() is None:
            now = self.now()
            conn.execute(
                laa_waiting.insert().values(
                    result_id=rid,
                    indicator_code=result.indicator_code,
                    payload=_text_of(raw),
                    actor=meta.actor,
                    received_at=iso(now),
                    wait_until=iso(now + self.unknown_wait),
                )
            )
        return LaaOutcome(rid, "waiting", reason)

    def release_waiting(
        self, conn: Connection, code: str, recorded: list[EventEnvelope]
    ) -> list[LaaOutcome]:
        """Accept the results that waited for ``code``, now that it is known.

        Called in the transaction that applies the indicator's registration,
        so the result is accepted exactly when (and only if) that commits.
        """
        rows = conn.execute(
            sa.select(laa_waiting)
            .where(laa_waiting.c.indicator_code == code)
            .order_by(laa_waiting.c.received_at)
            .with_for_update()
        ).mappings()
        return [self._settle(conn, row, recorded) for row in list(rows)]

    def _settle(
        self, conn: Connection, row: sa.RowMapping, recorded: list[EventEnvelope]
    ) -> LaaOutcome:
        """Decide a waiting result afresh (its indicator is known now)."""
        conn.execute(
            laa_waiting.delete().where(laa_waiting.c.result_id == row["result_id"])
        )
        return self._receive(
            conn, row["payload"], Metadata(actor=row["actor"]), recorded
        )

    def settle_waiting(
        self, dead_letter: DeadLetter, limit: int = 500
    ) -> list[LaaOutcome]:
        """Accept waiting results whose indicator is now known; give up on late ones.

        Run every few seconds. A result whose wait is over is recorded as
        rejected and passed to ``dead_letter`` with its reason before the
        transaction commits, so a failed send leaves it waiting to be tried
        again (a dead letter may then be sent twice, never lost).
        """
        recorded: list[EventEnvelope] = []
        settled: list[LaaOutcome] = []
        now = iso(self.now())
        with self.store.transaction() as conn:
            rows = conn.execute(
                sa.select(laa_waiting)
                .order_by(laa_waiting.c.received_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).mappings()
            for row in list(rows):
                known = self.indicator(conn, row["indicator_code"]) is not None
                if not known and row["wait_until"] > now:
                    continue
                if known:
                    outcome = self._settle(conn, row, recorded)
                    if outcome.outcome == "rejected":
                        dead_letter(outcome.reason or "rejected", row["payload"])
                else:
                    outcome = self._give_up(conn, row, recorded)
                    dead_letter(outcome.reason or "rejected", row["payload"])
                settled.append(outcome)
        self.store.notify_committed(recorded)
        return settled

    def _give_up(
        self, conn: Connection, row: sa.RowMapping, recorded: list[EventEnvelope]
    ) -> LaaOutcome:
        waited = self.unknown_wait.total_seconds()
        outcome = LaaOutcome(
            row["result_id"],
            "rejected",
            f"unknown indicator {row['indicator_code']} "
            f"(not registered within {waited:g} s)",
        )
        conn.execute(
            laa_waiting.delete().where(laa_waiting.c.result_id == row["result_id"])
        )
        meta = Metadata(actor=row["actor"])
        self._reject(conn, outcome, row["payload"], meta, recorded)
        return outcome

    def waiting_count(self) -> int:
        """How many LAA results wait for their indicator's registration."""
        with self.store.engine.connect() as conn:
            query = sa.select(sa.func.count()).select_from(laa_waiting)
            return int(conn.execute(query).scalar() or 0)

    def _accept_laa(
        self,
        conn: Connection,
        result: laa.LaaResult,
        meta: Metadata,
        recorded: list[EventEnvelope],
    ) -> LaaOutcome:
        rid = result.result_id
        seen = conn.execute(
            sa.select(laa_ids.c.result_id).where(laa_ids.c.result_id == rid)
        ).first()
        if seen is not None:
            return LaaOutcome(rid, "duplicate")
        ind = self.indicator(conn, result.indicator_code)
        if ind is None:
            return LaaOutcome(
                rid, "rejected", f"unknown indicator {result.indicator_code}"
            )
        if ind["retired"]:
            return LaaOutcome(
                rid, "rejected", f"indicator {result.indicator_code} is retired"
            )
        conn.execute(laa_ids.insert().values(result_id=rid))
        # accepted another way (HTTP, or a resend) while it waited on the stream
        conn.execute(laa_waiting.delete().where(laa_waiting.c.result_id == rid))
        events = self.store.append(
            returns_stream(result.indicator_code),
            None,
            [_event("LaaResultReceived", result.to_data())],
            meta,
            conn,
        )
        self._index(
            conn, result.indicator_code, result.period_end.isoformat(), "laa", events[0]
        )
        recorded.extend(events)
        return LaaOutcome(rid, "accepted")

    # Rounds -----------------------------------------------------------------

    def open_round(self, cmd: dict[str, Any], meta: Metadata) -> dict[str, Any]:
        """Open a collection round (its id must be new). Without a scope it
        asks every measurable indicator, as the product contract says; the
        admin page proposes the indicators due by their frequency
        (:meth:`default_scope`) and sends them as the scope."""
        rid = cmd["id"]
        stream = rounds.stream_of(rid)
        if self.store.stream_version(stream):
            raise Conflict(f"Round {rid!r} already exists")
        scope = cmd.get("scope")
        data = {
            "id": rid,
            "period_end": cmd["period_end"].isoformat(),
            "requested": cmd["requested"].isoformat(),
            "deadline": cmd["deadline"].isoformat(),
            "scope": scope,
        }
        if data["scope"]:
            self._check_scope(data["scope"])
        events = [_event("RoundOpened", data)]
        today = meta.occurred_at.date() if meta.occurred_at else self.today()
        if cmd["deadline"] < today:
            events.append(_event("RoundDeadlinePassed", {"id": rid}))
        self.store.append(stream, 0, events, meta)
        return self.get_round(rid)

    def default_scope(self, period_end: date) -> list[str]:
        """The codes a round ending ``period_end`` asks for when opened
        without a scope (:func:`rounds.default_scope`)."""
        with self.store.engine.connect() as conn:
            known = [
                dict(r) for r in conn.execute(sa.select(known_indicators)).mappings()
            ]
        return rounds.default_scope(known, period_end)

    def mark_deadlines(self, meta: Metadata) -> list[str]:
        """Record that open rounds' deadlines have passed (safe to repeat)."""
        marked = []
        today = self.today().isoformat()
        for r in rounds.fold_all(self.store.read_streams_like("round:")):
            if r.closed or r.deadline_passed or r.deadline >= today:
                continue
            try:
                self.store.append(
                    rounds.stream_of(r.id),
                    r.version,
                    [_event("RoundDeadlinePassed", {"id": r.id})],
                    meta,
                )
                marked.append(r.id)
            except Conflict:
                continue  # another instance recorded it first
        return marked

    def _check_scope(self, scope: list[str]) -> None:
        with self.store.engine.connect() as conn:
            for code in scope:
                if self.indicator(conn, code) is None:
                    raise Invalid(
                        f"scope names unknown indicator {code!r}", field="scope"
                    )

    def close_round(self, rid: str, meta: Metadata) -> dict[str, Any]:
        """Close a round: missing returns are then flagged.

        Closing is decided again when the round's stream moved meanwhile: the
        deadline job records ``RoundDeadlinePassed`` on the same stream on its
        own clock, and a close that met it must not fail for that.
        """
        stream = rounds.stream_of(rid)
        for attempt in range(5):
            state = rounds.fold(self.store.read_stream(stream))
            if state is None:
                raise NotFound(f"No round {rid!r}")
            if state.closed:
                return state.to_dict()
            try:
                self.store.append(
                    stream, state.version, [_event("RoundClosed", {"id": rid})], meta
                )
            except ConcurrencyConflict:
                if attempt == 4:
                    raise
                continue
            break
        return self.get_round(rid)

    def get_round(self, rid: str) -> dict[str, Any]:
        """One round."""
        state = rounds.fold(self.store.read_stream(rounds.stream_of(rid)))
        if state is None:
            raise NotFound(f"No round {rid!r}")
        return state.to_dict()

    def list_rounds(self) -> list[dict[str, Any]]:
        """Every round, newest period first."""
        return [
            r.to_dict() for r in rounds.fold_all(self.store.read_streams_like("round:"))
        ]

    def outstanding(self, rid: str) -> dict[str, Any]:
        """In-scope indicators with no result for the round's period yet."""
        state = rounds.fold(self.store.read_stream(rounds.stream_of(rid)))
        if state is None:
            raise NotFound(f"No round {rid!r}")
        with self.store.engine.connect() as conn:
            inds = [
                dict(r) for r in conn.execute(sa.select(known_indicators)).mappings()
            ]
            received = {
                r.code
                for r in conn.execute(
                    sa.select(results_index.c.code).where(
                        results_index.c.period_end == state.period_end
                    )
                )
            }
        found = rounds.outstanding(state, inds, received)
        states = self.mail_states(rid)
        for entry in found["outstanding"]:
            email = (entry["named_lead"] or {}).get("email")
            entry.update(mail_log.contact_times(states, email, entry["code"]))
        return found

    def mail_states(self, rid: str) -> dict[str, mail_log.MailState]:
        """What was claimed and sent about round ``rid``, by message stream."""
        return mail_log.fold(self.store.read_streams_like(mail_log.round_prefix(rid)))


def _text_of(raw: Raw) -> str:
    """The message as text, to keep while it waits (parsing it succeeded)."""
    if isinstance(raw, dict):
        return json.dumps(raw)
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw


def _public_return(e: EventEnvelope) -> dict[str, Any]:
    return {
        **e.data,
        "event_id": str(e.event_id),
        "submitted_at": iso(e.recorded_at),
        "stream_version": e.stream_version,
    }


__all__ = ["LaaOutcome", "ReturnsService", "returns_stream", "utc_now"]


def _breakdown_data(given: dict[str, Any] | None) -> dict[str, Any]:
    """A return's breakdown as its event holds it: values, and counts when given."""
    if not given:
        return {"breakdowns": given}
    try:
        values, counts = normalise(given)
    except BreakdownError as exc:
        raise Invalid(str(exc), field="breakdowns") from exc
    return {"breakdowns": values, **({"breakdown_counts": counts} if counts else {})}
