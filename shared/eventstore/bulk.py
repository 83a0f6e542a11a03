"""Many rows through one statement at the driver's own speed.

``Connection.execute(statement, rows)`` processes every row's parameters in
Python (about 30 µs a row with its bookkeeping), which was a fifth of what a
read model spent per event. The statements consumers write in bulk have plain
column types (text, integers, booleans) that both drivers take as they are,
so :func:`executemany` compiles the statement once for the dialect and hands
the rows to the driver's ``executemany`` directly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.sql import Executable

_Entry = tuple[Any, str, list[str], dict[str, Any], "_Arrays | None"]
_COMPILED: dict[tuple[int, str, tuple[str, ...]], _Entry] = {}
_MAX = 512
_PARAM = re.compile(r"%\((\w+)\)s")  # a bound parameter (its cast, if any, stays)


@dataclass(frozen=True)
class _Arrays:
    """A PostgreSQL statement that takes every row at once: one array per
    column of values, unnested into rows (``INSERT ... SELECT FROM unnest``,
    ``UPDATE ... FROM unnest``).

    psycopg's ``executemany`` sends and the server executes one statement per
    row (bind, plan, execute: 15 µs of the server's CPU a row and as much
    again in the client); one statement over arrays does the same work for a
    batch in a single execution. An UPDATE is taken this way only when no two
    rows name the same row to change (``keys``), where applying each row in
    turn and applying them at once are the same.
    """

    sql: str
    names: list[str]  # the per-row parameters, in the order of the arrays
    keys: list[str]  # the per-row parameters the WHERE clause matches on


def _arrays(sql: str, names: list[str], compiled: Any, dialect: Any) -> _Arrays | None:
    """The array form of a compiled INSERT or UPDATE, when it has one."""
    per_row = [n for n in dict.fromkeys(names) if f"%({n})s" in sql]
    if not per_row or " RETURNING " in sql or " ON CONFLICT " in sql:
        return None
    types = {}
    for name in per_row:
        bind = compiled.binds.get(name)
        if bind is None or bind.type._isnull:
            return None
        types[name] = bind.type.compile(dialect=dialect)

    def column(match: re.Match[str]) -> str:
        name = match.group(1)
        return f'v."{name}"' if name in types else match.group(0)

    arrays = ", ".join(f"CAST(%({n})s AS {types[n]}[])" for n in per_row)
    source = (
        f"unnest({arrays}) AS v({', '.join(f'{chr(34)}{n}{chr(34)}' for n in per_row)})"
    )
    if sql.startswith("INSERT INTO "):
        head, sep, values = sql.partition(" VALUES (")
        if not sep or not values.endswith(")"):
            return None
        picked = _PARAM.sub(column, values[:-1])
        return _Arrays(f"{head} SELECT {picked} FROM {source}", per_row, [])
    if sql.startswith("UPDATE "):
        head, sep, where = sql.partition(" WHERE ")
        if not sep:
            return None
        keys = [n for n in per_row if f"%({n})s" in where]
        if not keys:
            return None
        changed, matched = _PARAM.sub(column, head), _PARAM.sub(column, where)
        return _Arrays(f"{changed} FROM {source} WHERE {matched}", per_row, keys)
    return None


def executemany(
    conn: Connection, statement: Executable, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Run ``statement`` once per row (each row a mapping of bind names)."""
    if not rows:
        return
    keys = tuple(rows[0])
    key = (id(statement), conn.dialect.name, keys)
    found = _COMPILED.get(key)
    if found is None or found[0] is not statement:
        compiled = statement.compile(  # type: ignore[attr-defined]
            dialect=conn.dialect, column_keys=list(keys), for_executemany=True
        )
        positional = compiled.positiontup
        sql = str(compiled)
        # By name: the parameters the SQL names (a literal's anonymous bind
        # is listed in ``binds`` under another name than the one it renders).
        names = (
            list(positional)
            if positional is not None
            else list(dict.fromkeys(_PARAM.findall(sql)))
        )
        # Values written into the statement itself (a literal in a WHERE).
        given = dict.fromkeys(keys)
        fixed = {
            n: v for n, v in compiled.construct_params(given).items() if n not in given
        }
        if len(_COMPILED) >= _MAX:
            _COMPILED.clear()
        # The statement is kept with its entry so its id cannot be reused.
        arrays = None
        if conn.dialect.name == "postgresql" and not conn.dialect.positional:
            arrays = _arrays(
                sql, [n for n in names if n in given], compiled, conn.dialect
            )
        found = _COMPILED[key] = (statement, sql, names, fixed, arrays)
    _, sql, names, fixed, arrays = found
    if arrays is not None and len(rows) > 1 and _distinct(rows, arrays.keys):
        bound: dict[str, Any] = dict(fixed)
        for name in arrays.names:
            bound[name] = array_text([row[name] for row in rows])
        if all(bound[name] is not None for name in arrays.names):
            conn.exec_driver_sql(arrays.sql, bound)
            return
    if fixed:
        rows = [{**fixed, **row} for row in rows]
    if conn.dialect.positional:
        params: list[Any] = _positional(rows, names)
    else:
        params = [{n: row[n] for n in names} for row in rows]
    conn.exec_driver_sql(sql, params)


def _positional(rows: Sequence[Mapping[str, Any]], names: list[str]) -> list[Any]:
    """Each row's values in ``names`` order, picked in C (``itemgetter``): a
    generator per row cost more than the driver's own work for the row."""
    if not names:
        return [() for _ in rows]
    if len(names) == 1:
        name = names[0]
        return [(row[name],) for row in rows]
    pick = itemgetter(*names)
    return [pick(row) for row in rows]


def array_text(values: list[Any]) -> str | None:
    """``values`` as a PostgreSQL array literal (``{"a","b",NULL}``), cast to
    the column's array type by the statement.

    Written here with string operations that run in C: psycopg adapts a list
    element by element in Python, which cost more than it saved the server.
    Every element is quoted (backslashes and quotes escaped), so text that
    looks like NULL, braces or commas stays text; booleans and numbers are
    written as PostgreSQL reads them.
    """
    parts = []
    for value in values:
        if value is None:
            parts.append("NULL")
        elif value is True or value is False:
            parts.append("t" if value else "f")
        elif isinstance(value, str | int | float):
            text = str(value)
            if "\\" in text or '"' in text:
                text = text.replace("\\", "\\\\").replace('"', '\\"')
            parts.append(f'"{text}"')
        else:
            return None  # a type this does not write: the driver adapts it
    return "{" + ",".join(parts) + "}"


def _distinct(rows: Sequence[Mapping[str, Any]], keys: list[str]) -> bool:
    """Whether no two rows name the same row to change (always, for inserts)."""
    if not keys:
        return True
    seen = {tuple(row[k] for k in keys) for row in rows}
    return len(seen) == len(rows)


__all__ = ["array_text", "executemany"]
