"""What every staff page reads and sends, as a small interface, and its embedded
implementation.

The pages depend on :class:`WebPort` only: the admin pages' commands
(:class:`~services.web.admin_port.AdminPort`) and the reads and sends of the
framework, indicator, round, equalities, versions and reports pages. Each
method is one of the API's own routes (PRODUCT.md section 7), with the same
arguments and answers, so the port can be met in two ways:

- embedded mode (``pmf run``): :class:`EmbeddedWeb` calls the services in this
  process, as the API's route handlers do;
- distributed mode (``pmf serve web``): :class:`services.web.http_port.HttpWeb`
  sends the same requests to the service that owns each route.

Commands raise ``shared.errors.DomainError`` (``NotFound``, ``Invalid`` with a
``field``, ``Conflict``) or ``PermissionError``, whichever way the port is met,
so a form shows the same message in both modes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from services.reporting.equalities import EqualityQueries
from shared.errors import NotFound
from shared.http.auth import Principal

from . import challenge_board
from .admin_port import AdminPort, EmbeddedAdmin

if TYPE_CHECKING:
    from services.embedded import EmbeddedSystem


class WebPort(AdminPort, Protocol):
    """The reads and sends behind every staff page."""

    def moved(self) -> int:
        """A number that changes when the read models may have changed (the
        page footer's plan is worked out again only then)."""

    def framework(
        self, as_of: str | None = None, version: int | None = None
    ) -> dict[str, Any]:
        """The framework now, as of a moment or at a version, retired
        indicators included (``GET /api/v1/framework``)."""

    def history(self, code: str) -> dict[str, Any]:
        """An indicator's full history (``GET .../indicators/{code}/history``)."""

    def diff(self, first: int, second: int) -> dict[str, Any]:
        """What changed between two versions (``GET /api/v1/framework/diff``)."""

    def round(self, round_id: str) -> dict[str, Any]:
        """One collection round (``GET /api/v1/rounds/{id}``)."""

    def outstanding(self, round_id: str) -> dict[str, Any]:
        """A round's progress and the returns still owed."""

    def challenges(self, round_id: str) -> list[dict[str, Any]]:
        """The flagged assessments at a round, each with ``raised``: the flag
        codes raised as challenges (``GET /api/v1/challenges?round=``)."""

    def comparators(self, code: str) -> dict[str, Any]:
        """An indicator's comparison with England, the region and neighbours."""

    def groups(self, code: str) -> dict[str, Any]:
        """An indicator's groups of children (``.../indicators/{code}/groups``)."""

    def equalities(self) -> dict[str, Any]:
        """Groups behind all children across the framework."""

    def indicator_actions(self, code: str) -> list[dict[str, Any]]:
        """The corrective actions on one indicator."""

    def submit_return(self, body: dict[str, Any], who: Principal) -> dict[str, Any]:
        """A lead's (or an admin's) return, as ``POST /api/v1/returns`` takes it;
        ``PermissionError`` when the lead may not send it."""

    def decide(
        self,
        code: str,
        round_id: str,
        decision: str,
        note: str | None,
        who: Principal,
    ) -> dict[str, Any]:
        """The Executive's decision on a challenge at a round."""


class EmbeddedWeb(EmbeddedAdmin):
    """:class:`WebPort` over the services of an embedded system."""

    def __init__(self, system: EmbeddedSystem) -> None:
        super().__init__(system)
        self.equality = EqualityQueries(
            system.framework, system.settings.small_number_threshold
        )

    def moved(self) -> int:
        return self.system.read_models_moved

    def framework(
        self, as_of: str | None = None, version: int | None = None
    ) -> dict[str, Any]:
        queries = self.system.framework
        if version is not None:
            return queries.version(version)
        if as_of is not None:
            return queries.as_of(as_of)
        return queries.current()

    def history(self, code: str) -> dict[str, Any]:
        return self.system.framework.history(code)

    def diff(self, first: int, second: int) -> dict[str, Any]:
        return self.system.framework.diff(first, second)

    def round(self, round_id: str) -> dict[str, Any]:
        return self.system.returns.get_round(round_id)

    def outstanding(self, round_id: str) -> dict[str, Any]:
        return self.system.returns.outstanding(round_id)

    def challenges(self, round_id: str) -> list[dict[str, Any]]:
        try:
            assessed = self.system.assessments.list(round_id=round_id)
        except NotFound:
            return []
        raised = challenge_board.raised_at(self.system.assessments.engine, round_id)
        return [
            {**a, "raised": sorted(raised.get(f"{round_id}|{a['indicator_code']}", ()))}
            for a in assessed
            if a["flags"]
        ]

    def comparators(self, code: str) -> dict[str, Any]:
        return self.system.comparators.comparators(code)

    def groups(self, code: str) -> dict[str, Any]:
        return self.equality.indicator(code)

    def equalities(self) -> dict[str, Any]:
        return self.equality.framework()

    def indicator_actions(self, code: str) -> list[dict[str, Any]]:
        return self.system.actions.list(indicator_code=code)

    def submit_return(self, body: dict[str, Any], who: Principal) -> dict[str, Any]:
        # As the API's route: a lead's returns are checked against their e-mail.
        lead_email = who.lead_email or "" if who.role == "lead" else None
        return self.system.returns.submit(body, who.meta(), lead_email, who.round_id)

    def decide(
        self,
        code: str,
        round_id: str,
        decision: str,
        note: str | None,
        who: Principal,
    ) -> dict[str, Any]:
        return self.system.challenges.decide(
            code,
            round_id,
            decision,  # type: ignore[arg-type]
            note,
            who.meta(),
        )


__all__ = ["EmbeddedWeb", "WebPort"]
