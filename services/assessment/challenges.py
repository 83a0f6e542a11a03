"""The Executive's decisions on flagged predictions (the challenge process)."""

from __future__ import annotations

from typing import Any, Literal

from shared.errors import Invalid, NotFound
from shared.events.catalogue import current_version
from shared.events.envelope import Metadata, NewEvent, iso, utc_now
from shared.eventstore.store import EventStore
from shared.messaging.consumers import ApplyContext

from . import state
from .memory import HELD
from .policy import reassess
from .state import fact_key, moment_of

DecisionKind = Literal["upheld", "lead_view_accepted"]


class ChallengeService:
    """Records decisions and reassesses the indicator in the same transaction."""

    def __init__(self, store: EventStore) -> None:
        self.store = store

    def decide(
        self,
        code: str,
        round_id: str,
        decision: DecisionKind,
        note: str | None,
        meta: Metadata,
    ) -> dict[str, Any]:
        """Decide on indicator ``code``'s flags at round ``round_id``."""
        with self.store.transaction() as conn:
            found = [r for r in state.load_rounds(conn) if r.id == round_id]
            if not found:
                raise NotFound(f"No round {round_id!r}")
            data, _raised = state.load_round_assessment(conn, round_id, code)
            if data is None:
                raise NotFound(
                    f"No assessment of indicator {code!r} at round {round_id!r}"
                )
            if not data["flags"]:
                raise Invalid(
                    f"Indicator {code!r} has no challenge flags at round {round_id!r}: "
                    "there is nothing to decide",
                    field="indicator_code",
                )
            record = {
                "decision": decision,
                "note": note,
                "decided_by": meta.actor,
                "decided_at": iso(utc_now()),
            }
            ctx = ApplyContext(conn=conn, store=self.store)
            event = NewEvent(
                type="ChallengeDecided",
                data={
                    "indicator_code": code,
                    "round_id": round_id,
                    **record,
                    "computed_status": data["computed_status"],
                    "prediction": (data["latest"] or {}).get("prediction"),
                },
                schema_version=current_version("ChallengeDecided"),
            )
            (decided,) = ctx.emit(f"challenge:{round_id}:{code}", [event], meta)
            # The decision is a fact from the moment it was recorded: answers
            # from then on show it, earlier ones do not.
            at = moment_of(decided)
            HELD.begin(conn)
            HELD.forget([code])  # read again with the decision
            state.record_decision(conn, round_id, code, fact_key(decided), record)
            reassess(ctx, {code: at}, meta)
            after, _ = state.load_round_assessment(conn, round_id, code)
        self.store.notify_committed(ctx.emitted)
        assert after is not None
        return {
            "indicator_code": code,
            "round_id": round_id,
            **record,
            "computed_status": after["computed_status"],
            "decided_status": after["decided_status"],
            "shown_status": after["shown_status"],
            "flags": after["flags"],
        }
