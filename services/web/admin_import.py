"""Admin: import the framework from a council's own spreadsheet, in four steps.

1. Upload a .csv or .xlsx file (read by ``services.transfer.read_table``,
   exactly as ``pmf import`` reads it).
2. Map each of the council's columns to one of ours (or leave it out). The
   form starts from the column of the same name, else from the mapping this
   admin last confirmed for a column of that name.
3. Preview: the file rewritten under our column names is checked by the
   same import code as ``pmf import --dry-run``; every row's problem is
   shown, or what would be new, changed and unchanged.
4. Confirm: the import is checked again and applied, every row or none. If
   the framework changed after the preview (someone else's edit), the new
   preview is shown instead and nothing is applied.

The uploaded file waits between steps in memory, for its uploader's session
only, for at most an hour (``DRAFT_SECONDS``); nothing from it is recorded
until the confirm step.
"""

from __future__ import annotations

import csv
import hashlib
import re
import secrets
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request as StarletteRequest

from services.indicators.percentages import Note
from services.indicators.spreadsheet import COLUMNS, neutralised
from shared.errors import DomainError

from .admin_common import Admin, AdminWeb, Refused, done
from .forms import Errors, form_fields

if TYPE_CHECKING:
    from services.transfer import ImportReport, Sheet

Fields = Annotated[dict[str, str], Depends(form_fields)]
MAX_UPLOAD_BYTES = 5_000_000
DRAFT_SECONDS = 3600
MAX_DRAFTS = 20
IGNORE = ""
SAMPLE_ROWS = 3
COLUMN_WORDS = {
    "code": "Code",
    "title": "Title",
    "outcome": "Outcome",
    "polarity": "Polarity",
    "unit": "Unit",
    "frequency": "Frequency",
    "laa": "In the LAA (true or false)",
    "measurable": "Measurable (true or false)",
    "lead_organisation": "Lead organisation",
    "named_lead_name": "Named lead",
    "named_lead_email": "Named lead's e-mail",
    "tolerance": "Tolerance",
    "baseline_value": "Baseline value",
    "baseline_period_end": "Baseline period ending",
    "target_value": "Target value",
    "target_period_end": "Target due",
    "target_reason": "Reason for the target",
    "milestones": "Milestones",
    "retired": "Retired (true or false)",
}


@dataclass
class Draft:
    """An uploaded spreadsheet waiting for its mapping and confirmation."""

    owner: str  # the uploader's token id
    name: str  # the file's name, as its messages name it
    made: float
    headers: list[str] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)
    # How the reader read some columns (cells Excel showed as percentages),
    # shown with the preview beside the import's own notes.
    notes: list[Note] = field(default_factory=list)
    first_row: int = 2  # the file's row number of rows[0], below its header


class Drafts:
    """Uploads between steps, per uploader, forgotten after ``DRAFT_SECONDS``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()  # pages run in several threads
        self.waiting: dict[str, Draft] = {}
        self.remembered: dict[str, dict[str, str]] = {}  # owner -> column -> ours

    def add(self, draft: Draft) -> str:
        """Keep ``draft``; its id."""
        key = secrets.token_urlsafe(16)
        with self.lock:
            self._forget_old()
            while len(self.waiting) >= MAX_DRAFTS:
                self.waiting.pop(next(iter(self.waiting)))
            self.waiting[key] = draft
        return key

    def get(self, key: str, owner: str) -> Draft | None:
        """The uploader's draft, or None when unknown, expired or another's."""
        with self.lock:
            self._forget_old()
            draft = self.waiting.get(key)
        return draft if draft is not None and draft.owner == owner else None

    def drop(self, key: str) -> None:
        """Forget a draft once it is imported."""
        with self.lock:
            self.waiting.pop(key, None)

    def _forget_old(self) -> None:
        limit = time.monotonic() - DRAFT_SECONDS
        for key in [k for k, d in self.waiting.items() if d.made < limit]:
            del self.waiting[key]


def safe_name(name: str | None) -> str:
    """The uploaded file's base name, kept to plain characters."""
    base = (name or "upload").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = re.sub(r"[^A-Za-z0-9._ -]", "_", base).strip() or "upload"
    return cleaned[:100]


def _squashed(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def guess_mapping(headers: list[str], remembered: dict[str, str]) -> dict[str, str]:
    """Our column for each of the council's: the same name (ignoring case,
    spaces and punctuation), else what was used last time, else left out."""
    ours = {_squashed(c): c for c in COLUMNS}
    guessed: dict[str, str] = {}
    for header in headers:
        found = ours.get(_squashed(header)) or remembered.get(header, IGNORE)
        guessed[header] = found if found in COLUMNS else IGNORE
    return guessed


def check_mapping(headers: list[str], chosen: dict[str, str]) -> Errors:
    """Each of our columns from one column of the file at most, and a code."""
    errors: Errors = {}
    used: dict[str, int] = {}
    for n, header in enumerate(headers):
        ours = chosen.get(header, IGNORE)
        if ours and ours not in COLUMNS:
            errors[f"map-{n}"] = f"Column {header!r}: choose one of the list"
        elif ours in used:
            first = headers[used[ours]]
            errors[f"map-{n}"] = (
                f"Column {header!r}: {COLUMN_WORDS[ours]} already comes from "
                f"column {first!r}; choose one column for it"
            )
        elif ours:
            used[ours] = n
    if "code" not in used and headers:
        errors["map-0"] = errors.get("map-0") or (
            "Choose which column holds the indicator code"
        )
    return errors


def mapped_rows(
    draft: Draft, chosen: dict[str, str]
) -> tuple[list[str], list[list[str]]]:
    """The file's rows under our column names (columns left out are dropped;
    cells under no column name are kept so the import reports them)."""
    pairs = [(h, chosen.get(h, IGNORE)) for h in draft.headers]
    pairs = [(h, ours) for h, ours in pairs if ours]
    stray = any("" in row for row in draft.rows)
    header = [ours for _h, ours in pairs] + ([""] if stray else [])
    rows = [
        [row.get(h, "") for h, _ours in pairs] + ([row.get("", "")] if stray else [])
        for row in draft.rows
    ]
    return header, rows


def read_upload(name: str, data: bytes) -> Sheet:
    """The table of an uploaded file, read as ``pmf import`` reads a file."""
    from services.transfer import read_sheet

    with tempfile.TemporaryDirectory(prefix="pmf-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        return read_sheet(path)


def fingerprint(report: ImportReport) -> str:
    """What a preview showed: each row's change and the version it was made on."""
    seen = [
        (c.row, c.code, c.kind, c.version, c.diff, len(c.events))
        for c in report.changes
    ]
    return hashlib.sha256(repr((seen, report.errors)).encode()).hexdigest()[:32]


@contextmanager
def mapped_file(draft: Draft, chosen: dict[str, str]) -> Iterator[Path]:
    """The draft rewritten as a CSV file under our column names, named as
    the upload was so that messages name the council's file."""
    header, rows = mapped_rows(draft, chosen)
    stem = Path(draft.name).stem or "upload"
    with tempfile.TemporaryDirectory(prefix="pmf-import-") as folder:
        path = Path(folder) / f"{stem}.csv"
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            # Blank rows where the upload had its title block, so that the
            # import numbers rows as the council's file does.
            writer.writerows([] for _ in range(draft.first_row - 2))
            writer.writerow(header)
            for cells in rows:
                writer.writerow([neutralised(cell) for cell in cells])
        yield path


async def _bounded(request: Request) -> StarletteRequest:
    """The request with its body read up to ``MAX_UPLOAD_BYTES`` (413 beyond),
    to be parsed as a form from memory."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
        raise HTTPException(413, "The file is too large: the limit is 5 MB")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_UPLOAD_BYTES:
            raise HTTPException(413, "The file is too large: the limit is 5 MB")
        chunks.append(chunk)
    body = b"".join(chunks)
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return StarletteRequest(request.scope, replay)


def routes(admin_web: AdminWeb) -> APIRouter:
    """``/admin/import``: upload, map, preview, confirm."""
    router = APIRouter()
    drafts = Drafts()
    port = admin_web.port

    def owner(admin: Admin) -> str:
        return admin.principal.token_id or admin.principal.name

    def upload_page(
        request: Request, errors: Errors | None = None, notice: str = ""
    ) -> HTMLResponse:
        admin = admin_web.admin(request)
        return admin_web.page(
            request,
            admin,
            "admin_import.html",
            title="Import a framework spreadsheet",
            step="upload",
            errors=errors or {},
            notice=notice,
        )

    @router.get("/admin/import", response_class=HTMLResponse)
    def start(
        request: Request,
        new: int | None = None,
        changed: int | None = None,
        unchanged: int | None = None,
    ) -> Response:
        """The upload form (and what the last import did)."""
        notice = ""
        if new is not None and changed is not None and unchanged is not None:
            notice = (
                f"The spreadsheet is imported: {new} new, {changed} changed and "
                f"{unchanged} unchanged indicators."
            )
        try:
            return upload_page(request, notice=notice)
        except Refused as refused:
            return refused.response

    @router.post("/admin/import", response_class=HTMLResponse)
    async def upload(request: Request) -> Response:
        """Read the uploaded file and show its columns to map."""
        try:
            form = await (await _bounded(request)).form(max_files=1, max_fields=5)
            fields = {k: v for k, v in form.items() if isinstance(v, str)}
            admin = admin_web.poster(request, fields)
            sent = form.get("file")
            if not isinstance(sent, UploadFile) or not sent.filename:
                return upload_page(request, {"file": "Choose a CSV or Excel file"})
            name = safe_name(sent.filename)
            if Path(name).suffix.lower() not in (".csv", ".xlsx"):
                return upload_page(
                    request,
                    {
                        "file": f"{name}: the file must be a CSV (.csv) or Excel "
                        "(.xlsx) file"
                    },
                )
            data = await sent.read()
            draft = Draft(owner(admin), name, time.monotonic())
            try:
                sheet = await run_in_threadpool(read_upload, name, data)
                draft.rows, draft.notes = sheet.rows, sheet.notes
                draft.first_row = sheet.first_row
            except DomainError as exc:
                return upload_page(request, {"file": exc.detail})
            draft.headers = list(dict.fromkeys(h for r in draft.rows for h in r if h))
            if not draft.headers:
                return upload_page(
                    request, {"file": f"{name} has no rows under a header row"}
                )
            key = drafts.add(draft)
            chosen = guess_mapping(
                draft.headers, drafts.remembered.get(draft.owner, {})
            )
            return mapping_page(request, admin, key, draft, chosen, {})
        except Refused as refused:
            return refused.response

    def mapping_page(
        request: Request,
        admin: Admin,
        key: str,
        draft: Draft,
        chosen: dict[str, str],
        errors: Errors,
    ) -> HTMLResponse:
        samples = {
            h: [r.get(h, "") for r in draft.rows if any(r.values())][:SAMPLE_ROWS]
            for h in draft.headers
        }
        return admin_web.page(
            request,
            admin,
            "admin_import.html",
            title="Match your columns",
            step="map",
            key=key,
            draft=draft,
            chosen=chosen,
            samples=samples,
            errors=errors,
            COLUMN_WORDS=COLUMN_WORDS,
        )

    def chosen_of(draft: Draft, fields: dict[str, str]) -> dict[str, str]:
        return {h: fields.get(f"map-{n}", IGNORE) for n, h in enumerate(draft.headers)}

    def lost(request: Request) -> HTMLResponse:
        return upload_page(
            request,
            {
                "file": "That upload has expired or belongs to another session: "
                "upload the file again"
            },
        )

    def preview_page(
        request: Request,
        admin: Admin,
        key: str,
        draft: Draft,
        chosen: dict[str, str],
        report: ImportReport,
        changed_meanwhile: bool = False,
    ) -> HTMLResponse:
        return admin_web.page(
            request,
            admin,
            "admin_import.html",
            status_code=422 if report.errors else 200,
            title="Check the changes",
            step="preview",
            key=key,
            draft=draft,
            chosen=chosen,
            report=report,
            preview_key=fingerprint(report),
            changed_meanwhile=changed_meanwhile,
            errors={},
            COLUMN_WORDS=COLUMN_WORDS,
        )

    @router.post("/admin/import/{key}/preview", response_class=HTMLResponse)
    def preview(request: Request, key: str, fields: Fields) -> Response:
        """Check the mapped file and show what would change."""
        try:
            admin = admin_web.poster(request, fields)
            draft = drafts.get(key, owner(admin))
            if draft is None:
                return lost(request)
            chosen = chosen_of(draft, fields)
            errors = check_mapping(draft.headers, chosen)
            if errors or fields.get("back") == "map":
                return mapping_page(request, admin, key, draft, chosen, errors)
            with mapped_file(draft, chosen) as path:
                report = port.check_import(path)
            return preview_page(request, admin, key, draft, chosen, report)
        except DomainError as exc:
            return upload_page(request, {"file": exc.detail})
        except Refused as refused:
            return refused.response

    @router.post("/admin/import/{key}/confirm", response_class=HTMLResponse)
    def confirm(request: Request, key: str, fields: Fields) -> Response:
        """Apply the import shown in the preview: every row or none."""
        try:
            admin = admin_web.poster(request, fields)
            draft = drafts.get(key, owner(admin))
            if draft is None:
                return lost(request)
            chosen = chosen_of(draft, fields)
            errors = check_mapping(draft.headers, chosen)
            if errors:
                return mapping_page(request, admin, key, draft, chosen, errors)
            with mapped_file(draft, chosen) as path:
                check = port.check_import(path)
                if check.errors or fingerprint(check) != fields.get("plan"):
                    return preview_page(request, admin, key, draft, chosen, check, True)
                report = port.apply_import(path, admin.principal)
            if report.errors:
                return preview_page(request, admin, key, draft, chosen, report)
            drafts.remembered[draft.owner] = {
                h: ours for h, ours in chosen.items() if ours
            }
            drafts.drop(key)
            return done(
                f"/admin/import?new={report.count('register')}"
                f"&changed={report.count('amend')}"
                f"&unchanged={report.count('unchanged')}"
            )
        except DomainError as exc:
            return upload_page(request, {"file": exc.detail})
        except Refused as refused:
            return refused.response

    return router
