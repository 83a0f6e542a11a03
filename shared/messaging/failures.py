"""Telling a passing fault from a poison event.

A consumer that fails on an event must decide whether trying again can help.

* A *passing* fault is about the world, not the event: the database or the
  broker is unreachable or restarting, a timeout, a serialization failure or
  deadlock between transactions. It is retried without limit (with back-off)
  and the event is never dead-lettered or parked: when the dependency comes
  back, the event is applied as if nothing had happened.
* Anything else is *poison*: the consumer's own code raises on this event and
  will raise again on every retry. It is parked for that consumer (with the
  error), only its stream waits behind it, and everything else goes on.

Deciding wrongly either way is costly (a poison event retried for ever stops
a consumer; a passing fault treated as poison loses a valid event), so the
rule looks at the exception chain and the SQLSTATE, not at the message text,
except for SQLite's lock errors, which carry no code.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from sqlalchemy import exc as sa_exc

# PostgreSQL SQLSTATE classes and codes that mean "try again".
_PASSING_SQLSTATE_CLASSES = ("08", "53", "57", "58")  # connection, resources, operator
_PASSING_SQLSTATES = {"40001", "40P01", "55P03", "25006"}


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)  # SQLAlchemy's wrapped DBAPI error
        if isinstance(orig, BaseException) and id(orig) not in seen:
            seen.add(id(orig))
            yield orig
        current = current.__cause__ or current.__context__


def _sqlstate(exc: BaseException) -> str | None:
    code = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    return code if isinstance(code, str) else None


def is_passing(exc: BaseException) -> bool:
    """True when ``exc`` says a dependency is away or busy, not the event bad."""
    for err in _chain(exc):
        if isinstance(err, sa_exc.DBAPIError) and err.connection_invalidated:
            return True
        if isinstance(err, sa_exc.DisconnectionError | sa_exc.TimeoutError):
            return True
        if isinstance(err, sa_exc.InterfaceError):
            return True
        code = _sqlstate(err)
        if code is not None:
            # a PostgreSQL error with a code that is not transient is poison
            return code in _PASSING_SQLSTATES or code[:2] in _PASSING_SQLSTATE_CLASSES
        if isinstance(err, sqlite3.OperationalError):
            text = str(err).lower()
            if "locked" in text or "busy" in text or "unable to open" in text:
                return True
        if isinstance(err, ConnectionError | TimeoutError):
            return True
        if type(err).__module__.startswith(("kafka", "aiokafka")):
            return (
                bool(getattr(err, "retriable", False))
                or "Timeout" in type(err).__name__
                or "Connection" in type(err).__name__
                or "Broker" in type(err).__name__
            )
        if isinstance(err, sa_exc.OperationalError) and _is_psycopg_operational(
            err.orig
        ):
            return True
    return False


def _is_psycopg_operational(orig: BaseException | None) -> bool:
    """psycopg raises OperationalError (no SQLSTATE) when a server is unreachable."""
    if orig is None:
        return False
    return (
        type(orig).__module__.startswith("psycopg")
        and type(orig).__name__ == "OperationalError"
        and _sqlstate(orig) is None
    )


def describe(exc: BaseException) -> str:
    """One line for a log or a parked record: the exception's type and message."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}"[:2000]
