"""``pmf comparators import``: load comparator figures into the embedded store.

The same checks as ``POST /api/v1/comparators/import``: all rows or none, every
row error printed with its row number, exit status 1 when anything was wrong.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from services.embedded import EmbeddedSystem
from services.reporting.comparators import LoadReport
from shared.errors import DomainError
from shared.events.envelope import Metadata

KINDS = ("csv", "xlsx")


def import_comparators_command(
    system: EmbeddedSystem,
    path: Path,
    *,
    dry_run: bool,
    actor: str,
    source: str | None = None,
    published: str | None = None,
    indicator: str | None = None,
) -> int:
    """Print what the file holds (or would load) and every row error."""
    out, err = Console(), Console(stderr=True)
    kind = path.suffix.lower().lstrip(".")
    if kind not in KINDS:
        err.print(f"error: {escape(path.name)}: the file must end in .csv or .xlsx")
        return 2
    try:
        content = path.read_bytes()
    except OSError as exc:
        err.print(f"error: cannot read {escape(str(path))}: {exc.strerror or exc}")
        return 1
    try:
        with Progress(console=out, transient=True, disable=not out.is_terminal) as bar:
            task = bar.add_task(f"Reading {path.name}", total=3)
            bar.update(task, description=f"Checking {path.name}", completed=1)
            report = system.comparators.load_file(
                content,
                kind,
                name=path.name,
                source=source,
                published=published,
                indicator_code=indicator,
                dry_run=dry_run,
                meta=Metadata(actor=actor),
            )
            bar.update(task, description="Loaded", completed=3)
    except DomainError as e:
        err.print(f"error: {escape(e.detail)}", soft_wrap=True)
        return 1
    _print(out, report)
    for problem in report.errors:
        err.print(escape(str(problem)), soft_wrap=True)
    return 1 if report.errors else 0


def _print(out: Console, report: LoadReport) -> None:
    summary = report.json()
    if report.rows:
        table = Table(title=f"Figures in {report.file}", title_justify="left")
        for name in ("Indicator", "Figures", "Areas", "Periods"):
            table.add_column(name)
        for code in summary["indicators"]:
            mine = [r for r in report.rows if r["indicator_code"] == code]
            periods = sorted({r["period_end"] for r in mine})
            table.add_row(
                escape(code),
                str(len(mine)),
                str(len({r["area_code"] for r in mine})),
                f"{periods[0]} to {periods[-1]}",
            )
        out.print(table)
    for note in report.notes:
        out.print(f"note: {note}", soft_wrap=True, markup=False)
    counts = summary["counts"]
    if report.errors:
        n = len(report.errors)
        verdict = f"{n} error{'s' * (n != 1)}, nothing was loaded"
    elif report.dry_run:
        verdict = "dry run, nothing was loaded"
    else:
        verdict = "loaded"
    out.print(
        f"{report.file}: {_n(counts['figures'], 'figure')} for "
        f"{_n(counts['indicators'], 'indicator')} and {_n(counts['areas'], 'area')}, "
        f"{counts['superseding']} superseding earlier figures ({verdict}).",
        soft_wrap=True,
        markup=False,
    )


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"
