"""The staff pages' port over HTTP: what ``pmf serve web`` uses in distributed mode.

Every read and command of :class:`~services.web.port.WebPort` is one request
to the service that owns its route (the table of
:mod:`services.demo.routing`, the gateway's), with the API's own request body.
Decisions written down here:

- **Whose token.** Each request carries the signed-in visitor's own token
  (``credentials.acting``), so every service checks their role, scope and
  expiry as for any client, and records the change as theirs. A visitor who
  is not signed in reads anonymously (as the API allows when anonymous reads
  are on). No token of the web service's own can write anything.
- **Errors.** A problem+json answer becomes the ``DomainError`` the service
  raised (404 ``NotFound``, 409 ``Conflict``, 422 ``Invalid`` with its field),
  403 and 401 become ``PermissionError``, so a form shows the same words as in
  embedded mode. A service that cannot be reached, or answers 5xx, is
  :class:`Unavailable` (a ``DomainError``): the form says which service and
  asks to try again; nothing was recorded.
- **Tokens** (the admin token page) are read and written in the token
  database the services share (``PMF_AUTH_DATABASE_URL``): the API has no
  route for them, and the web service needs that database for sessions anyway.
- **The footer's plan** is read again at most every ``PLAN_SECONDS``: the
  read models of another process move without telling this one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from services.demo.routing import service_for
from services.indicators.percentages import Note
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
from services.indicators.spreadsheet import Change, RowError
from services.indicators.template import MEDIA_TYPE
from services.reporting.api import ActionIn, CompleteIn, DraftIn
from services.returns.schemas import RoundIn
from services.transfer import ImportReport
from shared.errors import ConcurrencyConflict, Conflict, DomainError, Invalid, NotFound
from shared.http.auth import Principal, TokenStore
from shared.observability.logging import correlation_id

from .admin_port import TokenDesk
from .credentials import acting

PLAN_SECONDS = 30.0
MAX_KEPT = 16  # framework bodies kept for If-None-Match (now, versions, dates)
TIMEOUT = httpx.Timeout(60.0, connect=5.0)


class Unavailable(DomainError):
    """A service could not be reached, or failed: nothing was recorded."""

    title = "Service unavailable"


def _path(value: str) -> str:
    return quote(str(value), safe="")


def error_of(answer: httpx.Response, service: str) -> Exception:
    """The exception a service's refusal stands for (see the module docstring)."""
    try:
        body = answer.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    detail = str(body.get("detail") or answer.reason_phrase or "Refused")
    field = body.get("field")
    status = answer.status_code
    if status == 404:
        return NotFound(detail, field)
    if status == 409:
        stale = body.get("title") == ConcurrencyConflict.title
        return (ConcurrencyConflict if stale else Conflict)(detail, field)
    if status in (400, 413, 415, 422):
        items = body.get("errors")
        if field is None and isinstance(items, list) and items:
            field = items[0].get("field") if isinstance(items[0], dict) else None
        return Invalid(detail, field)
    if status in (401, 403):
        return PermissionError(detail)
    return Unavailable(
        f"The {service} service could not do this just now ({status}): "
        "nothing was recorded; try again shortly"
    )


class HttpWeb(TokenDesk):
    """:class:`~services.web.port.WebPort` over the services' HTTP API."""

    def __init__(
        self,
        urls: Mapping[str, str],
        tokens: TokenStore,
        client: httpx.Client | None = None,
    ) -> None:
        self.urls = dict(urls)
        self._tokens = tokens
        # (as_of, version) -> (ETag, framework): see framework()
        self._frameworks: dict[tuple[str | None, int | None], tuple[str, bytes]] = {}
        self.client = client or httpx.Client(timeout=TIMEOUT)

    def close(self) -> None:
        """Close the connections."""
        self.client.close()

    # -- the one way out ------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        answered: tuple[int, ...] = (),
    ) -> httpx.Response:
        """Send to the route's service with the visitor's token; raise its
        refusal (unless its status is one of ``answered``)."""
        service = service_for(method, path)
        sent = dict(headers or {})
        credential = acting()
        if credential:
            sent["Authorization"] = f"Bearer {credential}"
        cid = correlation_id.get()
        if cid:  # the services log the page's request under the same id
            sent["X-Correlation-ID"] = cid
        try:
            answer = self.client.request(
                method,
                self.urls[service] + path,
                params={k: v for k, v in (params or {}).items() if v is not None},
                json=to_jsonable_python(json) if json is not None else None,
                content=content,
                headers=sent,
            )
        except httpx.HTTPError as exc:
            raise Unavailable(
                f"The {service} service cannot be reached just now: nothing was "
                "recorded; try again shortly"
            ) from exc
        if answer.status_code >= 400 and answer.status_code not in answered:
            raise error_of(answer, service)
        return answer

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params).json()

    def send(
        self,
        method: str,
        path: str,
        body: BaseModel | dict[str, Any] | None = None,
        expected: int | None = None,
    ) -> Any:
        headers = {"If-Match": f'"{expected}"'} if expected is not None else {}
        if isinstance(body, BaseModel):
            body = body.model_dump(mode="json", exclude_unset=True)
        answer = self.request(method, path, json=body, headers=headers)
        return answer.json() if answer.content else None

    # -- reads ---------------------------------------------------------------

    def moved(self) -> int:
        return int(time.monotonic() // PLAN_SECONDS)

    def framework(
        self, as_of: str | None = None, version: int | None = None
    ) -> dict[str, Any]:
        """The framework, asked again with its last ``ETag``: most pages read it,
        and while nothing moved reporting answers 304 instead of the whole body."""
        key = (as_of, version)
        kept = self._frameworks.get(key)
        answer = self.request(
            "GET",
            "/api/v1/framework",
            params={"as_of": as_of, "version": version},
            headers={"If-None-Match": kept[0]} if kept else None,
        )
        if answer.status_code == 304 and kept is not None:
            body = kept[1]  # decoded afresh: a page may change what it is given
        else:
            body = answer.content
            etag = answer.headers.get("ETag")
            if etag:
                if len(self._frameworks) >= MAX_KEPT and key not in self._frameworks:
                    self._frameworks.clear()
                self._frameworks[key] = (etag, body)
        found: dict[str, Any] = json.loads(body)
        return found

    def history(self, code: str) -> dict[str, Any]:
        found: dict[str, Any] = self.get(f"/api/v1/indicators/{_path(code)}/history")
        return found

    def diff(self, first: int, second: int) -> dict[str, Any]:
        found: dict[str, Any] = self.get(
            "/api/v1/framework/diff", **{"from": first, "to": second}
        )
        return found

    def round(self, round_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.get(f"/api/v1/rounds/{_path(round_id)}")
        return found

    def outstanding(self, round_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.get(
            f"/api/v1/rounds/{_path(round_id)}/outstanding"
        )
        return found

    def challenges(self, round_id: str) -> list[dict[str, Any]]:
        try:
            found: list[dict[str, Any]] = self.get("/api/v1/challenges", round=round_id)
        except NotFound:  # the assessment service has not seen the round yet
            return []
        return found

    def comparators(self, code: str) -> dict[str, Any]:
        found: dict[str, Any] = self.get(
            f"/api/v1/indicators/{_path(code)}/comparators"
        )
        return found

    def groups(self, code: str) -> dict[str, Any]:
        found: dict[str, Any] = self.get(f"/api/v1/indicators/{_path(code)}/groups")
        return found

    def equalities(self) -> dict[str, Any]:
        found: dict[str, Any] = self.get("/api/v1/equalities")
        return found

    def indicator_actions(self, code: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.get("/api/v1/actions", indicator=code)
        return found

    # -- returns and decisions -------------------------------------------------

    def submit_return(self, body: dict[str, Any], who: Principal) -> dict[str, Any]:
        found: dict[str, Any] = self.send("POST", "/api/v1/returns", body)
        return found

    def decide(
        self,
        code: str,
        round_id: str,
        decision: str,
        note: str | None,
        who: Principal,
    ) -> dict[str, Any]:
        found: dict[str, Any] = self.send(
            "POST",
            f"/api/v1/challenges/{_path(code)}/{_path(round_id)}/decision",
            {"decision": decision, "note": note},
        )
        return found

    # -- the admin pages -------------------------------------------------------

    def indicators(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.framework()["indicators"]
        return found

    def indicator(self, code: str) -> dict[str, Any]:
        found: dict[str, Any] = self.get(f"/api/v1/indicators/{_path(code)}")
        return found

    def register_indicator(self, body: IndicatorCreate, who: Principal) -> None:
        self.send("POST", "/api/v1/indicators", body)

    def amend_indicator(
        self, code: str, body: IndicatorUpdate, expected: int | None, who: Principal
    ) -> None:
        self.send("PATCH", f"/api/v1/indicators/{_path(code)}", body, expected)

    def set_lead(
        self, code: str, body: LeadIn, expected: int | None, who: Principal
    ) -> None:
        self.send("PUT", f"/api/v1/indicators/{_path(code)}/lead", body, expected)

    def set_baseline(
        self, code: str, body: PointIn, expected: int | None, who: Principal
    ) -> None:
        self.send("PUT", f"/api/v1/indicators/{_path(code)}/baseline", body, expected)

    def set_target(
        self, code: str, body: TargetIn, expected: int | None, who: Principal
    ) -> None:
        self.send("PUT", f"/api/v1/indicators/{_path(code)}/target", body, expected)

    def set_milestones(
        self, code: str, body: MilestonesIn, expected: int | None, who: Principal
    ) -> None:
        self.send("PUT", f"/api/v1/indicators/{_path(code)}/milestones", body, expected)

    def retire_indicator(
        self, code: str, body: RetireIn, expected: int | None, who: Principal
    ) -> None:
        self.send("POST", f"/api/v1/indicators/{_path(code)}/retire", body, expected)

    def settings(self) -> dict[str, Any]:
        found: dict[str, Any] = self.get("/api/v1/framework/settings")
        return found

    def change_settings(self, body: SettingsIn, who: Principal) -> dict[str, Any]:
        found: dict[str, Any] = self.send("PUT", "/api/v1/framework/settings", body)
        return found

    def versions(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.get("/api/v1/framework/versions")
        return found

    def publish_version(self, body: VersionIn, who: Principal) -> dict[str, Any]:
        found: dict[str, Any] = self.send("POST", "/api/v1/framework/versions", body)
        return found

    def rounds(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.get("/api/v1/rounds")
        return found

    def open_round(self, body: RoundIn, who: Principal) -> dict[str, Any]:
        found: dict[str, Any] = self.send(
            "POST", "/api/v1/rounds", body.model_dump(mode="json")
        )
        return found

    def close_round(self, round_id: str, who: Principal) -> dict[str, Any]:
        found: dict[str, Any] = self.send(
            "POST", f"/api/v1/rounds/{_path(round_id)}/close"
        )
        return found

    def actions(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.get("/api/v1/actions")
        return found

    def assign_action(self, body: ActionIn, who: Principal) -> dict[str, Any]:
        found: dict[str, Any] = self.send(
            "POST", "/api/v1/actions", body.model_dump(mode="json")
        )
        return found

    def complete_action(
        self, action_id: str, body: CompleteIn, who: Principal
    ) -> dict[str, Any]:
        found: dict[str, Any] = self.send(
            "POST", f"/api/v1/actions/{_path(action_id)}/complete", body
        )
        return found

    def paper(self, round_id: str) -> dict[str, Any]:
        from services.reporting.reports.narrative import covering_text

        base = f"/api/v1/reports/{_path(round_id)}/board"
        publication: dict[str, Any] = self.get(f"{base}/publication")
        snapshot: dict[str, Any] = self.get(base, format="json")
        drafted = covering_text({**snapshot, "edits": {}})
        published = publication.get("status") == "published"
        return {
            "round_id": round_id,
            "kind": "board",
            "status": "published" if published else "draft",
            "publication": publication if published else None,
            "edits": publication.get("edits") or snapshot.get("edits") or {},
            "drafted": {
                "purpose": drafted.purpose,
                "summary": "\n\n".join(
                    p for section in drafted.summary for p in section.paragraphs
                ),
                "recommendations": "\n".join(drafted.recommendations),
            },
        }

    def edit_paper(self, round_id: str, body: DraftIn, who: Principal) -> None:
        self.send(
            "PUT",
            f"/api/v1/reports/{_path(round_id)}/board/draft",
            body.model_dump(mode="json"),
        )

    def publish_paper(self, round_id: str, who: Principal) -> dict[str, Any]:
        found: dict[str, Any] = self.send(
            "POST", f"/api/v1/reports/{_path(round_id)}/board/publish"
        )
        return found

    @property
    def token_store(self) -> TokenStore:
        return self._tokens

    def check_round(self, round_id: str) -> None:
        self.round(round_id)

    def check_import(self, path: Path) -> ImportReport:
        return self._import(path, dry_run=True)

    def apply_import(self, path: Path, who: Principal) -> ImportReport:
        return self._import(path, dry_run=False)

    def _import(self, path: Path, dry_run: bool) -> ImportReport:
        """``POST /api/v1/framework/import``: the report, errors and all."""
        kind = path.suffix.lower().lstrip(".")
        media = MEDIA_TYPE if kind == "xlsx" else "text/csv"
        answer = self.request(
            "POST",
            "/api/v1/framework/import",
            params={"dry_run": str(dry_run).lower(), "filename": path.name},
            content=path.read_bytes(),
            headers={"Content-Type": media},
            answered=(422,),
        )
        body = answer.json()
        if answer.status_code == 422 and not body.get("errors"):
            raise error_of(answer, "indicators")  # not the rows: the request
        return report_of(body, dry_run)


def report_of(body: Mapping[str, Any], dry_run: bool) -> ImportReport:
    """An import report from the API's answer (``services.transfer_api``).

    The answer has no events (they are the service's business): a change's
    ``version`` is 0 and its ``events`` empty, which is all the preview needs.
    """
    return ImportReport(
        file=str(body.get("file") or ""),
        dry_run=bool(body.get("dry_run", dry_run)),
        changes=[
            Change(
                row=int(c["row"]),
                code=str(c["code"]),
                kind=c["kind"],
                version=0,
                events=(),
                diff=tuple(
                    (d["column"], d["before"], d["after"]) for d in c["changes"]
                ),
            )
            for c in body.get("changes") or []
        ],
        errors=[
            RowError(int(e["row"]), e.get("column"), str(e["message"]))
            for e in body.get("errors") or []
        ],
        applied=bool(body.get("applied")),
        notes=[
            Note(str(n["column"]), str(n["message"]), tuple(n.get("rows") or ()))
            for n in body.get("notes") or []
        ],
    )


__all__ = ["HttpWeb", "Unavailable", "error_of", "report_of"]
