"""Closing a round is not refused because the deadline job wrote to the same round
a moment earlier (both append to the round's stream)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.embedded import EmbeddedSystem
from shared.events.envelope import Metadata


def test_a_close_that_meets_the_deadline_job_is_decided_again(
    system: EmbeddedSystem, monkeypatch: pytest.MonkeyPatch
) -> None:
    returns = system.returns
    returns.open_round(
        {
            "id": "2008-H1",
            "period_end": date(2008, 9, 30),
            "requested": date(2008, 9, 30),
            "deadline": date(2099, 12, 31),
        },
        Metadata(actor="admin:test"),
    )
    # The deadline job's clock has passed the deadline (as it does when a round
    # is opened and closed backdated, the way the demo loads its history).
    monkeypatch.setattr(returns, "today", lambda: date(2100, 1, 1))
    read = returns.store.read_stream
    moved: list[str] = []

    def read_then_deadline_job(stream: str, conn: Any = None) -> Any:
        events = read(stream, conn)
        if not moved:  # the job records the passed deadline after this read
            moved.extend(returns.mark_deadlines(Metadata(actor="service:deadlines")))
        return events

    monkeypatch.setattr(returns.store, "read_stream", read_then_deadline_job)
    closed = returns.close_round("2008-H1", Metadata(actor="admin:test"))
    assert moved == ["2008-H1"]
    assert closed["closed"] is True and closed["deadline_passed"] is True
