"""What every benchmark shares: results, timing, the machine, the report.

A figure is never reported alone: each :class:`Result` carries a baseline
measured in the same run on the same machine, and the ratio between them is
the number to compare across runs (the machines are shared and noisy).
"""

from __future__ import annotations

import math
import os
import platform
import shlex
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass
class Result:
    """One figure of ours beside its baseline, with the ratio ours / baseline."""

    name: str
    figure: float
    baseline: float
    units: str
    baseline_name: str
    notes: str = ""
    higher_is_better: bool = True
    # What the figure should reach, as text, and whether this run reached it
    # (None when there is no target for this figure).
    target: str | None = None
    met: bool | None = None
    ratio: float = field(init=False)

    def __post_init__(self) -> None:
        self.ratio = self.figure / self.baseline if self.baseline else math.nan

    def against(self, text: str, met: bool) -> Result:
        """This result with its target and whether it was met."""
        self.target, self.met = text, met
        return self

    def target_text(self) -> str:
        """The target cell: what it is and whether this run met it."""
        if self.target is None:
            return ""
        return f"{self.target}: {'met' if self.met else 'NOT met'}"

    def row(self) -> list[str]:
        """The Markdown table cells of this result."""
        return [
            self.name,
            f"{number(self.figure)} {self.units}",
            f"{number(self.baseline)} {self.units} ({self.baseline_name})",
            ratio_text(self.ratio, self.higher_is_better),
            self.target_text(),
            self.notes,
        ]


def number(value: float) -> str:
    """A figure with sensible precision."""
    if math.isnan(value):
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def ratio_text(ratio: float, higher_is_better: bool) -> str:
    """The ratio, with how many times better or worse than the baseline."""
    if math.isnan(ratio) or ratio <= 0:
        return "n/a"
    worse = ratio < 1 if higher_is_better else ratio > 1
    times = 1 / ratio if ratio < 1 else ratio
    word = "worse" if worse else "better"
    if abs(ratio - 1) < 0.05:
        return f"{ratio:.3g} (same)"
    return f"{ratio:.3g} ({times:,.3g}x {word})"


@dataclass
class Stopwatch:
    """Elapsed wall time of a ``with`` block, in seconds."""

    started: float = 0.0
    seconds: float = 0.0

    def __enter__(self) -> Stopwatch:
        self.started = time.perf_counter()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.seconds = time.perf_counter() - self.started


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of ``values`` by linear interpolation."""
    if not values:
        return math.nan
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median_time(fn: Callable[[], Any], repeat: int = 5) -> float:
    """The median wall time of ``repeat`` calls of ``fn``, in seconds."""
    times = []
    for _ in range(repeat):
        with Stopwatch() as sw:
            fn()
        times.append(sw.seconds)
    return statistics.median(times)


def _meminfo() -> dict[str, int]:
    found: dict[str, int] = {}
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            key, _, rest = line.partition(":")
            found[key] = int(rest.split()[0])  # kB
    except OSError:
        pass
    return found


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    mem = _meminfo()
    try:
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        load = "n/a"
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0
    return {
        "cpu": cpu_model(),
        "nproc": str(cpus or os.cpu_count()),
        "memory": f"{mem.get('MemTotal', 0) / 1024**2:.1f} GiB total, "
        f"{mem.get('MemAvailable', 0) / 1024**2:.1f} GiB available",
        "load": load,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
    }


def peak_rss_mib(pid: int | None = None) -> float:
    """Peak resident set size (VmHWM) of a process, in MiB (this one by default)."""
    path = Path(f"/proc/{pid or 'self'}/status")
    for line in path.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM in {path}")


def render(
    results: Sequence[Result],
    mode: str,
    started: datetime,
    seconds: float,
    host: dict[str, str],
    remarks: Sequence[str] = (),
    profiles: dict[str, str] | None = None,
) -> str:
    """The Markdown section of one run: heading, machine, table, remarks,
    then the profiles taken in the run."""
    profiles = profiles or {}
    stamp = started.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = " ".join(["python -m bench", shlex.join(sys.argv[1:])]).strip()
    lines = [
        f"## {stamp} - {host['cpu']}, {host['nproc']} CPUs - {mode}",
        "",
        f"- machine: {host['cpu']}; nproc {host['nproc']}; {host['memory']}; "
        f"load average at start {host['load']}; Python {host['python']}; "
        f"{host['os']}",
        f"- command: `{command}`",
        f"- run took {seconds / 60:.1f} min. Ratio = ours / baseline, both "
        "measured in this run on this machine.",
        *[f"- {r}" for r in remarks],
        "",
        "| benchmark | ours | baseline (same run) | ratio | target | notes |",
        "|---|---|---|---|---|---|",
    ]
    for result in results:
        cells = [c.replace("|", "\\|") for c in result.row()]
        lines.append("| " + " | ".join(cells) + " |")
    for name, text in profiles.items():
        lines += ["", f"Profile, {name} (the first line says how it was taken):", ""]
        lines += ["```", text.rstrip(), "```"]
    return "\n".join(lines) + "\n"


def append_results(path: Path, section: str) -> None:
    """Append a run's section to the results file (created with a header)."""
    if not path.exists():
        path.write_text(
            "# Benchmark results\n\n"
            "Written by `python -m bench` (see bench/__main__.py). Each run appends "
            "a section. Machines are shared and noisy: compare the ratios, not the "
            "absolute figures.\n"
        )
    with path.open("a") as out:
        out.write("\n" + section)


def log(message: str) -> None:
    """Progress on stderr, so the table on stdout stays clean."""
    stamp = time.strftime("%H:%M:%S")
    print(f"[bench {stamp}] {message}", file=sys.stderr, flush=True)


@dataclass
class Context:
    """One benchmark run: its mode, sizes, scratch space and shared parts.

    ``resources`` closes whatever a benchmark started for the run (a broker,
    servers) when the run ends, even on failure.
    """

    quick: bool
    workdir: Path
    sizes: dict[str, int] = field(default_factory=dict)
    kafka: bool = True
    resources: ExitStack = field(default_factory=ExitStack)
    shared: dict[str, Any] = field(default_factory=dict)
    remarks: list[str] = field(default_factory=list)
    profiles: dict[str, str] = field(default_factory=dict)

    def size(self, name: str, quick: int, full: int) -> int:
        """A size, from ``--size name=value`` or the mode's default."""
        return self.sizes.get(name, quick if self.quick else full)

    def scratch(self, name: str) -> Path:
        """A fresh, empty folder for one benchmark."""
        path = self.workdir / name
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True)
        return path

    def remark(self, text: str) -> None:
        """A line for the results section (once)."""
        if text not in self.remarks:
            self.remarks.append(text)

    def close(self) -> None:
        """Stop everything started for the run."""
        self.resources.close()


@contextmanager
def context(
    quick: bool, workdir: Path, keep: bool = False, **kw: Any
) -> Iterator[Context]:
    """A run context whose scratch folder is removed at the end unless ``keep``."""
    workdir.mkdir(parents=True, exist_ok=True)
    ctx = Context(quick=quick, workdir=workdir, **kw)
    try:
        yield ctx
    finally:
        ctx.close()
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
