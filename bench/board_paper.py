"""The demo's Board paper rendered fresh, in each format, against a one-page
document through the same renderer.

A Board paper is rendered when an officer first asks for it (later requests
are served from the cache or, once published, from its stored rendering), so
the figure is the time of a fresh render with no cache: the demo loaded into
an embedded system, the snapshot of its last closed round built, then each
format rendered from it. The baseline is the same renderer (WeasyPrint for
PDF, python-docx for Word) on a one-page document, side by side, so the ratio
says how much the paper itself costs on this machine.

The Board paper has no charts (each indicator's chart, results and breakdowns
are in the Executive paper), so a fresh render draws none. Wall time on a
shared 2-core machine moves with the other work on it, so the PDF is also
given in CPU seconds of this process, which moves far less.
"""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.harness import Context, Result, log, median_time

NAME = "board_paper"
TARGET = "< 3 s"


def demo_snapshot(workdir: Path) -> dict[str, Any]:
    """The Board snapshot of the demo's last closed round."""
    from services.demo_local import load_demo_into
    from services.embedded import EmbeddedSystem
    from services.reporting.snapshot import build_snapshot
    from shared.settings import Settings

    system = EmbeddedSystem(Settings(data_dir=workdir / "data"))
    try:
        load_demo_into(system)
        system.catch_up()
        closed = [r for r in system.returns.list_rounds() if r.get("closed")]
        if not closed:
            raise AssertionError("the demo has no closed round")
        last = max(closed, key=lambda r: (r["period_end"], r["id"]))
        return build_snapshot(
            system.engine,
            last["id"],
            "board",
            system.settings.council_name,
            system.settings.small_number_threshold,
        )
    finally:
        system.engine.dispose()


def _one_page_pdf() -> None:
    from weasyprint import HTML

    HTML(string="<h1>Board</h1><p>One page.</p>").write_pdf()


def _one_page_docx() -> None:
    from docx import Document

    document = Document()
    document.add_heading("Board", 0)
    document.add_paragraph("One page.")
    document.save(io.BytesIO())


def measure(workdir: Path, repeat: int) -> list[Result]:
    """Median seconds of a fresh render of the demo Board paper, per format."""
    from services.reporting.reports import render

    snapshot = demo_snapshot(workdir)
    found = []
    for fmt, baseline_fn, baseline_name in (
        ("pdf", _one_page_pdf, "WeasyPrint, a one-page document"),
        ("docx", _one_page_docx, "python-docx, a one-page document"),
    ):
        render(snapshot, fmt)  # warm: fonts, templates, imports
        _ = baseline_fn()
        ours = median_time(lambda fmt=fmt: render(snapshot, fmt), repeat)
        base = median_time(baseline_fn, repeat)
        size = len(render(snapshot, fmt))
        result = Result(
            name=f"fresh render of the demo Board paper ({fmt.upper()})",
            figure=ours,
            baseline=base,
            units="s",
            baseline_name=baseline_name,
            higher_is_better=False,
            notes=f"{len(snapshot.get('indicators') or [])} indicators, round "
            f"{snapshot.get('round', {}).get('id', '?')}; {size:,} bytes; "
            f"median of {repeat}, no cache",
        )
        found.append(result.against(TARGET, ours < 3.0))
    found.append(_pdf_cpu_seconds(snapshot, repeat))
    return found


def _pdf_cpu_seconds(snapshot: dict[str, Any], repeat: int) -> Result:
    """The PDF again, in CPU seconds of this process rather than wall time."""
    from services.reporting.reports import render

    def cpu(fn: Callable[[], Any]) -> float:
        times = []
        for _ in range(repeat):
            start = time.process_time()
            fn()
            times.append(time.process_time() - start)
        return statistics.median(times)

    ours = cpu(lambda: render(snapshot, "pdf"))
    base = cpu(_one_page_pdf)
    result = Result(
        name="fresh render of the demo Board paper (PDF, CPU seconds)",
        figure=ours,
        baseline=base,
        units="s",
        baseline_name="WeasyPrint, a one-page document, CPU seconds",
        higher_is_better=False,
        notes=f"process_time of the render; median of {repeat}",
    )
    return result.against(TARGET, ours < 3.0)


def run(ctx: Context) -> list[Result]:
    """The Board paper benchmark (the same size in quick and full runs)."""
    log(f"{NAME}: the demo's Board paper, fresh, in PDF and Word")
    return measure(ctx.scratch(NAME), repeat=1 if ctx.quick else 5)
