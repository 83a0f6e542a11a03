"""``IN (a JSON list)`` gives the same rows as ``IN (...)`` on SQLite and on a real
PostgreSQL server, for one column and for composite keys, with values that need
quoting (spaces, quotes, non-ASCII) and an empty list."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from shared.eventstore.engine import make_engine
from shared.eventstore.members import in_json, members, row_in_json

pytestmark = pytest.mark.e2e

_meta = sa.MetaData()
_rows = sa.Table(
    "members_probe",
    _meta,
    sa.Column("code", sa.String(100), primary_key=True),
    sa.Column("kind", sa.String(20), primary_key=True),
)
CODES = ["NI 50", "NI 'quoted'", 'NI "double"', "Ünïcode 7", "plain", "x,y"]
ROWS = [{"code": c, "kind": k} for c in CODES for k in ("a", "b")]


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sa.Engine]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("members") / "probe.db"
        eng = make_engine(f"sqlite:///{path}")
        _meta.create_all(eng)
        yield eng
        eng.dispose()
        return
    postgres: str = request.getfixturevalue("postgres")
    name = f"pmf_members_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(f"{postgres}/pmf_test", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    eng = make_engine(f"{postgres}/{name}")
    _meta.create_all(eng)
    try:
        yield eng
    finally:
        eng.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
        admin.dispose()


def test_one_column_and_composite_keys(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(_rows.insert(), ROWS)
    one = sa.select(_rows.c.code, _rows.c.kind).where(in_json(_rows.c.code, "codes"))
    two = sa.select(_rows.c.code, _rows.c.kind).where(
        row_in_json([_rows.c.code, _rows.c.kind], "keys")
    )
    wanted = [*CODES[:4], "missing"]
    keys = [(CODES[0], "a"), (CODES[1], "b"), (CODES[3], "b"), ("plain", "zz")]
    with engine.connect() as conn:
        got = set(conn.execute(one, {"codes": members(wanted)}).tuples())
        assert got == {(c, k) for c in CODES[:4] for k in ("a", "b")}
        got = set(conn.execute(two, {"keys": members(keys)}).tuples())
        assert got == set(keys[:3])
        assert conn.execute(one, {"codes": members([])}).all() == []
        assert conn.execute(two, {"keys": members([])}).all() == []


def test_a_scalar_lookup_per_member(engine: sa.Engine) -> None:
    """``per_member``: every member comes back once, in the list's order, with
    its lookup (NULL where nothing matches), on both databases."""
    from shared.eventstore.members import per_member

    with engine.begin() as conn:
        conn.execute(_rows.insert(), ROWS)
    query = per_member(
        "codes", "SELECT count(*) FROM members_probe p WHERE p.code = {m}"
    )[engine.dialect.name]
    wanted = [*CODES[:3], "missing", CODES[-1]]
    with engine.connect() as conn:
        found = [tuple(r) for r in conn.execute(query, {"codes": members(wanted)})]
        empty = list(conn.execute(query, {"codes": members([])}))
    assert found == [(c, 0 if c == "missing" else 2) for c in wanted]
    assert empty == []

    tracked = per_member(
        "codes", "SELECT max(p.kind) FROM members_probe p WHERE p.code = {m}"
    )[engine.dialect.name]
    with engine.connect() as conn:
        rows = dict(tuple(r) for r in conn.execute(tracked, {"codes": members(wanted)}))
    assert rows["missing"] is None and rows[CODES[0]] == "b"


_bulk = sa.Table(
    "bulk_probe",
    _meta,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("code", sa.String(32), nullable=False),
    sa.Column("period", sa.String(10), nullable=False),
    sa.Column("data", sa.Text),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("flag", sa.Boolean),
    sa.Column("source", sa.String(10)),
)


def _bulk_rows(engine: sa.Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(_bulk).order_by(_bulk.c.seq))]


def test_bulk_writes_are_the_same_as_one_row_at_a_time(engine: sa.Engine) -> None:
    """``bulk.executemany`` (arrays unnested on PostgreSQL, the driver's
    executemany on SQLite): inserts keep their order, NULLs, quotes and
    Unicode; updates add to a column, set literals, and a batch that names
    one row twice applies both, in order."""
    from shared.eventstore import bulk

    t = _bulk
    rows = [
        {"code": c, "period": p, "data": d, "count": 1, "flag": f, "source": None}
        for c, p, d, f in [
            ("NI 50", "2008-06-30", '{"v": "it\'s"}', True),
            ('NI "2"', "2008-06-30", None, None),
            ("Ünïcode", "2008-09-30", "x" * 5000, False),
            ("NI {1,2}", "2008-12-31", "NULL", True),
            ("back\\slash", "2008-12-31", 'a\\"b" {c,d} \\\\', None),
        ]
    ]
    update = (
        t.update()
        .where(t.c.code == sa.bindparam("k_code"), t.c.period == sa.bindparam("k_p"))
        .values(
            count=t.c.count + sa.bindparam("v_more"),
            data=sa.bindparam("v_data"),
            source="laa",
        )
    )
    with engine.begin() as conn:
        bulk.executemany(conn, t.insert(), rows)
        bulk.executemany(conn, t.insert(), [{**rows[0], "period": "2009-03-31"}])
        bulk.executemany(
            conn,
            update,
            [
                {"k_code": "NI 50", "k_p": "2008-06-30", "v_more": 2, "v_data": None},
                {"k_code": "Ünïcode", "k_p": "2008-09-30", "v_more": 5, "v_data": "é"},
                {"k_code": "none", "k_p": "2008-09-30", "v_more": 9, "v_data": "x"},
            ],
        )
        twice = {"k_code": 'NI "2"', "k_p": "2008-06-30", "v_data": "t"}
        bulk.executemany(
            conn,
            update,
            [{**twice, "v_more": 3}, {**twice, "v_more": 4, "v_data": "u"}],
        )
    assert [r[1:] for r in _bulk_rows(engine)] == [
        ("NI 50", "2008-06-30", None, 3, True, "laa"),
        ('NI "2"', "2008-06-30", "u", 8, None, "laa"),
        ("Ünïcode", "2008-09-30", "é", 6, False, "laa"),
        ("NI {1,2}", "2008-12-31", "NULL", 1, True, None),
        ("back\\slash", "2008-12-31", 'a\\"b" {c,d} \\\\', 1, None, None),
        ("NI 50", "2009-03-31", '{"v": "it\'s"}', 1, True, None),
    ]
