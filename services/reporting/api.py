"""HTTP routes of the reporting service (PRODUCT.md 7.1)."""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from shared.errors import Invalid
from shared.http.auth import Principal
from shared.http.deps import require
from shared.http.links import created_links
from shared.http.problems import problem
from shared.http.schemas import (
    Body,
    Code,
    FreeText,
    LongText,
    PlanDate,
)
from shared.http.security_headers import DOCUMENT_POLICY

from .actions import ActionService
from .equalities import EqualityQueries
from .framework_cache import EncodedCache, etag_matches
from .papers import Busy, PaperLimits, Papers
from .publishing import PaperDesk, Publishing, published_dir, published_snapshot
from .queries import FrameworkQueries, parse_as_of
from .reports import MEDIA_TYPES
from .snapshot import build_snapshot

export_log = logging.getLogger("pmf.audit")
Directing = Annotated[Principal, Depends(require("admin", "executive"))]
Issuing = Annotated[Principal, Depends(require("admin"))]
Format = Literal["json", "html", "pdf", "docx", "xlsx"]


class ActionIn(Body):
    """A corrective action the Board directed."""

    indicator_code: Code
    round_id: Annotated[
        str | None, Field(max_length=40, pattern=r"^[A-Za-z0-9._-]+$")
    ] = None
    description: Annotated[str, Field(min_length=1, max_length=2000), FreeText]
    owner: Annotated[str, Field(min_length=1, max_length=200), FreeText]
    due: PlanDate


class DraftIn(Body):
    """The officer's own words for the covering paper; empty or absent means
    the drafted text. The summary's paragraphs are separated by a blank line;
    one recommendation a line."""

    purpose: LongText | None = None
    summary: LongText | None = None
    recommendations: LongText | None = None


class CompleteIn(Body):
    """What was done."""

    note: LongText | None = None


def build_router(
    queries: FrameworkQueries,
    actions: ActionService,
    council: str = "Northshire County Council",
    small_number_threshold: int = 5,
    papers: Papers | None = None,
) -> APIRouter:
    """The reporting routes; ``papers`` renders (and caches) the documents."""
    router = APIRouter(prefix="/api/v1", tags=["reporting"])
    renderer = papers or Papers(None, PaperLimits())
    publishing = Publishing(actions.store, published_dir(renderer))
    desk = PaperDesk(publishing, queries.engine, council, small_number_threshold)
    draft_snapshot = desk.draft_snapshot

    async def rendered(snapshot: dict[str, Any], fmt: str, digest: str | None) -> bytes:
        """A paper's bytes: a published one from its stored rendering."""
        from .reports import render

        if digest is not None:
            kept = await run_in_threadpool(publishing.stored, digest, fmt)
            if kept is not None:
                return kept
        body = (
            render(snapshot, fmt)  # no layout: as quick as a read
            if fmt == "json"
            else await renderer.paper(snapshot, fmt)
        )
        if digest is not None:
            await run_in_threadpool(publishing.keep, digest, fmt, body)
        return body

    cache = EncodedCache(queries.change_key, size=64)

    @router.get(
        "/framework",
        response_model=dict[str, Any],
        responses={304: {"description": "Not modified (If-None-Match matched)"}},
    )
    def framework(
        as_of: Annotated[str | None, Query(max_length=40)] = None,
        version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
        include_retired: bool = True,
        if_none_match: Annotated[str | None, Header(max_length=2000)] = None,
    ) -> Response:
        """The framework now, as of a time or at a version, with status.

        Served from bodies encoded once per read-model position; the ``ETag``
        lets a client ask again with ``If-None-Match`` and get 304.
        """
        if as_of is not None and version is not None:
            raise Invalid("Give as_of or version, not both", "as_of")
        if version is not None:
            key: tuple[Any, ...] = ("version", version, include_retired)
            encoded = cache.get(key, lambda: queries.version(version, include_retired))
        elif as_of is not None:
            at = parse_as_of(as_of)
            key = ("as_of", at, include_retired)
            encoded = cache.get(key, lambda: queries.as_of(at, include_retired))
        else:
            key = ("current", include_retired)
            encoded = cache.get(key, lambda: queries.current(include_retired))
        headers = {"ETag": encoded.etag, "Cache-Control": "no-cache"}
        if etag_matches(if_none_match, encoded.etag):
            return Response(status_code=304, headers=headers)
        return Response(encoded.body, media_type="application/json", headers=headers)

    @router.get("/indicators")
    def list_indicators(
        missing: Literal["lead_organisation", "named_lead", "target"] | None = None,
        measurable: bool | None = None,
        laa: bool | None = None,
        status: Literal["GREEN", "AMBER", "RED", "GREY"] | None = None,
        outcome: Annotated[str | None, Query(max_length=200)] = None,
        include_retired: bool = False,
    ) -> list[dict[str, Any]]:
        """Indicators now, filtered; ``missing=target`` lists measurable ones only."""
        found: list[dict[str, Any]] = queries.current(include_retired)["indicators"]
        if missing == "target":
            found = [i for i in found if i["measurable"] and i["target"] is None]
        elif missing is not None:
            found = [i for i in found if not i[missing]]
        if measurable is not None:
            found = [i for i in found if i["measurable"] == measurable]
        if laa is not None:
            found = [i for i in found if i["laa"] == laa]
        if status is not None:
            found = [i for i in found if i["status"] == status]
        if outcome is not None:
            found = [i for i in found if i["outcome"] == outcome]
        return found

    @router.get("/framework/gaps")
    def gaps() -> dict[str, list[dict[str, Any]]]:
        """No lead organisation, no named lead, no target, target needed later."""
        return queries.gaps()

    @router.get("/framework/versions")
    def list_versions() -> list[dict[str, Any]]:
        """Every published framework version, oldest first."""
        return queries.versions()

    @router.get("/framework/diff")
    def diff(
        from_: Annotated[int, Query(alias="from", ge=1, le=1_000_000)],
        to: Annotated[int, Query(ge=1, le=1_000_000)],
    ) -> dict[str, Any]:
        """Indicators added, retired and changed (field by field) between versions."""
        return queries.diff(from_, to)

    @router.get("/indicators/{code:path}/history")
    def history(code: str) -> dict[str, Any]:
        """An indicator's full history: definition, results, assessments, decisions."""
        return queries.history(code)

    equalities = EqualityQueries(queries, small_number_threshold)

    @router.get("/indicators/{code:path}/groups")
    def groups(
        code: str, as_of: Annotated[str | None, Query(max_length=40)] = None
    ) -> dict[str, Any]:
        """Each group's figure, gaps and their direction, in every period with a
        breakdown (docs/equalities.md)."""
        return equalities.indicator(code, parse_as_of(as_of) if as_of else None)

    @router.get("/equalities")
    def equalities_gaps(
        as_of: Annotated[str | None, Query(max_length=40)] = None,
    ) -> dict[str, Any]:
        """Groups behind all children across the framework, flagged and widest first."""
        return equalities.framework(parse_as_of(as_of) if as_of else None)

    @router.get(
        "/reports/{round_id}/{kind}",
        responses={
            200: {
                "description": "The report in the format asked for",
                "content": {media: {} for media in MEDIA_TYPES.values()},
            }
        },
    )
    async def report(
        round_id: str,
        kind: Literal["executive", "board"],
        format: Format = "json",
    ) -> Response:
        """The Executive or Board report of a round: json, html, pdf, docx, xlsx.

        Documents come from a cache or a bounded pool of renderers; when every
        renderer is busy the answer is 503 with Retry-After (PDFs take seconds).
        """
        issued = await run_in_threadpool(publishing.published, round_id, kind)
        if issued is not None:
            snapshot = published_snapshot(issued)
            digest: str | None = issued.data["content_digest"]
        else:
            snapshot = await run_in_threadpool(draft_snapshot, round_id, kind)
            digest = None
        try:
            body = await rendered(snapshot, format, digest)
        except Busy as busy:
            answer = problem(
                503,
                "Report renderers busy",
                "Every report renderer is busy with other papers: ask again "
                f"in {busy.retry_after} seconds.",
            )
            answer.headers["Retry-After"] = str(busy.retry_after)
            return answer
        export_log.info(
            "report exported",
            extra={
                "round": round_id,
                "kind": kind,
                "format": format,
                "bytes": len(body),
            },
        )
        headers = {}
        if digest is not None:  # published: the record the Board read
            headers["X-Content-Digest"] = f"sha256={digest}"
        if format == "html":  # a self-contained page: inline style, no script
            headers["Content-Security-Policy"] = DOCUMENT_POLICY
        if format in ("pdf", "docx", "xlsx"):
            name = f"{kind}-report-{round_id}.{format}"
            headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return Response(body, media_type=MEDIA_TYPES[format], headers=headers)

    @router.put("/reports/{round_id}/{kind}/draft")
    def edit_draft(
        round_id: str, kind: Literal["executive", "board"], body: DraftIn, who: Issuing
    ) -> dict[str, Any]:
        """The officer's own purpose, summary and recommendations, before issue.

        Each edit is an event with its actor; the latest counts. Refused (409)
        once the paper is published.
        """
        return desk.edit(round_id, kind, body.model_dump(), who.meta())

    @router.post("/reports/{round_id}/{kind}/publish", status_code=201)
    def publish(
        round_id: str, kind: Literal["executive", "board"], who: Issuing
    ) -> dict[str, Any]:
        """Issue the round's paper as it stands: from now on it is served from
        the snapshot recorded in ``ReportPublished``, whatever changes later.
        A second publication is refused (409)."""
        return desk.publish(round_id, kind, who.meta())

    @router.get("/reports/{round_id}/{kind}/publication")
    def publication(
        round_id: str, kind: Literal["executive", "board"]
    ) -> dict[str, Any]:
        """Whether the paper is published (digest, when, by whom) or a draft
        (with the officer's edits)."""
        from .publishing import publication_of

        issued = publishing.published(round_id, kind)
        if issued is not None:
            return publication_of(issued)
        build_snapshot(queries.engine, round_id, kind, council, small_number_threshold)
        return {
            "status": "draft",
            "round_id": round_id,
            "kind": kind,
            "edits": publishing.edits(round_id, kind),
        }

    @router.post(
        "/actions",
        status_code=201,
        responses=created_links(
            "The action, assigned",
            {"action_id": "$response.body#/id"},
            ("POST", "/api/v1/actions/{action_id}/complete"),
        ),
    )
    def assign_action(body: ActionIn, who: Directing) -> dict[str, Any]:
        """Record a corrective action directed by the Board."""
        return actions.assign(body.model_dump(), who.meta())

    @router.post("/actions/{action_id}/complete")
    def complete_action(
        action_id: str, who: Directing, body: CompleteIn | None = None
    ) -> dict[str, Any]:
        """Mark an action completed."""
        return actions.complete(action_id, body.note if body else None, who.meta())

    @router.get("/actions")
    def list_actions(
        status: Literal["open", "overdue", "completed", "due"] | None = None,
        round: Annotated[str | None, Query(max_length=40)] = None,
        indicator: Annotated[str | None, Query(max_length=32)] = None,
    ) -> list[dict[str, Any]]:
        """Corrective actions; ``status=due`` lists every action not yet completed."""
        return actions.list(status=status, round_id=round, indicator_code=indicator)

    return router
