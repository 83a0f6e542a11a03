"""HTTP routes of the returns service (PRODUCT.md 7.1, 7.2a)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query

from shared.http.auth import Principal
from shared.http.deps import require
from shared.http.links import created_links
from shared.http.schemas import PlanDate

from .handlers import ReturnsService
from .schemas import ReturnIn, RoundIn

Admin = Annotated[Principal, Depends(require("admin"))]
Lead = Annotated[Principal, Depends(require("lead", "admin"))]
System = Annotated[Principal, Depends(require("system", "admin"))]


def build_router(service: ReturnsService) -> APIRouter:
    """The returns routes bound to ``service``."""
    router = APIRouter(prefix="/api/v1", tags=["returns"])

    @router.post("/returns", status_code=201)
    def submit_return(body: ReturnIn, who: Lead) -> dict[str, Any]:
        """Submit a result (a second one for the same period is a correction)."""
        lead_email = who.lead_email or "" if who.role == "lead" else None
        try:
            return service.submit(
                body.model_dump(mode="python"), who.meta(), lead_email, who.round_id
            )
        except PermissionError as exc:
            raise HTTPException(403, str(exc)) from exc

    @router.post("/laa-results")
    def laa_results(
        who: System,
        body: Annotated[list[Any], Body(max_length=10_000)],
    ) -> dict[str, Any]:
        """Accept a batch of LAA stream messages; answers per item by result_id."""
        meta = who.meta()
        outcomes = service.receive_laa_many(
            [item if isinstance(item, dict) else _raw(item) for item in body], meta
        )
        counts = {
            k: sum(o.outcome == k for o in outcomes)
            for k in ("accepted", "duplicate", "rejected")
        }
        return {"results": [o.to_dict() for o in outcomes], **counts}

    @router.post(
        "/rounds",
        status_code=201,
        responses=created_links(
            "The round, opened",
            {"round_id": "$response.body#/id"},
            ("GET", "/api/v1/rounds/{round_id}"),
            ("GET", "/api/v1/rounds/{round_id}/outstanding"),
            ("POST", "/api/v1/rounds/{round_id}/close"),
            ("GET", "/api/v1/reports/{round_id}/{kind}"),
        ),
    )
    def open_round(body: RoundIn, who: Admin) -> dict[str, Any]:
        """Open a collection round."""
        return service.open_round(body.model_dump(mode="python"), who.meta())

    @router.get("/rounds")
    def list_rounds() -> list[dict[str, Any]]:
        """Every collection round, newest first."""
        return service.list_rounds()

    @router.get("/rounds/scope/default")
    def default_scope(
        period_end: Annotated[PlanDate, Query(description="The round's period end")],
    ) -> dict[str, Any]:
        """The indicators a round ending ``period_end`` asks for when it is opened
        without a scope: measurable, not retired, and due by their frequency."""
        return {
            "period_end": period_end.isoformat(),
            "scope": service.default_scope(period_end),
        }

    @router.get("/rounds/{round_id}")
    def get_round(round_id: str) -> dict[str, Any]:
        """One collection round."""
        return service.get_round(round_id)

    @router.post("/rounds/{round_id}/close")
    def close_round(round_id: str, who: Admin) -> dict[str, Any]:
        """Close a round; missing returns are flagged."""
        return service.close_round(round_id, who.meta())

    @router.get("/rounds/{round_id}/outstanding")
    def outstanding(round_id: str) -> dict[str, Any]:
        """Returns still owed, by lead, with when each lead was asked and reminded."""
        return service.outstanding(round_id)

    return router


def _raw(item: Any) -> str:
    import json

    return json.dumps(item)
