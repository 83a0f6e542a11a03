"""Where the time goes: a cProfile of one pass, as the top entries by own time.

Profiling slows Python down several times, so a profile is taken in a
separate, smaller pass than the timed one; the figures stay unprofiled.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
ROOT = str(Path(__file__).resolve().parents[1]) + "/"


def profiled(fn: Callable[[], T], top: int = 15) -> tuple[T, str]:
    """Run ``fn`` under cProfile; its result and the ``top`` entries by own time."""
    profile = cProfile.Profile()
    result = profile.runcall(fn)
    return result, top_entries(pstats.Stats(profile), top)


def top_entries(stats: pstats.Stats, top: int = 15) -> str:
    """The ``top`` functions by own time, then pmf's own functions by
    cumulative time (which product code the library time is spent under);
    paths shortened to the repository or the package."""
    own = _print(stats, "tottime", top)
    ours = _print(stats, "cumulative", top, r"(services|shared)/")
    return own + "\n-- pmf's functions by cumulative time:\n" + ours


def _print(stats: pstats.Stats, order: str, top: int, *only: str) -> str:
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats(order).print_stats(*only, top)
    text = out.getvalue().replace(ROOT, "")
    text = re.sub(r"\S*/site-packages/", "", text)
    for prefix in {sys.prefix, sys.base_prefix}:
        text = re.sub(re.escape(prefix) + r"/lib/python3\.\d+/", "", text)
    lines = [line for line in text.splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    head = next((line.strip() for line in lines if "function calls" in line), "")
    return "\n".join(([head] if order == "tottime" else []) + lines[start:])


def from_file(path: Path, top: int = 15) -> str:
    """The top entries of a profile a child process wrote with ``-o``."""
    return top_entries(pstats.Stats(str(path)), top)
