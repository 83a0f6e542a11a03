"""Reading and writing the assessment's tables (the I/O edge of the policy).

Reads take a whole batch's indicators at once and writes are set-based
(``executemany``), with the statements built once at import: the policy
touches the database a fixed number of times per batch, not per event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from shared import codec
from shared.events.envelope import EventEnvelope, iso
from shared.eventstore import bulk
from shared.eventstore.members import in_json, members

from .facts import FrameworkSettings, Result
from .tables import (
    answers,
    decisions,
    definitions,
    framework_settings,
    indicator_facts,
    round_assessments,
    round_events,
    rounds,
)
from .tables import results as result_rows

if TYPE_CHECKING:
    from .timeline import IndicatorFacts, SharedFacts

CHUNK = 500  # codes per IN (...) list


def dumps(value: Any) -> str:
    """Canonical JSON, so equal answers compare equal as text."""
    return codec.dumps(value)


def moment_of(e: EventEnvelope) -> str:
    """When ``e`` was recorded in the log, as fixed-width sortable text."""
    return f"{iso(e.occurred_at)}/{iso(e.recorded_at)}"


def fact_key(e: EventEnvelope) -> str:
    """``e``'s place in causal order: its moment, then its stream and version."""
    return f"{moment_of(e)}/{e.stream}/{e.stream_version:012d}"


@dataclass(frozen=True)
class RoundFacts:
    """A collection round as the rules see it."""

    id: str
    period_end: date
    scope: tuple[str, ...] | None
    closed: bool
    deadline_passed: bool

    @property
    def reached(self) -> bool:
        """Closed, or past its deadline: missing and stale returns now count."""
        return self.closed or self.deadline_passed

    def in_scope(self, definition: dict[str, Any]) -> bool:
        """Whether the round asks for this indicator's result."""
        if self.scope is not None:
            return definition["code"] in self.scope
        return bool(definition["measurable"]) and not definition["retired"]


def upsert(
    conn: Connection, table: sa.Table, keys: dict[str, Any], **values: Any
) -> None:
    """Update the row with ``keys`` or insert it."""
    where = [table.c[k] == v for k, v in keys.items()]
    if conn.execute(table.update().where(*where).values(**values)).rowcount == 0:
        conn.execute(table.insert().values(**keys, **values))


def _chunks(codes: Sequence[str]) -> Iterable[list[str]]:
    for i in range(0, len(codes), CHUNK):
        yield list(codes[i : i + CHUNK])


# Statements built once; executemany binds each row's values by name.
_t = indicator_facts
_INSERT_INDICATOR = _t.insert()
_UPDATE_DEFINITION = (
    _t.update()
    .where(_t.c.code == sa.bindparam("b_code"))
    .values(definition=sa.bindparam("b_definition"))
)
_UPDATE_ASSESSMENT = (
    _t.update()
    .where(_t.c.code == sa.bindparam("b_code"))
    .values(assessment=sa.bindparam("b_assessment"))
)
_INSERT_DEFINITION = definitions.insert()
_INSERT_RESULT = result_rows.insert()
_INSERT_SETTINGS = framework_settings.insert()
_INSERT_ROUND_EVENT = round_events.insert()
_INSERT_ANSWER = answers.insert()
_UPDATE_ANSWER = (
    answers.update()
    .where(
        answers.c.code == sa.bindparam("b_code"),
        answers.c.series == sa.bindparam("b_series"),
        answers.c.at == sa.bindparam("b_at"),
    )
    .values(data=sa.bindparam("b_data"))
)
_ra = round_assessments
_INSERT_ROUND_ASSESSMENT = _ra.insert()
_UPDATE_ROUND_ASSESSMENT = (
    _ra.update()
    .where(
        _ra.c.round_id == sa.bindparam("b_round_id"),
        _ra.c.code == sa.bindparam("b_code"),
    )
    .values(data=sa.bindparam("b_data"), raised=sa.bindparam("b_raised"))
)
_SELECT_SETTINGS = sa.select(framework_settings.c.key, framework_settings.c.data)
_SELECT_ROUND_EVENTS = sa.select(round_events)
_SELECT_DEFINITIONS_NOW = sa.select(_t.c.code, _t.c.definition).where(
    in_json(_t.c.code, "codes")
)
_d, _r, _a, _dc = definitions, result_rows, answers, decisions
_SINCE = sa.bindparam("since", type_=sa.String())


def _from_since(
    table: sa.Table, at: str, payload: str | tuple[str, ...], *series: str
) -> Any:
    """``table``'s rows of the codes from ``since`` on, and the last row of each
    series (the code, with ``series`` columns) before it: the ones in force
    when a replay from ``since`` starts. Each row is the series' columns, then
    ``at``, then the ``payload`` column(s).

    The last rows come from a grouped max over the primary key (an index-only
    scan) joined back once: a correlated "= (SELECT max ...)" ran one lookup
    for every earlier row an indicator had, the costliest read of a batch.
    """
    group = [table.c.code, *(table.c[c] for c in series)]
    payloads = (payload,) if isinstance(payload, str) else payload
    columns = [*group, table.c[at], *(table.c[c] for c in payloads)]
    last = (
        sa.select(*group, sa.func.max(table.c[at]).label("last"))
        .where(in_json(table.c.code, "codes"), table.c[at] < _SINCE)
        .group_by(*group)
        .subquery()
    )
    matched = [c == last.c[c.name] for c in group]
    return sa.union_all(
        sa.select(*columns).where(
            in_json(table.c.code, "codes"), table.c[at] >= _SINCE
        ),
        sa.select(*columns).join(
            last, sa.and_(*matched, table.c[at] == last.c["last"])
        ),
    )


# Only what a replay from ``since`` on can use: facts and answers from then on,
# and the last definition, the last result of each period and the last answer
# of each series before it (the ones in force when it starts: a later result
# for a period corrects the earlier, see ``assess.current_results``). Earlier
# ones are folded over unread, so an indicator's load grows with its periods,
# not with every result and answer it was ever given.
_SELECT_INDICATOR = (
    _from_since(_d, "key", "definition"),
    _from_since(_r, "key", ("value", "prediction", "source"), "period_end"),
    _from_since(_a, "at", "data", "series"),
    sa.select(_ra.c.round_id, _ra.c.code, _ra.c.raised).where(
        in_json(_ra.c.code, "codes")
    ),
    sa.select(_dc.c.round_id, _dc.c.code, _dc.c.at, _dc.c.data).where(
        in_json(_dc.c.code, "codes")
    ),
)


def load_definitions_now(
    conn: Connection, codes: Sequence[str]
) -> dict[str, dict[str, Any] | None]:
    """The definition each known indicator's stream now gives (None: unregistered)."""
    found: dict[str, dict[str, Any] | None] = {}
    for chunk in _chunks(sorted(codes)):
        bound = {"codes": members(chunk)}
        for code, raw in conn.execute(_SELECT_DEFINITIONS_NOW, bound):
            found[code] = codec.loads(raw) if raw else None
    return found


def known_codes(conn: Connection) -> list[str]:
    """Every indicator code the assessment knows, sorted."""
    return list(conn.execute(sa.select(_t.c.code).order_by(_t.c.code)).scalars())


@dataclass
class NewFacts:
    """The facts of one batch, to be written in one go."""

    new_codes: list[str]
    definitions_now: dict[str, dict[str, Any] | None]
    definitions: list[dict[str, Any]]
    results: list[dict[str, Any]]
    settings: list[dict[str, Any]]
    round_events: list[dict[str, Any]]


def write_facts(conn: Connection, new: NewFacts) -> None:
    """Record a batch's facts (each kind in one statement)."""
    if new.new_codes:
        bulk.executemany(
            conn,
            _INSERT_INDICATOR,
            [
                {"code": c, "definition": None, "assessment": None}
                for c in new.new_codes
            ],
        )
    if new.definitions_now:
        bulk.executemany(
            conn,
            _UPDATE_DEFINITION,
            [
                {"b_code": c, "b_definition": dumps(d)}
                for c, d in sorted(new.definitions_now.items())
            ],
        )
    for statement, rows in (
        (_INSERT_DEFINITION, new.definitions),
        (_INSERT_RESULT, new.results),
        (_INSERT_SETTINGS, new.settings),
        (_INSERT_ROUND_EVENT, new.round_events),
    ):
        if rows:
            bulk.executemany(conn, statement, rows)


def load_shared(conn: Connection) -> SharedFacts:
    """Every settings change and round event (few: they touch every indicator)."""
    from .timeline import RoundEvent, SharedFacts

    settings = [
        (key, settings_of(codec.loads(raw)))
        for key, raw in conn.execute(_SELECT_SETTINGS)
    ]
    events = [
        RoundEvent(
            key=r["key"],
            round_id=r["round_id"],
            kind=r["kind"],
            period_end=r["period_end"],
            scope=tuple(codec.loads(r["scope"])) if r["scope"] else None,
        )
        for r in conn.execute(_SELECT_ROUND_EVENTS).mappings()
    ]
    return SharedFacts(settings=settings, rounds=events)


def load_indicators(conn: Connection, start: dict[str, str]) -> list[IndicatorFacts]:
    """What a replay of each code in ``start`` from its moment on needs: its
    decisions and raised challenges, its definitions, results and said answers
    from that moment on, and the last of each in force just before it (the last
    definition, the last result of each period, the last answer of each
    series), in a handful of queries per chunk."""
    from .timeline import IndicatorFacts

    codes = sorted(start)
    found = {code: IndicatorFacts(code) for code in codes}
    q_definitions, q_results, q_said, q_raised, q_decisions = _SELECT_INDICATOR
    for chunk in _chunks(codes):
        bound = {
            "codes": members(chunk),
            "since": min(start[code] for code in chunk),
        }
        before: dict[str, tuple[str, str]] = {}  # code -> newest (key, raw) before
        for code, key, raw in conn.execute(q_definitions, bound):
            if key >= start[code]:
                found[code].definitions.append((key, codec.loads(raw)))
            elif code not in before or key > before[code][0]:
                before[code] = (key, raw)
        for code, (key, raw) in before.items():
            found[code].definitions.append((key, codec.loads(raw)))
        # By position: a row mapping read by name cost more than the decoding.
        for code, period_end, key, value, prediction, source in conn.execute(
            q_results, bound
        ):
            found[code].results.append(
                (
                    key,
                    Result(
                        date.fromisoformat(period_end),
                        codec.loads(value),
                        prediction,
                        source,
                    ),
                )
            )
        in_force: dict[tuple[str, str], tuple[str, str]] = {}
        for code, series, at, raw in conn.execute(q_said, bound):
            if at >= start[code]:
                found[code].said.setdefault(series, {})[at] = codec.loads(raw)
            elif (code, series) not in in_force or at > in_force[code, series][0]:
                in_force[code, series] = (at, raw)
        for (code, series), (at, raw) in in_force.items():
            found[code].said.setdefault(series, {})[at] = codec.loads(raw)
        for rid, code, raw in conn.execute(q_raised, bound):
            found[code].raised[rid] = codec.loads(raw)
        for rid, code, at, raw in conn.execute(q_decisions, bound):
            found[code].decisions.append((at, rid, codec.loads(raw)))
    return [found[code] for code in codes]


@dataclass
class Answers:
    """What a batch decided, to be written in one go."""

    said_new: list[dict[str, Any]]
    said_changed: list[dict[str, Any]]
    current: list[dict[str, Any]]
    rounds_new: list[dict[str, Any]]
    rounds_changed: list[dict[str, Any]]


def write_answers(conn: Connection, out: Answers) -> None:
    """Write answers said, current assessments and round assessments."""
    for statement, rows in (
        (_INSERT_ANSWER, out.said_new),
        (_UPDATE_ANSWER, out.said_changed),
        (_UPDATE_ASSESSMENT, out.current),
        (_INSERT_ROUND_ASSESSMENT, out.rounds_new),
        (_UPDATE_ROUND_ASSESSMENT, out.rounds_changed),
    ):
        if rows:
            bulk.executemany(conn, statement, rows)


def load_rounds(conn: Connection) -> list[RoundFacts]:
    """Every round as it stands now, oldest period first."""
    t = rounds
    found = conn.execute(sa.select(t).order_by(t.c.period_end, t.c.id)).mappings()
    return [
        RoundFacts(
            id=r["id"],
            period_end=date.fromisoformat(r["period_end"]),
            scope=tuple(codec.loads(r["scope"])) if r["scope"] else None,
            closed=bool(r["closed"]),
            deadline_passed=bool(r["deadline_passed"]),
        )
        for r in found
    ]


def load_round_assessment(
    conn: Connection, round_id: str, code: str
) -> tuple[dict[str, Any] | None, list[str]]:
    """The round assessment of an indicator and the flags already raised."""
    t = round_assessments
    row = (
        conn.execute(sa.select(t).where(t.c.round_id == round_id, t.c.code == code))
        .mappings()
        .first()
    )
    if row is None:
        return None, []
    return codec.loads(row["data"]), codec.loads(row["raised"])


def record_decision(
    conn: Connection, round_id: str, code: str, at: str, record: dict[str, Any]
) -> None:
    """Keep an Executive decision from the moment it was recorded."""
    conn.execute(
        decisions.insert().values(
            round_id=round_id, code=code, at=at, data=dumps(record)
        )
    )


def settings_of(d: dict[str, Any]) -> FrameworkSettings:
    """Framework settings from a settings event's data."""
    return FrameworkSettings(
        rag_mode=d["rag_mode"],
        amber_fraction=float(d["amber_fraction"]),
        significance=float(d["significance"]),
    )
