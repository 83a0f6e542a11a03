"""The reporting read model applied a batch at a time, set-based.

The same folding as the per-event handlers of ``projections`` (they remain the
reference and handle the rarer events), but for the events that come in
bulk (indicator definitions, results, assessments) the rows a batch touches
are loaded once, changed in memory in log order, and written back with one
statement per table and kind of change (executemany), instead of five to
fifteen statements per event. The runs of bulk events between two other
events form a segment; a segment is written before the next other event is
applied, so every handler sees the tables exactly as the one-by-one path
would have left them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from shared import codec
from shared.events.definitions import INDICATOR_EVENT_TYPES, apply_definition_event
from shared.events.envelope import EventEnvelope, iso
from shared.eventstore import bulk
from shared.eventstore.members import in_json, members, row_in_json
from shared.messaging.consumers import ApplyContext

from . import projections as p
from .tables import framework_rows, results, round_assessments, timeline

_SELECT_ROWS = sa.select(
    framework_rows.c.code,
    framework_rows.c.definition,
    framework_rows.c.latest,
    framework_rows.c.assessment,
).where(in_json(framework_rows.c.code, "codes"))
# Only the (indicator, period) pairs the batch's results name: loading every
# period each touched indicator ever had made a batch cost more with history.
_RESULT_KEYS = sa.select(results.c.code, results.c.period_end).where(
    row_in_json([results.c.code, results.c.period_end], "keys")
)
_ROUND_ROWS = sa.select(
    round_assessments.c.round_id, round_assessments.c.code, round_assessments.c.data
).where(row_in_json([round_assessments.c.round_id, round_assessments.c.code], "keys"))
_TIMELINE_KEYS = sa.select(timeline.c.code, timeline.c.kind, timeline.c.sort_key).where(
    row_in_json([timeline.c.code, timeline.c.kind, timeline.c.sort_key], "keys")
)

BULK = frozenset(
    {
        *INDICATOR_EVENT_TYPES,
        "ReturnSubmitted",
        "LaaResultReceived",
        "AssessmentChanged",
    }
)
CHUNK = 400  # keys per IN (...) list: under SQLite's bound-parameter limit

Handler = Callable[[ApplyContext, EventEnvelope], None]


def apply_in_segments(
    ctx: ApplyContext,
    events: Sequence[EventEnvelope],
    handlers: Mapping[str, Handler],
) -> None:
    """Apply ``events`` in order: bulk runs set-based, the rest one by one."""
    run: list[EventEnvelope] = []
    for event in events:
        if event.type in BULK:
            run.append(event)
            continue
        if run:
            Segment(ctx.conn, run).apply()
            run = []
        handlers[event.type](ctx, event)
    if run:
        Segment(ctx.conn, run).apply()


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


_INDICATOR_TYPES = frozenset(INDICATOR_EVENT_TYPES)  # a hash lookup per event


def _code_of(e: EventEnvelope) -> str:
    return str(
        e.data["code"] if e.type in _INDICATOR_TYPES else e.data["indicator_code"]
    )


class FrameworkRow:
    """A framework row's three JSON columns, decoded only when a handler reads
    one and encoded again only when it changed.

    A batch of results touches each indicator's latest result and assessment;
    its definition (the largest document) is read and written back unchanged,
    which cost a decode and an encode per touched indicator per batch.
    """

    __slots__ = ("_changed", "_encoded", "_raw", "_value")

    def __init__(self, raw: dict[str, str | None]) -> None:
        self._raw = raw
        self._value: dict[str, Any] = {}
        self._changed: set[str] = set()
        self._encoded: dict[str, str] = {}  # the text of a value set with it

    def __getitem__(self, column: str) -> Any:
        if column not in self._value:
            text = self._raw.get(column)
            self._value[column] = codec.loads(text) if text else None
        return self._value[column]

    def __setitem__(self, column: str, value: Any) -> None:
        self._value[column] = value
        self._changed.add(column)
        self._encoded.pop(column, None)

    def set_encoded(self, column: str, value: Any, text: str) -> None:
        """Set ``column`` to ``value`` whose canonical text is already ``text``
        (a result is encoded once for its row, its timeline rows and here)."""
        self[column] = value
        self._encoded[column] = text

    def texts(self) -> dict[str, str | None]:
        """The stored text of each column: as read unless it changed."""
        out: dict[str, str | None] = {}
        for column in ("definition", "latest", "assessment"):
            if column in self._encoded:
                out[column] = self._encoded[column]
            elif column in self._changed or column not in self._raw:
                value = self[column]
                # The definition column always holds JSON (``null`` before
                # registration); the other two are NULL when empty.
                out[column] = (
                    p.dumps(value) if column == "definition" else _maybe(value)
                )
            else:
                out[column] = self._raw[column]
        return out


class Segment:
    """One run of bulk events: state loaded once, written once."""

    def __init__(self, conn: Connection, events: Sequence[EventEnvelope]) -> None:
        self.conn = conn
        self.events = events
        self.rows: dict[str, FrameworkRow] = {}
        self.new_rows: set[str] = set()
        self.dirty: set[str] = set()
        self.registered_at: dict[str, str] = {}
        self.result_keys: set[tuple[str, str]] = set()
        self.results_new: dict[tuple[str, str], str] = {}
        self.results_changed: dict[tuple[str, str], str] = {}
        self.rounds: dict[tuple[str, str], dict[str, Any] | None] = {}
        self.rounds_new: set[tuple[str, str]] = set()
        self.rounds_dirty: set[tuple[str, str]] = set()
        self.keyed: dict[tuple[str, str, str], dict[str, Any]] = {}  # by sort key
        self.keyed_in_db: set[tuple[str, str, str]] = set()
        self.inserts: list[dict[str, Any]] = []

    # -- loading -------------------------------------------------------------

    def _load(self) -> None:
        codes = sorted({_code_of(e) for e in self.events})
        for chunk in _chunks(codes):
            for code, definition, latest, assessment in self.conn.execute(
                _SELECT_ROWS, {"codes": members(chunk)}
            ):
                self.rows[code] = FrameworkRow(
                    {
                        "definition": definition,
                        "latest": latest,
                        "assessment": assessment,
                    }
                )
        for code in codes:
            if code not in self.rows:
                self.rows[code] = FrameworkRow({})
                self.new_rows.add(code)
        result_keys = sorted(
            {
                (_code_of(e), str(e.data["period_end"]))
                for e in self.events
                if e.type in ("ReturnSubmitted", "LaaResultReceived")
            }
        )
        for chunk in _chunks(result_keys):
            bound = {"keys": members(chunk)}
            self.result_keys.update(
                (str(r[0]), str(r[1])) for r in self.conn.execute(_RESULT_KEYS, bound)
            )
        answers = [e for e in self.events if e.type == "AssessmentChanged"]
        round_keys = sorted(
            {
                (str(e.data["round_id"]), _code_of(e))
                for e in answers
                if e.data.get("round_id")
            }
        )
        for chunk in _chunks(round_keys):
            bound = {"keys": members(chunk)}
            for row in self.conn.execute(_ROUND_ROWS, bound):
                self.rounds[(str(row[0]), str(row[1]))] = codec.loads(row[2])
        for key in round_keys:
            if key not in self.rounds:
                self.rounds[key] = None
                self.rounds_new.add(key)
        keyed = sorted(
            {
                (_code_of(e), "assessment", p.answer_key(e, "1"))
                for e in answers
                if not e.data.get("round_id")
            }
        )
        for chunk in _chunks(keyed):
            bound = {"keys": members(chunk)}
            self.keyed_in_db.update(
                (str(r[0]), str(r[1]), str(r[2]))
                for r in self.conn.execute(_TIMELINE_KEYS, bound)
            )

    # -- folding (the same as projections' handlers) ---------------------------

    def _timeline(
        self,
        e: EventEnvelope,
        code: str,
        kind: str,
        data: dict[str, Any],
        period_end: str | None = None,
        sort_key: str | None = None,
        text: str | None = None,
    ) -> None:
        """A timeline row of ``data`` (``text``: its canonical JSON, if known)."""
        values = {
            "valid_from": iso(e.occurred_at),
            "recorded_at": iso(e.recorded_at),
            "period_end": period_end,
            "round_id": None,
            "event_type": e.type,
            "actor": e.actor,
            "data": p.dumps(data) if text is None else text,
        }
        if sort_key is not None:
            key = (code, kind, sort_key)
            if key in self.keyed:  # said again in this batch: restate that row
                self.keyed[key].update(values)
                return
            if key in self.keyed_in_db:
                self.keyed[key] = {**values, "_update": True}
                return
        row = {
            "code": code,
            "kind": kind,
            "sort_key": sort_key or p.fact_key(e),
            **values,
        }
        self.inserts.append(row)
        if sort_key is not None:
            self.keyed[(code, kind, sort_key)] = row

    def _on_indicator(self, e: EventEnvelope) -> None:
        code = str(e.data["code"])
        row = self.rows[code]
        row["definition"] = apply_definition_event(row["definition"], e.type, e.data)
        if e.type == "IndicatorRegistered":
            self.registered_at[code] = iso(e.occurred_at)
        self.dirty.add(code)
        if row["definition"] is not None:
            change = {k: v for k, v in e.data.items() if k != "code"}
            self._timeline(
                e,
                code,
                "definition",
                {"definition": row["definition"], "change": change},
            )

    def _on_result(self, e: EventEnvelope) -> None:
        d = e.data
        code, period = str(d["indicator_code"]), str(d["period_end"])
        row = self.rows[code]
        key = (code, period)
        seen = key in self.result_keys
        result = {
            "value": d["value"],
            "period_end": period,
            "prediction": d.get("prediction"),
            "breakdowns": d.get("breakdowns"),
            **_counts_of(d),
            "commentary": d.get("commentary"),
            "data_quality": d.get("data_quality"),
            "source": "laa" if e.type == "LaaResultReceived" else "lead",
            "result_id": d.get("result_id"),
            "correction": seen,
            "submitted_by": e.actor,
            "submitted_at": iso(e.recorded_at),
        }
        encoded = p.dumps(result)
        if key in self.results_new or not seen:
            self.results_new[key] = encoded
        else:
            self.results_changed[key] = encoded
        self.result_keys.add(key)
        self._timeline(e, code, "result", result, period_end=period, text=encoded)
        latest = row["latest"]
        if latest is None or period >= latest["period_end"]:
            row.set_encoded("latest", result, encoded)
            self.dirty.add(code)

    def _on_assessment(self, e: EventEnvelope) -> None:
        code = _code_of(e)
        round_id = e.data.get("round_id")
        if round_id:
            key = (str(round_id), code)
            if p._newer(self.rounds[key], e.data):
                self.rounds[key] = dict(e.data)
                self.rounds_dirty.add(key)
            return
        row = self.rows[code]
        text = p.dumps(e.data)  # once, for the framework row and the timeline
        if p._newer(row["assessment"], e.data):
            row.set_encoded("assessment", dict(e.data), text)
            self.dirty.add(code)
        self._timeline(
            e, code, "assessment", e.data, sort_key=p.answer_key(e, "1"), text=text
        )

    # -- writing ---------------------------------------------------------------

    def apply(self) -> None:
        """Load, fold every event in order, then write each table once."""
        self._load()
        for e in self.events:
            if e.type in _INDICATOR_TYPES:
                self._on_indicator(e)
            elif e.type == "AssessmentChanged":
                self._on_assessment(e)
            else:
                self._on_result(e)
        self._write()

    def _write(self) -> None:
        conn = self.conn
        touched = self.dirty | self.new_rows
        t = framework_rows
        fresh = [
            {
                "code": code,
                **self.rows[code].texts(),
                "registered_at": self.registered_at.get(code),
            }
            for code in sorted(self.new_rows)
        ]
        if fresh:
            bulk.executemany(conn, t.insert(), fresh)
        changed = [code for code in sorted(touched - self.new_rows)]
        plain = [c for c in changed if c not in self.registered_at]
        registered = [c for c in changed if c in self.registered_at]
        for codes, extra in ((plain, False), (registered, True)):
            if not codes:
                continue
            values: dict[str, Any] = {
                "definition": sa.bindparam("v_definition"),
                "latest": sa.bindparam("v_latest"),
                "assessment": sa.bindparam("v_assessment"),
            }
            if extra:
                values["registered_at"] = sa.bindparam("v_registered_at")
            statement = (
                t.update().where(t.c.code == sa.bindparam("k_code")).values(values)
            )
            bulk.executemany(
                conn,
                statement,
                [
                    {
                        "k_code": code,
                        **{
                            f"v_{name}": text
                            for name, text in self.rows[code].texts().items()
                        },
                        **(
                            {"v_registered_at": self.registered_at[code]}
                            if extra
                            else {}
                        ),
                    }
                    for code in codes
                ],
            )
        r = results
        if self.results_new:
            bulk.executemany(
                conn,
                r.insert(),
                [
                    {"code": c, "period_end": pe, "data": data}
                    for (c, pe), data in self.results_new.items()
                ],
            )
        if self.results_changed:
            bulk.executemany(
                conn,
                r.update()
                .where(
                    r.c.code == sa.bindparam("k_code"),
                    r.c.period_end == sa.bindparam("k_pe"),
                )
                .values(data=sa.bindparam("v_data")),
                [
                    {"k_code": c, "k_pe": pe, "v_data": data}
                    for (c, pe), data in self.results_changed.items()
                ],
            )
        ra = round_assessments
        new_rounds = [k for k in sorted(self.rounds_dirty) if k in self.rounds_new]
        old_rounds = [k for k in sorted(self.rounds_dirty) if k not in self.rounds_new]
        if new_rounds:
            bulk.executemany(
                conn,
                ra.insert(),
                [
                    {
                        "round_id": rid,
                        "code": code,
                        "data": p.dumps(self.rounds[(rid, code)]),
                    }
                    for rid, code in new_rounds
                ],
            )
        if old_rounds:
            bulk.executemany(
                conn,
                ra.update()
                .where(
                    ra.c.round_id == sa.bindparam("k_rid"),
                    ra.c.code == sa.bindparam("k_code"),
                )
                .values(data=sa.bindparam("v_data")),
                [
                    {
                        "k_rid": rid,
                        "k_code": code,
                        "v_data": p.dumps(self.rounds[(rid, code)]),
                    }
                    for rid, code in old_rounds
                ],
            )
        tl = timeline
        restated = [
            {
                "k_code": c,
                "k_kind": k,
                "k_sort": s,
                **{f"v_{n}": v for n, v in row.items() if n != "_update"},
            }
            for (c, k, s), row in self.keyed.items()
            if row.get("_update")
        ]
        if restated:
            names = [n for n in restated[0] if n.startswith("v_")]
            bulk.executemany(
                conn,
                tl.update()
                .where(
                    tl.c.code == sa.bindparam("k_code"),
                    tl.c.kind == sa.bindparam("k_kind"),
                    tl.c.sort_key == sa.bindparam("k_sort"),
                )
                .values({n[2:]: sa.bindparam(n) for n in names}),
                restated,
            )
        if self.inserts:
            bulk.executemany(conn, tl.insert(), self.inserts)


def _maybe(value: Any) -> str | None:
    return p.dumps(value) if value else None


def _counts_of(data: dict[str, Any]) -> dict[str, Any]:
    """The counts behind a breakdown, only on results that carry them."""
    counts = data.get("breakdown_counts")
    return {"breakdown_counts": counts} if counts else {}
