"""Where the time goes in processes the bench does not run itself (the
distributed services): py-spy samples every thread of each process while a
pass runs, and the samples are summed into the top functions.

cProfile sees only the thread it was started in, and a service's Kafka
consumers run in threads of their own, so a sampling profiler attached from
outside is the one that sees them.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

RATE = 50  # samples a second: enough for a pass of tens of seconds, light on the CPU
_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^():]+)(?::\d+)?\)$")


def py_spy() -> str:
    """The py-spy command (a dev dependency next to this Python)."""
    beside = Path(sys.executable).with_name("py-spy")
    found = str(beside) if beside.exists() else shutil.which("py-spy")
    if found is None:
        raise RuntimeError("py-spy is not installed: make install (it is a dev extra)")
    return found


@contextmanager
def sampled(pids: dict[str, int], out_dir: Path) -> Iterator[dict[str, Path]]:
    """Sample each named process until the block ends; yields the raw files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {name: out_dir / f"{name}.txt" for name in pids}
    spies = [
        subprocess.Popen(
            [
                py_spy(),
                "record",
                "--pid",
                str(pid),
                "--rate",
                str(RATE),
                "--format",
                "raw",
                "--nonblocking",
                "-o",
                str(files[name]),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name, pid in pids.items()
    ]
    try:
        yield files
    finally:
        for spy in spies:
            spy.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
        for spy in spies:
            try:
                spy.wait(timeout=60)
            except subprocess.TimeoutExpired:
                spy.kill()


def summarise(raw: str, top: int = 12) -> str:
    """The top functions by own samples, then pmf's functions by inclusive
    samples, from py-spy's raw (collapsed stack) output."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_name(f) for f in stack.split(";")]
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            if "(services/" in frame or "(shared/" in frame:
                inclusive[frame] += count
    if not total:
        return "no samples"

    def table(counts: Counter[str]) -> list[str]:
        return [
            f"{100 * n / total:5.1f}%  {name}" for name, n in counts.most_common(top)
        ]

    return "\n".join(
        [
            f"{total:,} samples",
            *table(own),
            "-- pmf's functions, inclusive:",
            *table(inclusive),
        ]
    )


def _name(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if match is None:
        return frame.strip()
    path = match["file"]
    for marker in ("site-packages/", "/services/", "/shared/"):
        if marker in path:
            cut = path.index(marker) + (
                len(marker) if marker == "site-packages/" else 1
            )
            path = path[cut:]
            break
    return f"{match['func']} ({path})"
