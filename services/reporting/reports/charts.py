"""Small trend charts: results, the target and the dashed trajectory to it.

Drawn with matplotlib's object API on the Agg and SVG canvases (no pyplot, no GUI).
The HTML page has them as inline SVG; the PDF and the Word document have them as
150 dpi PNG. WeasyPrint draws SVG with its own pure-Python renderer, which cost the
43-chart Board paper about a third of its render time, while a PNG is embedded as
it is; at 150 dpi the chart prints sharp at its 4.2-inch size.
The bytes are reproducible: the SVG carries no date or creator, its ids come from a
hash with a fixed salt and are then prefixed with the indicator's code (so the charts
of one HTML page never share an id), and text stays text (`svg.fonttype: none`) for
smaller, selectable charts; the PNG carries no software tag.
A chart is drawn once per process for the same data (`_draw` is cached on the
chart's content), so the Executive pack and the Board paper of a round share them.
matplotlib's rcParams are global, so drawing holds a lock.

The three series differ by line style and marker as well as colour, and the legend
names them, so nothing is told by colour alone.
"""

from __future__ import annotations

import base64
import io
import re
import threading
from datetime import date
from functools import lru_cache
from html import escape
from typing import Any

from .labels import anchor
from .paper import ChartData

RESULT_COLOUR = "#1d70b8"
TARGET_COLOUR = "#0b0c0c"
TRAJECTORY_COLOUR = "#505a5f"
SIZE_INCHES = (4.2, 2.2)
PNG_DPI = 150

_LOCK = threading.Lock()


def chart_svg(chart: ChartData) -> str:
    """The chart as an inline `<svg role="img">`, titled with its description."""
    return _svg(chart)


def chart_png(chart: ChartData) -> bytes:
    """The chart as a PNG (for Word and the PDF), 150 dpi."""
    return _draw(chart, "png")


def chart_img(chart: ChartData) -> str:
    """The chart as an `<img>` of PNG data with `alt` text, for WeasyPrint.

    WeasyPrint embeds a PNG as an image XObject without drawing anything, where an
    SVG would be parsed and drawn path by path in Python on every render; the image
    is tagged as a Figure with the `alt` text as its alternative description.
    """
    data = base64.b64encode(_draw(chart, "png")).decode("ascii")
    alt = escape(chart.description, quote=True)
    return f'<img class="chart" src="data:image/png;base64,{data}" alt="{alt}">'


def _svg(chart: ChartData) -> str:
    raw = _draw(chart, "svg").decode("utf-8")
    body = _prefix_ids(raw[raw.index("<svg") :], f"chart-{anchor(chart.code)}-")
    label = escape(chart.description, quote=True)
    opening_end = body.index(">") + 1
    opening = body[: opening_end - 1].replace(
        "<svg", f'<svg role="img" aria-label="{label}" class="chart"', 1
    )
    return f"{opening}>\n<title>{label}</title>{body[opening_end:]}".strip()


def _prefix_ids(svg: str, prefix: str) -> str:
    """Ids unique to this chart: a page holds many, and ids must not repeat."""
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}\1)", svg)
    return re.sub(r'href="#([^"]+)"', rf'href="#{prefix}\1"', svg)


@lru_cache(maxsize=512)
def _draw(chart: ChartData, fmt: str) -> bytes:
    import matplotlib
    from matplotlib.figure import Figure

    rc: Any = {
        "font.family": "DejaVu Sans",
        "font.size": 7.5,
        "svg.fonttype": "none",
        "svg.hashsalt": "pmf-report-chart",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#505a5f",
        "xtick.color": "#0b0c0c",
        "ytick.color": "#0b0c0c",
    }
    with _LOCK, matplotlib.rc_context(rc):
        figure = Figure(figsize=SIZE_INCHES, dpi=PNG_DPI)
        figure.subplots_adjust(left=0.12, right=0.98, top=0.95, bottom=0.24)
        _plot(figure, chart)
        if fmt == "png":
            return _png(figure)
        out = io.BytesIO()
        figure.savefig(out, format=fmt, metadata={"Date": None, "Creator": None})
    return out.getvalue()


def _png(figure: Any) -> bytes:
    """An opaque RGB PNG with no text chunks.

    matplotlib writes RGBA, and WeasyPrint splits the alpha channel of an RGBA
    image into a second, separately compressed mask image on every render; the
    chart is on white anyway.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas: Any = FigureCanvasAgg(figure)  # its draw and buffer_rgba are untyped
    canvas.draw()
    rgba = Image.frombuffer(
        "RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1
    )
    out = io.BytesIO()
    rgba.convert("RGB").save(out, format="PNG")
    return out.getvalue()


def _plot(figure: Any, chart: ChartData) -> None:
    from matplotlib import dates as _dates

    dates: Any = _dates  # matplotlib.dates is untyped
    axes = figure.add_subplot()
    if len(chart.trajectory) > 1:
        days, values = _columns(chart.trajectory)
        axes.plot(
            days,
            values,
            linestyle=(0, (4, 3)),
            color=TRAJECTORY_COLOUR,
            linewidth=1.2,
            label="Trajectory",
        )
    if chart.target:
        axes.axhline(
            chart.target[1],
            linestyle=":",
            color=TARGET_COLOUR,
            linewidth=1.2,
            label="Target",
        )
        axes.plot(
            *_columns([chart.target]), marker="*", markersize=8, color=TARGET_COLOUR
        )
    if chart.results:
        days, values = _columns(chart.results)
        axes.plot(
            days,
            values,
            marker="o",
            markersize=4,
            color=RESULT_COLOUR,
            linewidth=1.6,
            label="Result",
        )
    if not (chart.results or chart.target or chart.trajectory):
        axes.text(0.5, 0.5, "No results to plot", ha="center", transform=axes.transAxes)
        axes.set_xticks([])
        axes.set_yticks([])
        return
    axes.xaxis.set_major_locator(dates.YearLocator())
    axes.xaxis.set_major_formatter(dates.DateFormatter("%Y"))
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12),
        ncol=3,
        frameon=False,
        fontsize=7,
    )


def _columns(points: Any) -> tuple[list[date], list[float]]:
    return [p[0] for p in points], [p[1] for p in points]
