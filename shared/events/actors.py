"""Actor strings: who caused an event, as written in its envelope.

An actor is ``role:name`` and, for a caller with a token, ``#token-id`` after
it (``admin:Jane Smith#1a2b3c4d``), so two tokens with one name can be told
apart in the audit trail. Events recorded before token ids were added carry
``role:name`` alone; every reader accepts both.
"""

from __future__ import annotations

import re
from typing import NamedTuple

TOKEN_ID = re.compile(r"[0-9a-f]{8}")  # ``secrets.token_hex(4)``, see TokenStore


class Actor(NamedTuple):
    """The parts of an actor string."""

    role: str
    name: str
    token_id: str | None


def actor_string(role: str, name: str, token_id: str | None = None) -> str:
    """The actor string for a caller."""
    return f"{role}:{name}#{token_id}" if token_id else f"{role}:{name}"


def parse_actor(value: str) -> Actor:
    """The role, name and token id of an actor string (old or new form)."""
    role, _, rest = value.partition(":")
    if not rest:
        return Actor("", value, None)
    name, sep, token_id = rest.rpartition("#")
    if not sep or not TOKEN_ID.fullmatch(token_id):
        return Actor(role, rest, None)
    return Actor(role, name, token_id)


def actor_without_token(value: str) -> str:
    """``role:name`` for display, where the token id means nothing to a reader."""
    found = parse_actor(value)
    return f"{found.role}:{found.name}" if found.role else value
