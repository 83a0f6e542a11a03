"""HTTP routes of the indicators service (PRODUCT.md 7.1, 7.2a)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Response

from shared.events.envelope import Metadata
from shared.http.auth import Principal
from shared.http.deps import ExpectedVersion, require
from shared.http.links import created_links

from . import domain
from .domain import Indicator
from .handlers import IndicatorService
from .schemas import (
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

Admin = Annotated[Principal, Depends(require("admin"))]


def _public(ind: Indicator, response: Response) -> dict[str, Any]:
    response.headers["ETag"] = f'"{ind.version}"'
    return ind.to_dict()


def build_router(service: IndicatorService, list_versions: bool = True) -> APIRouter:
    """The indicators routes bound to ``service``.

    ``list_versions`` is off in embedded mode, where reporting lists versions.
    """
    router = APIRouter(prefix="/api/v1", tags=["indicators"])

    def meta(who: Principal) -> Metadata:
        return who.meta()

    @router.post(
        "/indicators",
        status_code=201,
        responses=created_links(
            "The indicator, registered",
            {"code": "$response.body#/code"},
            ("GET", "/api/v1/indicators/{code}"),
            ("GET", "/api/v1/indicators/{code}/history"),
            ("PATCH", "/api/v1/indicators/{code}"),
            ("PUT", "/api/v1/indicators/{code}/lead"),
            ("PUT", "/api/v1/indicators/{code}/baseline"),
            ("PUT", "/api/v1/indicators/{code}/target"),
            ("PUT", "/api/v1/indicators/{code}/milestones"),
            ("POST", "/api/v1/indicators/{code}/retire"),
        ),
    )
    def register(
        body: IndicatorCreate, who: Admin, response: Response
    ) -> dict[str, Any]:
        """Register an indicator in the framework."""
        ind = service.register(body.model_dump(mode="python"), meta(who))
        response.headers["Location"] = f"/api/v1/indicators/{quote(ind.code, safe='')}"
        return _public(ind, response)

    @router.put("/indicators/{code:path}/lead")
    def set_lead(
        code: str,
        body: LeadIn,
        who: Admin,
        response: Response,
        expected: ExpectedVersion,
    ) -> dict[str, Any]:
        """Assign or change the lead organisation and named lead."""
        cmd = body.model_dump(mode="python", exclude_unset=True)
        ind = service.execute(
            code, lambda s: domain.decide_lead(s, code, cmd), meta(who), expected
        )
        return _public(ind, response)

    @router.put("/indicators/{code:path}/baseline")
    def set_baseline(
        code: str,
        body: PointIn,
        who: Admin,
        response: Response,
        expected: ExpectedVersion,
    ) -> dict[str, Any]:
        """Record the baseline value and the period it is for."""
        ind = service.execute(
            code,
            lambda s: domain.decide_baseline(s, code, body.value, body.period_end),
            meta(who),
            expected,
        )
        return _public(ind, response)

    @router.put("/indicators/{code:path}/target")
    def set_target(
        code: str,
        body: TargetIn,
        who: Admin,
        response: Response,
        expected: ExpectedVersion,
    ) -> dict[str, Any]:
        """Agree or revise the target (due at the plan end unless given)."""
        ind = service.execute(
            code,
            lambda s: domain.decide_target(
                s, code, body.value, body.period_end, body.reason
            ),
            meta(who),
            expected,
        )
        return _public(ind, response)

    @router.put("/indicators/{code:path}/milestones")
    def set_milestones(
        code: str,
        body: MilestonesIn,
        who: Admin,
        response: Response,
        expected: ExpectedVersion,
    ) -> dict[str, Any]:
        """Set interim targets."""
        points = [(m.value, m.period_end) for m in body.milestones]
        ind = service.execute(
            code,
            lambda s: domain.decide_milestones(s, code, points),
            meta(who),
            expected,
        )
        return _public(ind, response)

    @router.post("/indicators/{code:path}/retire")
    def retire(
        code: str,
        who: Admin,
        response: Response,
        expected: ExpectedVersion,
        body: RetireIn | None = None,
    ) -> dict[str, Any]:
        """Withdraw an indicator from the framework; its history is kept."""
        reason = body.reason if body else None
        ind = service.execute(
            code, lambda s: domain.decide_retire(s, code, reason), meta(who), expected
        )
        return _public(ind, response)

    @router.patch("/indicators/{code:path}")
    def amend(
        code: str,
        body: IndicatorUpdate,
        who: Admin,
        response: Response,
        expected: ExpectedVersion,
    ) -> dict[str, Any]:
        """Change definition fields (title, polarity, unit, ...)."""
        changes = body.model_dump(mode="python", exclude_unset=True)
        reason = changes.pop("reason", None)
        ind = service.execute(
            code,
            lambda s: domain.decide_amend(s, code, changes, reason),
            meta(who),
            expected,
        )
        return _public(ind, response)

    @router.get("/indicators/{code:path}")
    def get_indicator(code: str, response: Response) -> dict[str, Any]:
        """One indicator's current definition (ETag carries its version)."""
        return _public(service.get(code), response)

    @router.post("/framework/versions", status_code=201)
    def publish_version(body: VersionIn, who: Admin) -> dict[str, Any]:
        """Publish an immutable numbered version of the framework definition."""
        return service.publish_version(body.label, body.note, meta(who))

    if list_versions:

        @router.get("/framework/versions")
        def versions() -> list[dict[str, Any]]:
            """Every published framework version, oldest first."""
            return service.versions()

    @router.get("/framework/settings")
    def get_settings() -> dict[str, Any]:
        """The framework settings in force (rag_mode, amber_fraction, significance)."""
        return service.settings()

    @router.put("/framework/settings")
    def put_settings(body: SettingsIn, who: Admin) -> dict[str, Any]:
        """Change framework settings; every indicator is reassessed."""
        return service.change_settings(body.model_dump(exclude_unset=True), meta(who))

    return router
