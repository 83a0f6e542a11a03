"""What the admin pages read and send, as a small interface, and its embedded
implementation.

The admin pages depend on :class:`AdminPort` only. Every command takes the
API's own request body (the pydantic models of ``services/*/schemas.py`` and
``services/reporting/api.py``), so a form is checked by exactly the rules, and
refused with exactly the messages, that the JSON API uses. In embedded mode
:class:`EmbeddedAdmin` calls the services in this process, through the same
command code as the API's routes; a later ``web`` service in distributed mode
can satisfy the same Protocol by sending those bodies over HTTP.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from services.indicators import domain
from services.indicators.schemas import (
    IndicatorCreate,
    IndicatorUpdate,
    LeadIn,
    MilestonesIn,
    PointIn,
    RetireIn,
    SettingsIn,
    TargetIn,
    VersionIn,
)
from services.reporting.api import ActionIn, CompleteIn, DraftIn
from services.reporting.publishing import PaperDesk, Publishing, published_dir
from services.returns.schemas import RoundIn
from shared.errors import Invalid
from shared.http.auth import Principal, Role, TokenStore

if TYPE_CHECKING:
    from services.embedded import EmbeddedSystem
    from services.transfer import ImportReport


class AdminPort(Protocol):
    """The reads and commands behind the admin pages.

    Commands raise ``shared.errors.DomainError`` (with a ``detail`` and maybe a
    ``field``) when the system refuses them, as the API answers problem+json.
    """

    def indicators(self) -> list[dict[str, Any]]:
        """Every indicator now, retired ones too, with status."""

    def indicator(self, code: str) -> dict[str, Any]:
        """One indicator's definition, with the ``version`` a form must send back."""

    def register_indicator(self, body: IndicatorCreate, who: Principal) -> None:
        """Register an indicator (with baseline, target, milestones if given)."""

    def amend_indicator(
        self, code: str, body: IndicatorUpdate, expected: int | None, who: Principal
    ) -> None:
        """Change definition fields (title, polarity, frequency, tolerance ...)."""

    def set_lead(
        self, code: str, body: LeadIn, expected: int | None, who: Principal
    ) -> None:
        """Assign the lead organisation and named lead."""

    def set_baseline(
        self, code: str, body: PointIn, expected: int | None, who: Principal
    ) -> None:
        """Record the baseline."""

    def set_target(
        self, code: str, body: TargetIn, expected: int | None, who: Principal
    ) -> None:
        """Agree or revise the target, with its reason."""

    def set_milestones(
        self, code: str, body: MilestonesIn, expected: int | None, who: Principal
    ) -> None:
        """Set the interim targets (the trajectory)."""

    def retire_indicator(
        self, code: str, body: RetireIn, expected: int | None, who: Principal
    ) -> None:
        """Withdraw an indicator from the framework; its history is kept."""

    def settings(self) -> dict[str, Any]:
        """The framework settings in force."""

    def change_settings(self, body: SettingsIn, who: Principal) -> dict[str, Any]:
        """Change the framework settings; every indicator is reassessed."""

    def versions(self) -> list[dict[str, Any]]:
        """Published framework versions, oldest first."""

    def publish_version(self, body: VersionIn, who: Principal) -> dict[str, Any]:
        """Publish a framework version."""

    def rounds(self) -> list[dict[str, Any]]:
        """Every collection round."""

    def open_round(self, body: RoundIn, who: Principal) -> dict[str, Any]:
        """Open a collection round."""

    def close_round(self, round_id: str, who: Principal) -> dict[str, Any]:
        """Close a collection round."""

    def actions(self) -> list[dict[str, Any]]:
        """Every corrective action."""

    def assign_action(self, body: ActionIn, who: Principal) -> dict[str, Any]:
        """Record a corrective action with its owner and due date."""

    def complete_action(
        self, action_id: str, body: CompleteIn, who: Principal
    ) -> dict[str, Any]:
        """Mark a corrective action completed."""

    def paper(self, round_id: str) -> dict[str, Any]:
        """The round's Board covering paper: status, drafted text, edits."""

    def edit_paper(self, round_id: str, body: DraftIn, who: Principal) -> None:
        """Record the officer's own words for the Board covering paper."""

    def publish_paper(self, round_id: str, who: Principal) -> dict[str, Any]:
        """Issue the round's Board paper as it stands."""

    def tokens(self) -> list[dict[str, Any]]:
        """Every token's id, role, name and dates (never the token)."""

    def issue_token(
        self, role: Role, name: str, lead_email: str | None, who: Principal
    ) -> str:
        """A new token, shown this once."""

    def issue_link(
        self,
        name: str,
        lead_email: str,
        round_id: str,
        expires_at: datetime,
        who: Principal,
    ) -> str:
        """A lead's personal sign-in token for one round, until ``expires_at``."""

    def revoke_token(self, token_id: str, who: Principal) -> bool:
        """Revoke a token; False when no live token has that id."""

    def check_import(self, path: Path) -> ImportReport:
        """What importing the framework spreadsheet at ``path`` would change."""

    def apply_import(self, path: Path, who: Principal) -> ImportReport:
        """Import the spreadsheet at ``path``: every row or none."""


class TokenDesk:
    """Tokens and personal links, alike in both modes: each keeps them in a
    token store this process opens (the embedded log's, or the shared token
    database in distributed mode), so only the store and the round check differ.
    """

    @property
    def token_store(self) -> TokenStore:
        """Where tokens are kept."""
        raise NotImplementedError

    def check_round(self, round_id: str) -> None:
        """Raise ``NotFound`` for a round that does not exist."""
        raise NotImplementedError

    def tokens(self) -> list[dict[str, Any]]:
        return [dict(t) for t in self.token_store.list()]

    def issue_token(
        self, role: Role, name: str, lead_email: str | None, who: Principal
    ) -> str:
        try:
            return self.token_store.create(role, name, lead_email, by=who.actor)
        except ValueError as exc:
            raise Invalid(str(exc), field="role") from None

    def issue_link(
        self,
        name: str,
        lead_email: str,
        round_id: str,
        expires_at: datetime,
        who: Principal,
    ) -> str:
        self.check_round(round_id)
        return self.token_store.create_scoped(
            name, lead_email, round_id, expires_at, by=who.actor
        )

    def revoke_token(self, token_id: str, who: Principal) -> bool:
        return self.token_store.revoke(token_id, by=who.actor)


class EmbeddedAdmin(TokenDesk):
    """:class:`AdminPort` over the services of an embedded system."""

    def __init__(self, system: EmbeddedSystem) -> None:
        self.system = system
        self.desk = PaperDesk(
            Publishing(system.actions.store, published_dir(system.papers)),
            system.framework.engine,
            system.settings.council_name,
            system.settings.small_number_threshold,
        )

    def indicators(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.system.framework.current(True)["indicators"]
        return found

    def indicator(self, code: str) -> dict[str, Any]:
        return self.system.indicators.get(code).to_dict()

    def register_indicator(self, body: IndicatorCreate, who: Principal) -> None:
        self.system.indicators.register(body.model_dump(mode="python"), who.meta())

    def amend_indicator(
        self, code: str, body: IndicatorUpdate, expected: int | None, who: Principal
    ) -> None:
        changes = body.model_dump(mode="python", exclude_unset=True)
        reason = changes.pop("reason", None)
        self.system.indicators.execute(
            code,
            lambda s: domain.decide_amend(s, code, changes, reason),
            who.meta(),
            expected,
        )

    def set_lead(
        self, code: str, body: LeadIn, expected: int | None, who: Principal
    ) -> None:
        cmd = body.model_dump(mode="python", exclude_unset=True)
        self.system.indicators.execute(
            code, lambda s: domain.decide_lead(s, code, cmd), who.meta(), expected
        )

    def set_baseline(
        self, code: str, body: PointIn, expected: int | None, who: Principal
    ) -> None:
        self.system.indicators.execute(
            code,
            lambda s: domain.decide_baseline(s, code, body.value, body.period_end),
            who.meta(),
            expected,
        )

    def set_target(
        self, code: str, body: TargetIn, expected: int | None, who: Principal
    ) -> None:
        self.system.indicators.execute(
            code,
            lambda s: domain.decide_target(
                s, code, body.value, body.period_end, body.reason
            ),
            who.meta(),
            expected,
        )

    def set_milestones(
        self, code: str, body: MilestonesIn, expected: int | None, who: Principal
    ) -> None:
        points = [(m.value, m.period_end) for m in body.milestones]
        self.system.indicators.execute(
            code,
            lambda s: domain.decide_milestones(s, code, points),
            who.meta(),
            expected,
        )

    def retire_indicator(
        self, code: str, body: RetireIn, expected: int | None, who: Principal
    ) -> None:
        self.system.indicators.execute(
            code,
            lambda s: domain.decide_retire(s, code, body.reason),
            who.meta(),
            expected,
        )

    def settings(self) -> dict[str, Any]:
        return self.system.indicators.settings()

    def change_settings(self, body: SettingsIn, who: Principal) -> dict[str, Any]:
        return self.system.indicators.change_settings(
            body.model_dump(exclude_unset=True), who.meta()
        )

    def versions(self) -> list[dict[str, Any]]:
        return self.system.framework.versions()

    def publish_version(self, body: VersionIn, who: Principal) -> dict[str, Any]:
        return self.system.indicators.publish_version(body.label, body.note, who.meta())

    def rounds(self) -> list[dict[str, Any]]:
        return self.system.returns.list_rounds()

    def open_round(self, body: RoundIn, who: Principal) -> dict[str, Any]:
        return self.system.returns.open_round(
            body.model_dump(mode="python"), who.meta()
        )

    def close_round(self, round_id: str, who: Principal) -> dict[str, Any]:
        return self.system.returns.close_round(round_id, who.meta())

    def actions(self) -> list[dict[str, Any]]:
        return self.system.actions.list()

    def assign_action(self, body: ActionIn, who: Principal) -> dict[str, Any]:
        return self.system.actions.assign(body.model_dump(), who.meta())

    def complete_action(
        self, action_id: str, body: CompleteIn, who: Principal
    ) -> dict[str, Any]:
        return self.system.actions.complete(action_id, body.note, who.meta())

    def paper(self, round_id: str) -> dict[str, Any]:
        return self.desk.covering(round_id, "board")

    def edit_paper(self, round_id: str, body: DraftIn, who: Principal) -> None:
        self.desk.edit(round_id, "board", body.model_dump(), who.meta())

    def publish_paper(self, round_id: str, who: Principal) -> dict[str, Any]:
        return self.desk.publish(round_id, "board", who.meta())

    @property
    def token_store(self) -> TokenStore:
        return self.system.tokens

    def check_round(self, round_id: str) -> None:
        self.system.returns.get_round(round_id)

    def check_import(self, path: Path) -> ImportReport:
        from services.transfer import import_file

        return import_file(self.system, path, dry_run=True)

    def apply_import(self, path: Path, who: Principal) -> ImportReport:
        from services.transfer import import_file

        return import_file(self.system, path, actor=who.actor)
