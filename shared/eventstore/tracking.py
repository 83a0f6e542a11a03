"""Tracking records that consumers commit in the same transaction as effects.

A consumer that crashes after its effects but before its tracking record
would redo the effects; one that records first would lose them. Writing both
in one transaction makes every consumer resume exactly where it stopped.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from shared.eventstore import bulk
from shared.eventstore.members import members, per_member
from shared.eventstore.schema import stream_tracking, tracking


def position(conn: Connection, consumer: str) -> int:
    """The last global position ``consumer`` processed (0 when none)."""
    query = sa.select(tracking.c.position).where(tracking.c.consumer == consumer)
    return int(conn.execute(query).scalar() or 0)


def set_position(conn: Connection, consumer: str, value: int) -> None:
    """Record that ``consumer`` has processed up to global position ``value``."""
    updated = conn.execute(
        tracking.update().where(tracking.c.consumer == consumer).values(position=value)
    )
    if updated.rowcount == 0:
        conn.execute(tracking.insert().values(consumer=consumer, position=value))


def stream_version(conn: Connection, consumer: str, stream: str) -> int:
    """The last version of ``stream`` that ``consumer`` processed (0 when none)."""
    query = sa.select(stream_tracking.c.version).where(
        stream_tracking.c.consumer == consumer, stream_tracking.c.stream == stream
    )
    return int(conn.execute(query).scalar() or 0)


def set_stream_version(
    conn: Connection, consumer: str, stream: str, version: int
) -> None:
    """Record that ``consumer`` has processed ``stream`` up to ``version``."""
    updated = conn.execute(
        stream_tracking.update()
        .where(
            stream_tracking.c.consumer == consumer,
            stream_tracking.c.stream == stream,
        )
        .values(version=version)
    )
    if updated.rowcount == 0:
        conn.execute(
            stream_tracking.insert().values(
                consumer=consumer, stream=stream, version=version
            )
        )


_VERSIONS = per_member(
    "streams",
    "SELECT t.version FROM stream_tracking t"
    " WHERE t.consumer = :consumer AND t.stream = {m}",
)
_UPDATE_VERSION = (
    stream_tracking.update()
    .where(
        stream_tracking.c.consumer == sa.bindparam("b_consumer"),
        stream_tracking.c.stream == sa.bindparam("b_stream"),
    )
    .values(version=sa.bindparam("b_version"))
)
_INSERT_VERSION = stream_tracking.insert()


def stream_versions(
    conn: Connection, consumer: str, streams: set[str]
) -> dict[str, int]:
    """The last version of each of ``streams`` that ``consumer`` processed
    (missing streams are absent: version 0), in a few statements for a batch."""
    found: dict[str, int] = {}
    names = sorted(streams)
    for start in range(0, len(names), 500):  # under SQLite's variable limit
        bound = {"consumer": consumer, "streams": members(names[start : start + 500])}
        rows = conn.execute(_VERSIONS[conn.dialect.name], bound)
        found.update({s: int(v) for s, v in rows if v is not None})
    return found


def set_stream_versions(
    conn: Connection, consumer: str, versions: dict[str, int], known: set[str]
) -> None:
    """Record many streams' versions at once; ``known`` are the streams that
    already have a tracking row (as read by :func:`stream_versions`)."""
    changed = [
        {"b_consumer": consumer, "b_stream": s, "b_version": v}
        for s, v in sorted(versions.items())
        if s in known
    ]
    new = [
        {"consumer": consumer, "stream": s, "version": v}
        for s, v in sorted(versions.items())
        if s not in known
    ]
    bulk.executemany(conn, _UPDATE_VERSION, changed)
    bulk.executemany(conn, _INSERT_VERSION, new)
