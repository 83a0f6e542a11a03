"""Indicators' facts held in memory between batches.

A batch of results touches a few hundred indicators, each already seen by the
batch before. Reading each one's facts and answers back from the database and
decoding them again was the largest part of a batch's work; this keeps, per
indicator, exactly what ``state.load_indicators`` would read for a replay from
its newest moment on (its last definition, the last result of each period, the
last answer of each series, with everything at that moment, its decisions and
raised challenges), updated with what each batch writes. A replay from that
moment or later starts from it; an earlier start (a fact delivered late)
reads the database as before.

What is held must be what the database holds, whoever wrote it and whether
the transaction that wrote it committed. Every transaction that changes the
assessment's tables first calls :meth:`HeldFacts.begin`, which locks the one
row of ``asm_writer``, compares its token with the one this process wrote last
and drops everything held if they differ (a rolled-back batch, a savepoint
undone by a split batch, another process or service instance writing, another
database), then writes a new token. What a batch takes out is put back only
once its answers are written, so a batch that fails part-way leaves held
only indicators it did not touch, and its token was never committed.

Memory is bounded: at most ``capacity`` indicators are held, the least
recently used dropped first, so a national release over many thousand
indicators costs reads, not memory.
"""

from __future__ import annotations

import itertools
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from shared import codec

from .facts import Result
from .tables import writer
from .timeline import IndicatorFacts, moment

CAPACITY = 4_000  # indicators held: a large council's framework, several times
SLACK = 8  # facts and answers an indicator may gain before it is trimmed again

_SELECT_TOKEN = sa.select(writer.c.token).where(writer.c.id == 1).with_for_update()
_UPDATE_TOKEN = writer.update().where(writer.c.id == 1)


def ensure_writer_row(engine: Engine) -> None:
    """Create the token row if missing (at schema creation; another instance
    starting beside this one may create it first)."""
    try:
        with engine.begin() as conn:
            found = conn.execute(sa.select(writer.c.id).where(writer.c.id == 1))
            if found.first() is None:
                conn.execute(writer.insert().values(id=1, token=None))
    except sa.exc.IntegrityError:
        pass  # created by the other


class HeldFacts:
    """Facts of recently assessed indicators, valid while the token holds."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        # code -> (moment a replay may start from, facts, their size then)
        self._by_code: OrderedDict[str, tuple[str, IndicatorFacts, int]] = OrderedDict()
        self._taken: dict[str, tuple[str, int]] = {}
        self._token: str | None = None
        self._process = uuid.uuid4().hex
        self._count = itertools.count(1)
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._by_code)

    def begin(self, conn: Connection) -> None:
        """Start a change of the assessment's tables in ``conn``'s transaction."""
        row = conn.execute(_SELECT_TOKEN).first()
        if row is None or row[0] != self._token:
            self.clear()
        token = f"{self._process}:{next(self._count)}"
        if row is None:
            conn.execute(writer.insert().values(id=1, token=token))
        else:
            conn.execute(_UPDATE_TOKEN.values(token=token))
        self._token = token

    def clear(self) -> None:
        """Hold nothing."""
        self._by_code.clear()
        self._taken.clear()

    def forget(self, codes: Iterable[str]) -> None:
        """Drop ``codes`` (their facts change by a path that does not add them)."""
        for code in codes:
            self._by_code.pop(code, None)

    def take(
        self, start: Mapping[str, str]
    ) -> tuple[dict[str, IndicatorFacts], list[str]]:
        """The held facts of the codes a replay from ``start[code]`` can use,
        taken out until :meth:`keep` puts them back; and the codes to read."""
        found: dict[str, IndicatorFacts] = {}
        missing: list[str] = []
        for code, since in start.items():
            entry = self._by_code.pop(code, None)
            if entry is not None and since >= entry[0]:
                found[code] = entry[1]
                self._taken[code] = (entry[0], entry[2])
            else:
                missing.append(code)
                self._taken.pop(code, None)
        self.hits += len(found)
        self.misses += len(missing)
        return found, missing

    def keep(self, facts: IndicatorFacts) -> None:
        """Hold ``facts`` (as the database now has them), trimmed to its newest
        moment once they have grown by ``SLACK`` since last trimmed (until then
        they stay valid from the moment they were trimmed at); drop the least
        recently used beyond capacity."""
        if self.capacity <= 0:
            return
        size = _size(facts)
        was = self._taken.pop(facts.code, None)
        if was is not None and size <= was[1] + SLACK:
            horizon = was[0]
            size = was[1]
        else:
            horizon = trim(facts)
            size = _size(facts)
        self._by_code[facts.code] = (horizon, facts, size)
        self._by_code.move_to_end(facts.code)
        while len(self._by_code) > self.capacity:
            self._by_code.popitem(last=False)


def _size(facts: IndicatorFacts) -> int:
    return (
        len(facts.definitions)
        + len(facts.results)
        + sum(len(by_moment) for by_moment in facts.said.values())
    )


def trim(facts: IndicatorFacts) -> str:
    """Trim ``facts`` in place as ``state.load_indicators`` reads them for a
    replay from their newest moment; returns that moment."""
    # A key begins with its fixed-width moment, so the newest key holds the
    # newest moment.
    keys = [
        max((k for k, _ in facts.definitions), default=""),
        max((k for k, _ in facts.results), default=""),
        max((k for k, _, _ in facts.decisions), default=""),
    ]
    newest = moment(max(keys))
    said = [max(by_moment) for by_moment in facts.said.values() if by_moment]
    horizon = max(newest, *said) if said else newest
    if not horizon:
        return ""
    last_definition: tuple[str, dict[str, Any]] | None = None
    definitions = []
    for item in facts.definitions:
        if item[0] >= horizon:
            definitions.append(item)
        elif last_definition is None or item[0] > last_definition[0]:
            last_definition = item
    if last_definition is not None:
        definitions.append(last_definition)
    facts.definitions = definitions
    results: list[tuple[str, Result]] = []
    last: dict[date, tuple[str, Result]] = {}
    for result in facts.results:
        if result[0] >= horizon:
            results.append(result)
        else:
            found = last.get(result[1].period_end)
            if found is None or result[0] > found[0]:
                last[result[1].period_end] = result
    results.extend(last.values())
    facts.results = results
    for series, by_moment in facts.said.items():
        before = [at for at in by_moment if at < horizon]
        if len(before) > 1:
            in_force = max(before)
            facts.said[series] = {
                at: data for at, data in by_moment.items() if at >= in_force
            }
    return horizon


def added_facts(
    definitions: Iterable[Mapping[str, Any]], results: Iterable[Mapping[str, Any]]
) -> dict[str, IndicatorFacts]:
    """A batch's new definitions and results (rows as written) by code, decoded
    as ``state.load_indicators`` decodes them."""
    found: dict[str, IndicatorFacts] = {}
    for row in definitions:
        facts = found.setdefault(row["code"], IndicatorFacts(row["code"]))
        facts.definitions.append((row["key"], codec.loads(row["definition"])))
    for row in results:
        facts = found.setdefault(row["code"], IndicatorFacts(row["code"]))
        facts.results.append(
            (
                row["key"],
                Result(
                    date.fromisoformat(row["period_end"]),
                    codec.loads(row["value"]),
                    row["prediction"],
                    row["source"],
                ),
            )
        )
    return found


HELD = HeldFacts()
