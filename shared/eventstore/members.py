"""``column IN (a list)`` as one reusable statement, whatever the list's length.

SQLAlchemy renders ``column.in_(values)`` with one bound parameter per value
and does so again on every execution ("expanding" parameters), which cost a
batch consumer more than the queries themselves: about 6 µs a value, twice
over, for a 500-code batch. Here the list travels as one JSON text parameter
that the database unpacks (``json_each`` on SQLite,
``jsonb_array_elements_text`` on PostgreSQL), so the statement compiles once,
is cached like any other, and the driver binds a single string.

Only for text columns: both databases hand back the JSON array's strings as
text, and a composite key is compared as a row value.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from shared import codec


class _InJson(ColumnElement[bool]):
    """``(columns) IN`` the members of a JSON array bound as ``param``."""

    inherit_cache = True
    # Not Boolean: SQLAlchemy would write "IN (...) = 1" on SQLite, which no
    # index serves.
    type = sa.types.NullType()  # type: ignore[assignment]
    _traverse_internals = [
        ("columns", InternalTraversal.dp_clauseelement_tuple),
        ("param", InternalTraversal.dp_clauseelement),
    ]

    def __init__(
        self, columns: Sequence[ColumnElement[Any]], param: sa.BindParameter[str]
    ) -> None:
        self.columns = tuple(columns)
        self.param = param


def in_json(column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    """``column IN`` the strings of the JSON array bound as ``name``."""
    return _InJson([column], sa.bindparam(name, type_=sa.String()))


def row_in_json(
    columns: Sequence[ColumnElement[Any]], name: str
) -> ColumnElement[bool]:
    """``(columns) IN`` the rows (JSON arrays of strings) bound as ``name``."""
    return _InJson(columns, sa.bindparam(name, type_=sa.String()))


def members(values: Iterable[Any]) -> str:
    """The bound value for :func:`in_json` or :func:`row_in_json`."""
    return codec.dumps([list(v) if isinstance(v, tuple) else v for v in values])


def _left(element: _InJson, compiler: SQLCompiler, **kw: Any) -> str:
    cols = [compiler.process(c, **kw) for c in element.columns]
    return cols[0] if len(cols) == 1 else f"({', '.join(cols)})"


@compiles(_InJson, "sqlite")
def _sqlite(element: _InJson, compiler: SQLCompiler, **kw: Any) -> str:
    param = compiler.process(element.param, **kw)
    if len(element.columns) == 1:
        picked = "value"
    else:
        picked = ", ".join(
            f"json_extract(value, '$[{i}]')" for i in range(len(element.columns))
        )
    return (
        f"{_left(element, compiler, **kw)} IN (SELECT {picked} FROM json_each({param}))"
    )


@compiles(_InJson, "postgresql")
def _postgresql(element: _InJson, compiler: SQLCompiler, **kw: Any) -> str:
    param = compiler.process(element.param, **kw)
    if len(element.columns) == 1:
        source = f"jsonb_array_elements_text(CAST({param} AS jsonb))"
        return f"{_left(element, compiler, **kw)} IN (SELECT {source})"
    picked = ", ".join(f"m.v->>{i}" for i in range(len(element.columns)))
    return (
        f"{_left(element, compiler, **kw)} IN (SELECT {picked} FROM "
        f"jsonb_array_elements(CAST({param} AS jsonb)) AS m(v))"
    )


def per_member(param: str, lookup: str) -> dict[str, sa.TextClause]:
    """By dialect: each member of the list bound as ``param``, with the scalar
    ``lookup`` (SQL in which ``{m}`` stands for the member) beside it.

    Driven from the list, each lookup is one index step whatever the planner
    believes of the table: ``column IN (list)`` let PostgreSQL choose a scan
    of the whole table from statistics taken while it was still small (a
    tracking table grown to thousands of rows cost 50 ms a batch that way).
    """
    sources = {
        "postgresql": (
            f"jsonb_array_elements_text(CAST(:{param} AS jsonb)) AS m(v)",
            "m.v",
        ),
        "sqlite": (f"json_each(:{param}) AS m", "m.value"),
    }
    return {
        dialect: sa.text(f"SELECT {m}, ({lookup.format(m=m)}) FROM {source}")
        for dialect, (source, m) in sources.items()
    }


__all__ = ["in_json", "members", "per_member", "row_in_json"]
