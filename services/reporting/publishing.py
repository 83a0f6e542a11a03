"""Issuing a round's paper: the officer's edits, then publication, both as events.

A paper sent to the Board is a record: what the Board read must be what the
system shows for that round for good, whatever is corrected afterwards. So
publishing appends ``ReportPublished`` to the stream ``report:<round>:<kind>``
holding the whole snapshot the paper was laid out from, with its content digest
(SHA-256 of the snapshot's canonical JSON). From then on the round's paper is
laid out from that snapshot, never from the read models: a later correction
changes the live framework, not the published paper, and a replay (which
rebuilds read models, not the log) gives the same bytes, because rendering is a
pure function of the snapshot (``reports``). The rendered documents are kept
in ``<data_dir>/published`` by digest and format and served from there; a
machine without them (a fresh data directory, another service instance) lays
them out again from the event, to the same bytes.

Before publication the officer may replace the drafted purpose, summary and
recommendations with their own words (``ReportDraftEdited``, with the actor in
its envelope); the latest edit counts, a field left empty goes back to the
drafted text. A published paper cannot be edited or published again: a
changed paper is a new round's business.

The store is the reporting service's own (embedded: the one log; distributed:
its database, relayed to ``pmf.reporting``), so both modes read and write the
same stream the same way.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shared.errors import Conflict, Invalid
from shared.events.actors import parse_actor
from shared.events.catalogue import current_version
from shared.events.envelope import EventEnvelope, Metadata, NewEvent
from shared.eventstore.store import EventStore

from .snapshot import ReportKind, build_snapshot

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from .papers import Papers

EDITABLE = ("purpose", "summary", "recommendations")
DRAFT_KINDS = ("board",)  # only the Board paper has a covering paper to edit
ROLE_WORDS = {"admin": "the performance team", "executive": "the Executive"}


def content_digest(snapshot: dict[str, Any]) -> str:
    """SHA-256 of the snapshot's canonical JSON: what the published paper says."""
    text = json.dumps(
        snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stream_of(round_id: str, kind: str) -> str:
    return f"report:{round_id}:{kind}"


class Publishing:
    """Edits and publication of round papers, read back from the log."""

    def __init__(self, store: EventStore, published_dir: Path | None = None) -> None:
        self.store = store
        self.published_dir = published_dir

    def history(self, round_id: str, kind: str) -> list[EventEnvelope]:
        return self.store.read_stream(stream_of(round_id, kind))

    def published(self, round_id: str, kind: str) -> EventEnvelope | None:
        """The ``ReportPublished`` event of the round's paper, if it was issued."""
        return next(
            (e for e in self.history(round_id, kind) if e.type == "ReportPublished"),
            None,
        )

    def edits(self, round_id: str, kind: str) -> dict[str, Any]:
        """The officer's latest edit (empty when the paper is as drafted)."""
        found: dict[str, Any] = {}
        for e in self.history(round_id, kind):
            if e.type == "ReportDraftEdited":
                found = {
                    k: e.data.get(k) for k in EDITABLE if e.data.get(k) is not None
                }
        return found

    def edit(
        self, round_id: str, kind: str, texts: dict[str, str | None], meta: Metadata
    ) -> dict[str, Any]:
        """Record the officer's own purpose, summary and recommendations."""
        if kind not in DRAFT_KINDS:
            raise Invalid("Only the Board paper has a covering paper to edit", "kind")
        history = self.history(round_id, kind)
        if any(e.type == "ReportPublished" for e in history):
            raise Conflict(
                f"The {kind} paper of round {round_id} is published: it cannot change"
            )
        data: dict[str, Any] = {"round_id": round_id, "kind": kind}
        data.update({k: (texts.get(k) or None) for k in EDITABLE})
        event = NewEvent(
            type="ReportDraftEdited",
            data=data,
            schema_version=current_version("ReportDraftEdited"),
        )
        self.store.append(stream_of(round_id, kind), len(history), [event], meta)
        return {"round_id": round_id, "kind": kind, "edits": self.edits(round_id, kind)}

    def publish(
        self,
        round_id: str,
        kind: str,
        draft: Callable[[], dict[str, Any]],
        meta: Metadata,
    ) -> dict[str, Any]:
        """Issue the paper ``draft()`` builds now; refused if already issued."""
        history = self.history(round_id, kind)
        if any(e.type == "ReportPublished" for e in history):
            raise Conflict(f"The {kind} paper of round {round_id} is already published")
        snapshot = draft()
        snapshot.pop("publication", None)
        data = {
            "round_id": round_id,
            "kind": kind,
            "content_digest": content_digest(snapshot),
            "snapshot": snapshot,
        }
        event = NewEvent(
            type="ReportPublished",
            data=data,
            schema_version=current_version("ReportPublished"),
        )
        self.store.append(stream_of(round_id, kind), len(history), [event], meta)
        found = self.published(round_id, kind)
        assert found is not None
        return publication_of(found)

    def stored(self, digest: str, fmt: str) -> bytes | None:
        """A published paper's rendering kept on disk, if there is one."""
        if self.published_dir is None:
            return None
        path = self.published_dir / f"{digest}.{fmt}"
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

    def keep(self, digest: str, fmt: str, body: bytes) -> None:
        """Keep a published paper's rendering (written whole, then renamed)."""
        if self.published_dir is None:
            return
        self.published_dir.mkdir(parents=True, exist_ok=True)
        temporary = self.published_dir / f".{digest}.{fmt}.tmp"
        temporary.write_bytes(body)
        temporary.replace(self.published_dir / f"{digest}.{fmt}")


def published_dir(papers: Papers) -> Path | None:
    """Where published renderings are kept: beside the papers' cache."""
    return papers.cache.directory.parent / "published" if papers.cache else None


class PaperDesk:
    """A round's paper before and at issue: the snapshot it would be laid out
    from now, the officer's edits and publication. The API and the admin page
    both work through one of these, so they say and refuse the same things."""

    def __init__(
        self,
        publishing: Publishing,
        engine: Engine,
        council: str,
        small_number_threshold: int,
    ) -> None:
        self.publishing = publishing
        self.engine = engine
        self.council = council
        self.small_number_threshold = small_number_threshold

    def snapshot(self, round_id: str, kind: ReportKind) -> dict[str, Any]:
        """The read models' snapshot of the round (404 for an unknown round)."""
        return build_snapshot(
            self.engine, round_id, kind, self.council, self.small_number_threshold
        )

    def draft_snapshot(self, round_id: str, kind: ReportKind) -> dict[str, Any]:
        """The paper as it would be issued now: the read models and the edits."""
        snapshot = self.snapshot(round_id, kind)
        edits = self.publishing.edits(round_id, kind)
        if edits:
            snapshot["edits"] = edits
        return snapshot

    def covering(self, round_id: str, kind: ReportKind) -> dict[str, Any]:
        """What the officer's edit page shows: whether the paper is published,
        the drafted text (what the paper says without edits) and the officer's
        own words so far. Texts are as the API takes them: summary paragraphs
        separated by a blank line, one recommendation a line."""
        from .reports.narrative import covering_text

        drafted = covering_text({**self.snapshot(round_id, kind), "edits": {}})
        issued = self.publishing.published(round_id, kind)
        return {
            "round_id": round_id,
            "kind": kind,
            "status": "published" if issued is not None else "draft",
            "publication": publication_of(issued) if issued is not None else None,
            "edits": self.publishing.edits(round_id, kind),
            "drafted": {
                "purpose": drafted.purpose,
                "summary": "\n\n".join(
                    p for section in drafted.summary for p in section.paragraphs
                ),
                "recommendations": "\n".join(drafted.recommendations),
            },
        }

    def edit(
        self,
        round_id: str,
        kind: ReportKind,
        texts: dict[str, str | None],
        meta: Metadata,
    ) -> dict[str, Any]:
        """Record the officer's words (the round must exist)."""
        self.snapshot(round_id, kind)
        return self.publishing.edit(round_id, kind, texts, meta)

    def publish(
        self, round_id: str, kind: ReportKind, meta: Metadata
    ) -> dict[str, Any]:
        """Issue the paper as it stands now."""
        return self.publishing.publish(
            round_id, kind, lambda: self.draft_snapshot(round_id, kind), meta
        )


def publication_of(event: EventEnvelope) -> dict[str, Any]:
    """What the API says about a publication, and what the paper prints."""
    role = parse_actor(event.actor).role
    return {
        "status": "published",
        "round_id": event.data["round_id"],
        "kind": event.data["kind"],
        "content_digest": event.data["content_digest"],
        "published_at": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "published_by": "by " + ROLE_WORDS.get(role, role or "the council"),
    }


def published_snapshot(event: EventEnvelope) -> dict[str, Any]:
    """The snapshot a published paper is laid out from, marked as published."""
    snapshot = dict(event.data["snapshot"])
    snapshot["publication"] = publication_of(event)
    return snapshot
